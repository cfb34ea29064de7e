package org.wsging.websocket.frames;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Joins data frames into messages (RFC 6455 §5.4): a message is a TEXT or BINARY frame and the
 * CONTINUATION frames after it, up to the one with FIN. A CONTINUATION with no message to continue,
 * or a new TEXT or BINARY frame before the message ended, is a protocol error (1002).
 *
 * <p>It also refuses a message that cannot fit, as soon as a frame header shows it (1009), so no
 * byte of it is buffered: an uncompressed message whose frames announce more than the maximum
 * size, or a compressed frame longer than the maximum plus what deflate can add to incompressible
 * data. A compressed message's size after decompression is the {@link InflateHandler}'s to bound.
 */
final class MessageAssembler extends ChannelInboundHandlerAdapter {

    private final long maxMessageSize;
    private final long maxCompressedFrame;

    private boolean inMessage;
    private boolean text;
    private boolean compressed;
    /** Payload bytes the frames of the current uncompressed message announced so far. */
    private long announced;

    MessageAssembler(long maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
        this.maxCompressedFrame = compressedBound(maxMessageSize);
    }

    /**
     * The longest compressed frame that may still inflate to {@code size} bytes: deflate's stored
     * blocks add 5 bytes per block of up to 64 KiB, and a sender flushes at least once per frame.
     * A 1/64 margin and 256 bytes cover both with room to spare.
     */
    static long compressedBound(long size) {
        long margin = (size >>> 6) + 256;
        return size > Long.MAX_VALUE - margin ? Long.MAX_VALUE : size + margin;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FrameChunk chunk)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (chunk.frameStart()) {
            try {
                startFrame(chunk);
            } catch (ProtocolViolation e) {
                chunk.release();
                throw e;
            }
        }
        boolean last = chunk.frameEnd() && chunk.fin();
        if (last) {
            inMessage = false;
        } else if (!chunk.data().isReadable()) {
            chunk.release();
            return;
        }
        ctx.fireChannelRead(new MessageBytes(text, compressed, chunk.data(), last));
    }

    private void startFrame(FrameChunk chunk) {
        if (chunk.opcode() == Opcodes.CONTINUATION) {
            if (!inMessage) {
                throw ProtocolViolation.protocolError("continuation frame without a message to continue");
            }
        } else {
            if (inMessage) {
                throw ProtocolViolation.protocolError("new data frame inside a fragmented message");
            }
            inMessage = true;
            text = chunk.opcode() == Opcodes.TEXT;
            compressed = chunk.compressed();
            announced = 0;
        }
        long length = chunk.frameLength();
        if (compressed) {
            if (length > maxCompressedFrame) {
                throw ProtocolViolation.tooBig("compressed frame of " + length
                        + " bytes for messages of at most " + maxMessageSize);
            }
        } else {
            if (length > maxMessageSize - announced) {
                throw ProtocolViolation.tooBig("message larger than " + maxMessageSize + " bytes");
            }
            announced += length;
        }
    }
}
