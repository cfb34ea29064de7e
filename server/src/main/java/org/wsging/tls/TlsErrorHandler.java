package org.wsging.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.channels.ClosedChannelException;

/**
 * Sits right after the SslHandler and ends a connection whose TLS failed with one short line: a
 * failed handshake (not TLS at all, a refused protocol version or client certificate, a timeout)
 * when its completion event comes, a failure after it when its error does. Other errors go on
 * to the protocol's own handlers.
 */
@ChannelHandler.Sharable
final class TlsErrorHandler extends ChannelInboundHandlerAdapter {
    static final TlsErrorHandler INSTANCE = new TlsErrorHandler();

    private TlsErrorHandler() {}

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            // A peer that left before finishing its handshake (a TCP health check, a port probe)
            // has nothing to be told about.
            if (!(done.cause() instanceof ClosedChannelException)) {
                TlsFailures.log(ctx.channel(), "handshake", done.cause());
            }
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!TlsFailures.isTls(cause)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        // During the handshake the completion event reports it; after it, this is the one line.
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null && ssl.handshakeFuture().isSuccess()) {
            TlsFailures.log(ctx.channel(), "connection", cause);
        }
        ctx.close();
    }
}
