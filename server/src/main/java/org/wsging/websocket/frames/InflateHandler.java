package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses the client's compressed messages (RFC 7692 §7.2.2): the payload of the message's
 * frames, in order, followed by 0x00 0x00 0xFF 0xFF, is raw DEFLATE data. Uncompressed messages
 * pass by.
 *
 * <p>Output is bounded by the maximum message size as it is produced: each inflate call may
 * write at most one byte past what the message may still hold, so a compression bomb is closed
 * with 1009 after at most the maximum size was inflated, in pieces of at most the piece size.
 * Output is handed on as soon as its input arrived (a text message's bytes are checked as they
 * come). Data that is not DEFLATE closes with 1002.
 *
 * <p>The inflater (about 40 KiB of native memory) is made on the first compressed message, kept
 * across messages for context takeover (§7.2.3.2; a 15-bit window reads any window the client
 * used), reset after each message with client_no_context_takeover, and freed when the channel
 * closes or the handler leaves.
 */
final class InflateHandler extends ChannelInboundHandlerAdapter {

    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};
    /** Unused room in an output buffer above which its bytes are copied to one of their size. */
    private static final int SLACK = 4096;

    private final long maxMessageSize;
    private final int maxPieceSize;
    private final boolean noContextTakeover;

    private Inflater inflater;
    private boolean released;
    /** Bytes of the current message inflated so far. */
    private long produced;
    /** The latest output, held back so that the output of a message's last frame ends with it. */
    private ByteBuf held;

    InflateHandler(long maxMessageSize, int maxPieceSize, boolean noContextTakeover) {
        this.maxMessageSize = maxMessageSize;
        this.maxPieceSize = maxPieceSize;
        this.noContextTakeover = noContextTakeover;
    }

    /** Whether a zlib context is allocated now. */
    boolean hasContext() {
        return inflater != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MessageBytes bytes) || !bytes.compressed()) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (released) {
                return;   // the channel is closing; nothing is inflated any more
            }
            if (inflater == null) {
                inflater = new Inflater(true);
            }
            inflate(ctx, bytes.data(), bytes.text());
            if (bytes.last()) {
                inflate(ctx, Unpooled.wrappedBuffer(TAIL), bytes.text());
                endMessage();
            }
            handOnHeld(ctx, bytes.text(), bytes.last());
        } catch (DataFormatException e) {
            throw ProtocolViolation.protocolError("compressed message is not valid DEFLATE data: "
                    + e.getMessage());
        } finally {
            bytes.release();
            releaseHeld();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseContext();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseContext();
    }

    private void inflate(ChannelHandlerContext ctx, ByteBuf input, boolean text) throws DataFormatException {
        if (inflater.finished()) {
            // A final block ended the DEFLATE stream: the rest of the message (at least our tail)
            // cannot be part of it; the inflater starts afresh with the next message.
            return;
        }
        inflater.setInput(input.nioBuffer());
        while (true) {
            long room = maxMessageSize - produced;
            int capacity = (int) Math.min(maxPieceSize, room + 1);
            ByteBuf out = ctx.alloc().buffer(capacity);
            int n;
            try {
                n = inflater.inflate(out.nioBuffer(0, capacity));
            } catch (DataFormatException | RuntimeException e) {
                out.release();
                throw e;
            }
            if (n == 0) {
                out.release();
                return;   // all input consumed and nothing pending, or the stream ended
            }
            out.writerIndex(n);
            produced += n;
            if (produced > maxMessageSize) {
                out.release();
                throw ProtocolViolation.tooBig("message larger than " + maxMessageSize
                        + " bytes after decompression");
            }
            handOnHeld(ctx, text, false);
            held = n + SLACK < capacity ? exactCopy(ctx, out) : out;
            if (n < capacity) {
                return;   // zlib stops short of a full buffer only when it needs input or the stream ended
            }
        }
    }

    /**
     * A piece may wait in the session's queue for a while: a few bytes should not hold a buffer of
     * the piece size there.
     */
    private static ByteBuf exactCopy(ChannelHandlerContext ctx, ByteBuf out) {
        try {
            return ctx.alloc().buffer(out.readableBytes()).writeBytes(out);
        } finally {
            out.release();
        }
    }

    private void handOnHeld(ChannelHandlerContext ctx, boolean text, boolean last) {
        ByteBuf data = held;
        held = null;
        if (data == null) {
            if (!last) {
                return;
            }
            data = Unpooled.EMPTY_BUFFER;
        }
        ctx.fireChannelRead(new MessageBytes(text, false, data, last));
    }

    private void endMessage() {
        produced = 0;
        if (noContextTakeover || inflater.finished()) {
            inflater.reset();
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    private void releaseContext() {
        released = true;
        releaseHeld();
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
