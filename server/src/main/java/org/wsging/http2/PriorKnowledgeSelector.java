package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The first handler of a cleartext connection that may speak HTTP/1.x or HTTP/2 with prior
 * knowledge (RFC 9113 §3.3): it looks at the first bytes only. The client connection preface
 * ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) turns the connection to HTTP/2; any other start
 * leaves it to the HTTP/1.x handlers behind, which were installed from the start (and whose
 * header timeout runs meanwhile). A preface whose request line is right and whose rest is not
 * is refused with 400 and a close: it is neither protocol.
 */
public final class PriorKnowledgeSelector extends ChannelInboundHandlerAdapter {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Length of the preface's first line, {@code PRI * HTTP/2.0\r\n}. */
    private static final int REQUEST_LINE = 16;
    private static final byte[] BAD_PREFACE = ("HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
            + "content-length: 41\r\nconnection: close\r\n\r\n400 Bad Request: invalid HTTP/2 preface\n\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final Consumer<ChannelPipeline> installHttp2;
    private ByteBuf held;
    private boolean decided;

    /** @param installHttp2 adds the HTTP/2 handlers at the end of the pipeline */
    public PriorKnowledgeSelector(Consumer<ChannelPipeline> installHttp2) {
        this.installHttp2 = installHttp2;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (held == null) {
            held = in;
        } else {
            held = Unpooled.wrappedBuffer(held, in);
        }
        int n = Math.min(held.readableBytes(), PREFACE.length);
        int start = held.readerIndex();
        for (int i = 0; i < n; i++) {
            if (held.getByte(start + i) != PREFACE[i]) {
                decided = true;
                if (i >= REQUEST_LINE) {
                    held.release();
                    held = null;
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(BAD_PREFACE)).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                ctx.pipeline().remove(this); // HTTP/1.x: the held bytes go on to its decoder
                return;
            }
        }
        if (n == PREFACE.length) {
            decided = true;
            ChannelPipeline p = ctx.pipeline();
            Http1Removal.remove(p).release();
            installHttp2.accept(p);
            p.remove(this); // the held bytes, preface included, go on to the HTTP/2 handler
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf b = held;
        held = null;
        if (b != null) {
            ctx.fireChannelRead(b);
        }
    }
}
