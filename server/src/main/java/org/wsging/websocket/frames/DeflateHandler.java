package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.zip.Deflater;

/**
 * Compresses outgoing messages (RFC 7692 §7.2.1) whose first {@link OutboundPiece} asks for it:
 * all pieces of the message form one DEFLATE stream segment, each piece flushed (SYNC_FLUSH) so
 * that its bytes leave with its frame, and the 0x00 0x00 0xFF 0xFF that ends the last piece's
 * flush is removed. Pieces go on as {@link CompressedPiece}s with their write's promise; messages
 * sent uncompressed pass by.
 *
 * <p>The deflater (about 260 KiB of native memory: a 15-bit window, the only size
 * {@link Deflater} offers, which is why a client asking for a smaller server window gets stored blocks)
 * is made for the first compressed message, kept across messages for context takeover, reset
 * after each message with server_no_context_takeover (§7.1.1.1), and freed when the channel
 * closes or the handler leaves.
 */
final class DeflateHandler extends ChannelDuplexHandler {

    private static final int TAIL_LENGTH = 4;

    private final boolean noContextTakeover;
    private final int level;

    private Deflater deflater;
    private boolean released;
    private boolean messageOpen;
    private boolean compressing;

    /**
     * @param storedBlocksOnly level 0: stored blocks, which refer to no earlier bytes, for a client
     *                         that limited the server's window below the 15 bits Deflater has
     */
    DeflateHandler(boolean noContextTakeover, boolean storedBlocksOnly) {
        this.noContextTakeover = noContextTakeover;
        this.level = storedBlocksOnly ? Deflater.NO_COMPRESSION : Deflater.DEFAULT_COMPRESSION;
    }

    /** Whether a zlib context is allocated now. */
    boolean hasContext() {
        return deflater != null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!(msg instanceof OutboundPiece piece)) {
            ctx.write(msg, promise);
            return;
        }
        boolean first = !messageOpen;
        if (first) {
            compressing = piece.compress();
        }
        messageOpen = !piece.last();
        if (!compressing) {
            ctx.write(piece, promise);
            return;
        }
        if (released) {
            piece.release();
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        ByteBuf compressed;
        try {
            compressed = deflate(ctx, piece.data(), piece.last(), first);
        } catch (RuntimeException e) {
            promise.tryFailure(e);
            return;
        } finally {
            piece.release();
        }
        if (piece.last() && noContextTakeover) {
            deflater.reset();
        }
        ctx.write(new CompressedPiece(piece.text(), compressed, piece.last()), promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseContext();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseContext();
    }

    private ByteBuf deflate(ChannelHandlerContext ctx, ByteBuf data, boolean last, boolean first) {
        if (deflater == null) {
            deflater = new Deflater(level, true);
        }
        deflater.setInput(data.nioBuffer());
        ByteBuf out = ctx.alloc().buffer(data.readableBytes() / 2 + 64);
        try {
            while (true) {
                int space = out.writableBytes();
                ByteBuffer target = out.nioBuffer(out.writerIndex(), space);
                int n = deflater.deflate(target, Deflater.SYNC_FLUSH);
                out.writerIndex(out.writerIndex() + n);
                if (n < space) {
                    break;   // a flush that did not fill the space is complete
                }
                out.ensureWritable(Math.max(64, out.capacity()));
            }
            if (last) {
                if (out.isReadable()) {
                    removeTail(out);
                } else if (first) {
                    // zlib writes nothing for a flush right after a flush (an empty message after
                    // another one): §7.2.3.6's single 0x00, an empty stored block once the
                    // receiver appends 00 00 FF FF, stands for the empty message.
                    out.writeByte(0);
                }
                // else: an empty last piece of a longer message adds nothing; the pieces before
                // it already end on a flush (their 00 00 FF FF is an empty block, harmless).
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** §7.2.1: a message's compressed data ends without the empty block a sync flush adds. */
    private static void removeTail(ByteBuf out) {
        int end = out.writerIndex();
        if (out.readableBytes() < TAIL_LENGTH || out.getInt(end - TAIL_LENGTH) != 0x0000FFFF) {
            throw new IllegalStateException("a sync flush did not end with 00 00 FF FF");
        }
        out.writerIndex(end - TAIL_LENGTH);
    }

    private void releaseContext() {
        released = true;
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
    }
}
