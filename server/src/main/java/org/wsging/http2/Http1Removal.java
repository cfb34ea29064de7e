package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import java.util.List;

/**
 * Takes the HTTP/1.x handlers out of a cleartext connection's pipeline when it turns to HTTP/2.
 * They are the handlers from {@link #FIRST} to the end, as the server's initializer adds them.
 */
final class Http1Removal {
    /** The name of the first HTTP/1.x handler. */
    static final String FIRST = "send-timeout";
    static final String CODEC = "codec";
    private static final String HELD = "held-bytes";

    private Http1Removal() {}

    /**
     * Removes the HTTP/1.x handlers. Bytes the HTTP/1.x decoder had read beyond its last request
     * (the client's HTTP/2 preface right behind an upgrade request) are held back, and go to the
     * HTTP/2 handler once {@link Held#release} is called after it was installed.
     */
    static Held remove(ChannelPipeline p) {
        Held held = new Held();
        if (p.get(CODEC) != null) {
            p.addAfter(CODEC, HELD, held);
        } else {
            p.addLast(HELD, held);
        }
        List<String> names = p.names();
        int from = names.indexOf(FIRST);
        if (from >= 0) {
            for (String name : names.subList(from, names.size())) {
                if (!name.equals(CODEC) && !name.equals(HELD) && p.get(name) != null) {
                    p.remove(name);
                }
            }
        }
        if (p.get(CODEC) != null) {
            p.remove(CODEC); // hands what it had not decoded on to the holder
        }
        return held;
    }

    /** Holds inbound bytes until the HTTP/2 handler is in place behind it. */
    static final class Held extends ChannelInboundHandlerAdapter {
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

        /** Removes the holder, passing what it holds to the handler after it. */
        void release() {
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
}
