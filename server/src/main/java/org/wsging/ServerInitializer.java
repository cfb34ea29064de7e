package org.wsging;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.util.function.Consumer;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.config.WebSocketConfig;
import org.wsging.connection.SendTimeoutHandler;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.http1.AccessLogHandler;
import org.wsging.http1.HalfCloseHandler;
import org.wsging.http1.Http1ExchangeHandler;
import org.wsging.http1.Http1Guards;
import org.wsging.http1.Http1ServerCodec;
import org.wsging.http1.Http1TimeoutHandler;
import org.wsging.http1.RequestTimeoutHandler;
import org.wsging.http1.ResponseHeadersHandler;
import org.wsging.http2.H2cUpgradeHandler;
import org.wsging.http2.Http2Pipeline;
import org.wsging.http2.PriorKnowledgeSelector;
import org.wsging.tls.AlpnRouter;
import org.wsging.tls.ServerTls;

/**
 * The pipeline of one cleartext client connection, in the order bytes travel inwards. Each handler
 * has one concern; responses travel back up the same list. The connection starts as HTTP/1.x; with
 * HTTP/2 on, the client's first bytes (the HTTP/2 preface, prior knowledge) or an
 * {@code Upgrade: h2c} request turn it to HTTP/2 ({@link Http2Pipeline}).
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {

    private final Http1Config http1;
    private final Http2Config http2;
    private final WebSocketConfig websocket;
    private final WorkerDispatcher dispatcher;
    private final Consumer<String> accessLog;
    private final ChannelGroup connections;
    private final ServerTls tls;

    /**
     * @param accessLog   where access-log lines go, or null for none
     * @param connections every accepted connection is added to it (for graceful shutdown)
     */
    public ServerInitializer(Http1Config http1, WorkerDispatcher dispatcher, Consumer<String> accessLog,
                             ChannelGroup connections) {
        this(http1, Http2Config.DEFAULT, dispatcher, accessLog, connections, null);
    }

    /** @param tls TLS on every connection, or null for clear text */
    public ServerInitializer(Http1Config http1, Http2Config http2, WorkerDispatcher dispatcher,
                             Consumer<String> accessLog, ChannelGroup connections, ServerTls tls) {
        this(http1, http2, WebSocketConfig.DEFAULT, dispatcher, accessLog, connections, tls);
    }

    /** @param websocket the settings of WebSocket sessions (an HTTP/1.1 connection may turn into one) */
    public ServerInitializer(Http1Config http1, Http2Config http2, WebSocketConfig websocket,
                             WorkerDispatcher dispatcher, Consumer<String> accessLog, ChannelGroup connections,
                             ServerTls tls) {
        this.http1 = http1;
        this.http2 = http2;
        this.websocket = websocket;
        this.dispatcher = dispatcher;
        this.accessLog = accessLog;
        this.connections = connections;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        connections.add(channel);
        // The end of a client's input is not the end of the connection: HalfCloseHandler decides.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // Bounds what the connection queues for a client that does not read: above the high
        // mark it turns unwritable and the exchange stops reading and starting requests.
        channel.config().setWriteBufferWaterMark(
                new WriteBufferWaterMark(Http1Config.WRITE_BUFFER_LOW, Http1Config.WRITE_BUFFER_HIGH));
        if (channel instanceof EpollSocketChannel) {
            // Linux lets a send buffer grow to megabytes for a client that reads nothing, and wakes
            // the writer only once a third of it drained: a slow reader would look like one that
            // reads nothing to the send timeout, and each such client would hold megabytes of
            // kernel memory. Bounding the unsent part (TCP_NOTSENT_LOWAT) keeps both small; what
            // is in flight is still bounded only by the congestion and receive windows, so a fast
            // client's throughput is unchanged.
            channel.config().setOption(EpollChannelOption.TCP_NOTSENT_LOWAT, Http1Config.NOTSENT_LOWAT);
        }
        if (tls != null) { // the protocol's handlers come once ALPN has chosen it
            AlpnRouter.addTo(channel.pipeline(), tls, p -> {
                configure(p, http1, websocket, dispatcher, accessLog, "https");
                p.addAfter("codec", "chunked-files", new ChunkedWriteHandler()); // no sendfile through TLS
            }, http2.enabled()
                    ? p -> Http2Pipeline.configure(p, http2, http1, websocket, dispatcher, accessLog, "https")
                    : null);
            return;
        }
        configureCleartext(channel.pipeline(), http1, http2, websocket, dispatcher, accessLog);
    }

    /**
     * A cleartext connection: HTTP/1.x, and with HTTP/2 on also h2c by prior knowledge or upgrade.
     * Also used by tests on an EmbeddedChannel.
     */
    public static void configureCleartext(ChannelPipeline p, Http1Config http1, Http2Config http2,
                                          WorkerDispatcher dispatcher, Consumer<String> accessLog) {
        configureCleartext(p, http1, http2, WebSocketConfig.DEFAULT, dispatcher, accessLog);
    }

    /** A cleartext connection whose HTTP/1.1 requests may turn into WebSocket sessions with {@code websocket}. */
    public static void configureCleartext(ChannelPipeline p, Http1Config http1, Http2Config http2,
                                          WebSocketConfig websocket, WorkerDispatcher dispatcher,
                                          Consumer<String> accessLog) {
        if (!http2.enabled()) {
            configure(p, http1, websocket, dispatcher, accessLog, "http");
            return;
        }
        p.addLast("protocol", new PriorKnowledgeSelector(                  // the HTTP/2 preface?
                pipeline -> Http2Pipeline.configure(pipeline, http2, http1, websocket, dispatcher, accessLog, "http")));
        configure(p, http1, websocket, dispatcher, accessLog, "http");
        p.addBefore("response-headers", "h2c-upgrade", new H2cUpgradeHandler( // Upgrade: h2c
                pipeline -> Http2Pipeline.configure(pipeline, http2, http1, websocket, dispatcher, accessLog,
                        "http")));
    }

    /** HTTP/1.x with the "http" scheme. Also used by tests on an EmbeddedChannel. */
    public static void configure(
            ChannelPipeline p, Http1Config http1, WorkerDispatcher dispatcher, Consumer<String> accessLog) {
        configure(p, http1, dispatcher, accessLog, "http");
    }

    /**
     * The HTTP/1.x handlers, added at the end of the pipeline (after a TLS handler whose ALPN
     * chose HTTP/1.1, say); {@code scheme} is what applications see as {@code request.scheme}.
     */
    public static void configure(ChannelPipeline p, Http1Config http1, WorkerDispatcher dispatcher,
                                 Consumer<String> accessLog, String scheme) {
        configure(p, http1, WebSocketConfig.DEFAULT, dispatcher, accessLog, scheme);
    }

    /** The HTTP/1.x handlers; an accepted WebSocket offer turns the connection into a session with {@code websocket}. */
    public static void configure(ChannelPipeline p, Http1Config http1, WebSocketConfig websocket,
                                 WorkerDispatcher dispatcher, Consumer<String> accessLog, String scheme) {
        p.addLast("send-timeout", new SendTimeoutHandler(http1.timeouts().send())); // a peer that reads nothing
        p.addLast("codec", new Http1ServerCodec(http1.limits()));          // bytes <-> HTTP objects, size limits
        p.addLast("half-close", new HalfCloseHandler());                  // client's FIN: answer, then close
        p.addLast("timeouts", new Http1TimeoutHandler(http1.timeouts()));  // head, keep-alive, body clocks
        if (http1.timeouts().request() != null) {                          // a handler that never answers
            p.addLast("request-timeout", new RequestTimeoutHandler(http1.timeouts().request()));
        }
        Http1Guards.addTo(p, http1.limits());                              // malformed, limits, smuggling, Expect,
                                                                           // WebSocket handshakes
        p.addLast("response-headers", ResponseHeadersHandler.INSTANCE);    // Date, Server
        if (accessLog != null) {
            p.addLast("access-log", new AccessLogHandler(accessLog));      // one line per request
        }
        // requests <-> worker streams; an accepted WebSocket offer turns the pipeline to a session
        p.addLast("exchange", new Http1ExchangeHandler(dispatcher, scheme, websocket));
    }
}
