package org.wsging.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * After the handshake, hands the connection to the protocol ALPN chose: {@code h2} to the HTTP/2
 * branch when there is one, {@code http/1.1} (also a client that sent no ALPN) to HTTP/1.1. Each
 * branch adds its handlers to the pipeline; this handler then removes itself. A failed handshake
 * ends the connection ({@link TlsErrorHandler} logs it).
 */
public final class AlpnRouter extends ApplicationProtocolNegotiationHandler {
    private final Consumer<ChannelPipeline> http1;
    private final Consumer<ChannelPipeline> h2;

    /**
     * @param http1 adds the HTTP/1.1 handlers
     * @param h2    adds the HTTP/2 handlers, or null when this server has none (then the context
     *              must not offer {@code h2}: {@link ServerTls#create} with {@code offerH2} false)
     */
    public AlpnRouter(Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> h2) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.http1 = http1;
        this.h2 = h2;
    }

    /** Adds TLS and this router to a new connection's pipeline. */
    public static void addTo(ChannelPipeline p, ServerTls tls, Consumer<ChannelPipeline> http1,
                             Consumer<ChannelPipeline> h2) {
        if (tls.offersH2() && h2 == null) {
            throw new IllegalArgumentException("the TLS context offers h2 but no HTTP/2 branch is given");
        }
        p.addLast("tls", tls.newHandler(p.channel().alloc()));
        p.addLast("tls-errors", TlsErrorHandler.INSTANCE);
        p.addLast("alpn", new AlpnRouter(http1, tls.offersH2() ? h2 : null));
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol) && h2 != null) {
            h2.accept(ctx.pipeline());
        } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
            http1.accept(ctx.pipeline());
        } else {
            TlsFailures.log(ctx.channel(), "protocol choice", new IllegalStateException("unsupported protocol " + protocol));
            ctx.close();
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // TlsErrorHandler has said why
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // TLS errors never get here (TlsErrorHandler ends them); a peer that reset the
        // connection during its handshake has left, like one that closed it: nothing to tell.
        if (!(cause instanceof IOException)) {
            TlsFailures.log(ctx.channel(), "handshake", cause);
        }
        ctx.close();
    }
}
