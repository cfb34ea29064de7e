package org.wsging.http1;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import java.util.List;
import org.wsging.config.WebSocketConfig;
import org.wsging.connection.HeldInput;
import org.wsging.exchange.WorkerStream;
import org.wsging.websocket.HandshakeResponse;
import org.wsging.websocket.WebSocketPipeline;
import org.wsging.websocket.WebSocketSession;

/**
 * Turns an HTTP/1.1 connection into a WebSocket one once its offer is accepted (RFC 6455 section
 * 4.2.2): the 101 goes out through the HTTP/1 handlers (the access log records it, once), then
 * every HTTP/1 handler behind the send timeout is removed (codec, half-close, the HTTP clocks,
 * the guards, the exchange) and the session's handlers take their place. TLS and the send
 * timeout, ahead of them, stay: wss:// is the same switch behind a TLS handler.
 */
final class WebSocketUpgrade {
    /** The first HTTP/1 handler that stays: a client that reads nothing is still closed. */
    static final String KEPT = "send-timeout";
    static final String CODEC = "codec";
    private static final String HELD = "ws-held-bytes";

    private WebSocketUpgrade() {}

    /**
     * Writes the 101 from {@code ctx} (the exchange handler's), switches the pipeline and starts
     * the session, which opens on the worker's side once the 101 is written.
     */
    static WebSocketSession switchProtocols(ChannelHandlerContext ctx, HandshakeResponse handshake,
                                            WorkerStream stream, WebSocketConfig config) {
        ChannelPipeline p = ctx.pipeline();
        ChannelFuture written = ctx.writeAndFlush(handshake.response());
        HeldInput held = removeHttp1(p);
        WebSocketSession session = WebSocketPipeline.install(p, stream, handshake, config);
        held.release();
        session.start(written);
        return session;
    }

    /**
     * Removes the HTTP/1 handlers after {@link #KEPT}. Bytes the decoder had read but not decoded
     * (a client must wait for the 101, RFC 6455 section 4.1; one that does not still has its
     * frames read as frames) are held and go to the frame layer once it is in place.
     */
    private static HeldInput removeHttp1(ChannelPipeline p) {
        HeldInput held = new HeldInput();
        if (p.get(CODEC) != null) {
            p.addAfter(CODEC, HELD, held);
        } else {
            p.addLast(HELD, held);
        }
        List<String> names = p.names();
        int from = names.indexOf(KEPT) + 1; // 0 when absent: then everything HTTP/1 is after the start
        for (String name : names.subList(from, names.size())) {
            if (!name.equals(CODEC) && !name.equals(HELD) && p.get(name) != null && !isTls(name)) {
                p.remove(name);
            }
        }
        if (p.get(CODEC) != null) {
            p.remove(CODEC); // hands what it had not decoded on to the holder
        }
        return held;
    }

    /** The TLS handlers ahead of HTTP/1 (named by the initializer), never removed. */
    private static boolean isTls(String name) {
        return name.equals("tls") || name.equals("tls-errors");
    }
}
