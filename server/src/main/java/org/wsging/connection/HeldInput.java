package org.wsging.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Holds inbound bytes while a connection changes protocol: the old protocol's decoder hands what
 * it read beyond its last message (an HTTP/2 preface behind an h2c upgrade request, WebSocket
 * frames a client sent right behind its handshake) to this handler when it is removed, and this
 * handler passes them to the new protocol's handlers once {@link #release} is called after they
 * are in place behind it.
 */
public final class HeldInput extends ChannelInboundHandlerAdapter {
    private CompositeByteBuf bytes;
    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            if (bytes == null) {
                bytes = ctx.alloc().compositeBuffer();
            }
            bytes.addComponent(true, b);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // nothing to pass on until released
    }

    /** Removes the holder, passing what it holds on to the handler after it. */
    public void release() {
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        CompositeByteBuf b = bytes;
        bytes = null;
        if (b != null) {
            if (b.isReadable()) {
                ctx.fireChannelRead(b);
                ctx.fireChannelReadComplete();
            } else {
                b.release();
            }
        }
    }
}
