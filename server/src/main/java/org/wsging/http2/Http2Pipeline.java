package org.wsging.http2;

import io.netty.channel.ChannelPipeline;
import java.util.function.Consumer;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.config.WebSocketConfig;
import org.wsging.connection.LingeringCloseHandler;
import org.wsging.connection.SendTimeoutHandler;
import org.wsging.exchange.WorkerDispatcher;

/**
 * The handlers of an HTTP/2 connection, added at the end of a pipeline: after the protocol
 * selection of the cleartext port (prior knowledge or an h2c upgrade), or after a TLS handler
 * whose ALPN chose "h2".
 */
public final class Http2Pipeline {
    public static final String SEND_TIMEOUT = "send-timeout";
    public static final String HANDLER = "h2";
    public static final String LINGERING_CLOSE = "lingering-close";

    private Http2Pipeline() {}

    /**
     * @param http1     the limits (header count, body size) and the send, body, request, header and
     *                  keep-alive timeouts, which HTTP/2 shares with HTTP/1.1
     * @param accessLog where access-log lines go, or null for none
     * @param scheme    "http" or "https": what the application sees as {@code request.scheme}
     * @return the connection handler (an h2c upgrade hands it the upgraded request)
     */
    public static Http2ServerHandler configure(ChannelPipeline p, Http2Config http2, Http1Config http1,
                                               WorkerDispatcher dispatcher, Consumer<String> accessLog, String scheme) {
        return configure(p, http2, http1, WebSocketConfig.DEFAULT, dispatcher, accessLog, scheme);
    }

    /** @param webSocket the settings of WebSocket sessions over the connection's streams (RFC 8441) */
    public static Http2ServerHandler configure(ChannelPipeline p, Http2Config http2, Http1Config http1,
                                               WebSocketConfig webSocket, WorkerDispatcher dispatcher,
                                               Consumer<String> accessLog, String scheme) {
        Http2Streams streams = new Http2Streams(dispatcher, scheme, accessLog, http1.limits(), webSocket);
        Http2ServerHandler handler = new Http2ServerHandlerBuilder(streams, http2, http1.timeouts()).create();
        p.addLast(SEND_TIMEOUT, new SendTimeoutHandler(http1.timeouts().send())); // a peer that reads nothing
        p.addLast(HANDLER, handler);                                       // frames <-> worker streams
        // First, before any TLS handler: after the GOAWAY, a FIN, and the client's late frames read
        // and dropped instead of answered with a reset that would destroy what it had not read.
        p.addFirst(LINGERING_CLOSE, new LingeringCloseHandler(LingeringCloseHandler.LINGER_MILLIS));
        return handler;
    }
}
