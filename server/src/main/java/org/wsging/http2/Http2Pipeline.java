package org.wsging.http2;

import io.netty.channel.ChannelPipeline;
import java.util.function.Consumer;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
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

    private Http2Pipeline() {}

    /**
     * @param timeouts  the send, body, request, header and keep-alive timeouts (shared with HTTP/1.1)
     * @param accessLog where access-log lines go, or null for none
     * @param scheme    "http" or "https": what the application sees as {@code request.scheme}
     * @return the connection handler (an h2c upgrade hands it the upgraded request)
     */
    public static Http2ServerHandler configure(ChannelPipeline p, Http2Config http2, Http1Config.Timeouts timeouts,
                                               WorkerDispatcher dispatcher, Consumer<String> accessLog, String scheme) {
        Http2Streams streams = new Http2Streams(dispatcher, scheme, accessLog);
        Http2ServerHandler handler = new Http2ServerHandlerBuilder(streams, http2, timeouts).create();
        p.addLast(SEND_TIMEOUT, new SendTimeoutHandler(timeouts.send())); // a peer that reads nothing at all
        p.addLast(HANDLER, handler);                                       // frames <-> worker streams
        return handler;
    }
}
