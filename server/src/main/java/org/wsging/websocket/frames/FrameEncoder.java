package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * Writes the server's frames (RFC 6455 §5.2), unmasked (§5.1). Each {@link OutboundPiece} (or
 * {@link CompressedPiece}) is one frame: the first of a message TEXT or BINARY, with RSV1 when
 * compressed (RFC 7692 §6), the others CONTINUATION, FIN on the last. Pings, pongs and close
 * frames may come between a message's frames (§5.4). The promise of a piece's write completes when
 * its bytes are written. Once a close frame is written, nothing more is (§5.5.1): later frames are
 * released and their writes fail with {@link FramesAfterCloseException}.
 */
final class FrameEncoder extends ChannelOutboundHandlerAdapter {

    /** Payloads up to this size are copied behind their header: one buffer to write, not two. */
    private static final int COPY_THRESHOLD = 1024;
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private boolean messageOpen;
    private boolean closeSent;

    /** The write of a frame after the close frame; the frame was not sent. */
    static final class FramesAfterCloseException extends IllegalStateException {
        FramesAfterCloseException() {
            super("a close frame was sent: no frame may follow it", null);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean frame = msg instanceof OutboundPiece || msg instanceof CompressedPiece
                || msg instanceof OutboundPing || msg instanceof OutboundPong || msg instanceof OutboundClose;
        if (!frame) {
            ctx.write(msg, promise);
            return;
        }
        if (closeSent) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new FramesAfterCloseException());
            return;
        }
        switch (msg) {
            case OutboundPiece p -> writeData(ctx, p.text(), false, p.data(), p.last(), promise);
            case CompressedPiece p -> writeData(ctx, p.text(), true, p.data(), p.last(), promise);
            case OutboundPing p -> writeControl(ctx, Opcodes.PING, p.payload(), promise);
            case OutboundPong p -> writeControl(ctx, Opcodes.PONG, p.payload(), promise);
            case OutboundClose c -> {
                closeSent = true;
                writeControl(ctx, Opcodes.CLOSE, ClosePayload.encode(ctx.alloc(), c), promise);
            }
            default -> throw new IllegalStateException("unreachable: " + msg);
        }
    }

    private void writeData(ChannelHandlerContext ctx, boolean text, boolean compressed, ByteBuf data,
                           boolean last, ChannelPromise promise) {
        int opcode = messageOpen ? Opcodes.CONTINUATION : text ? Opcodes.TEXT : Opcodes.BINARY;
        boolean rsv1 = compressed && !messageOpen;
        messageOpen = !last;
        writeFrame(ctx, last, rsv1, opcode, data, promise);
    }

    private void writeControl(ChannelHandlerContext ctx, int opcode, ByteBuf payload, ChannelPromise promise) {
        if (payload.readableBytes() > MAX_CONTROL_PAYLOAD) {
            int length = payload.readableBytes();
            payload.release();
            promise.tryFailure(new IllegalArgumentException("control frame payload of " + length
                    + " bytes; at most " + MAX_CONTROL_PAYLOAD + " are allowed"));
            return;
        }
        writeFrame(ctx, true, false, opcode, payload, promise);
    }

    private static void writeFrame(ChannelHandlerContext ctx, boolean fin, boolean rsv1, int opcode,
                                   ByteBuf payload, ChannelPromise promise) {
        int length = payload.readableBytes();
        int headerLength = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        boolean copy = length <= COPY_THRESHOLD;
        ByteBuf header = ctx.alloc().buffer(headerLength + (copy ? length : 0));
        header.writeByte((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
        if (length < 126) {
            header.writeByte(length);
        } else if (length <= 0xFFFF) {
            header.writeByte(126);
            header.writeShort(length);
        } else {
            header.writeByte(127);
            header.writeLong(length);
        }
        if (copy) {
            header.writeBytes(payload);
            payload.release();
            ctx.write(header, promise);
        } else {
            ctx.write(header);
            ctx.write(payload, promise);
        }
    }
}
