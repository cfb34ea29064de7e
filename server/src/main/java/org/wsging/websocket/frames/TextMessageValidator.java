package org.wsging.websocket.frames;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Checks text messages as UTF-8 as their bytes arrive (after decompression) and hands every
 * message up as {@link MessagePiece}s. Text that is not UTF-8 closes with 1007 (RFC 6455 §8.1) at
 * the piece holding the first invalid byte, also when a code point is split between frames; a
 * message that ends inside a code point closes with 1007 at its last piece.
 */
final class TextMessageValidator extends ChannelInboundHandlerAdapter {

    private final Utf8Validator utf8 = new Utf8Validator();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MessageBytes bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (bytes.compressed()) {
            bytes.release();
            throw new IllegalStateException("compressed message bytes reached the text check: "
                    + "the inflate handler is missing from the pipeline");
        }
        if (bytes.text()) {
            try {
                check(bytes);
            } catch (ProtocolViolation e) {
                bytes.release();
                throw e;
            }
        }
        ctx.fireChannelRead(new MessagePiece(bytes.text(), bytes.data(), bytes.last()));
    }

    private void check(MessageBytes bytes) {
        if (utf8.firstInvalid(bytes.data()) >= 0) {
            throw ProtocolViolation.invalidPayload("text message is not valid UTF-8");
        }
        if (bytes.last()) {
            boolean complete = utf8.atBoundary();
            utf8.reset();
            if (!complete) {
                throw ProtocolViolation.invalidPayload("text message ends inside a UTF-8 sequence");
            }
        }
    }
}
