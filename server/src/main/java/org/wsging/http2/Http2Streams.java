package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.wsging.config.Http1Config;
import org.wsging.config.WebSocketConfig;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.RequestTarget;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.exchange.WorkerStream;
import org.wsging.http1.AccessLogFormat;
import org.wsging.tls.TlsFacts;

/**
 * The frame listener of one HTTP/2 connection: each request stream becomes one worker stream, so
 * concurrent streams are concurrent application calls (MUST-H2-1). Frames of a stream go to its
 * {@link Http2Exchange}, kept as a property of Netty's stream object.
 */
final class Http2Streams extends Http2FrameAdapter {

    /**
     * What every HTTP/2 request may use; push is added where {@link Http2Pushes#offered()}.
     * WebSocket: the server announces SETTINGS_ENABLE_CONNECT_PROTOCOL on every connection (RFC
     * 8441), and the link clears the bit for a worker that did not announce WEBSOCKET (spec A.6).
     */
    static final int CAPABILITIES = Capabilities.RESPONSE_TRAILERS | Capabilities.EARLY_HINTS
            | Capabilities.REQUEST_TRAILERS | Capabilities.WEBSOCKET;
    /** The worker link carries a method in at most 255 bytes, path and query in 65535 each (A.2). */
    private static final int MAX_METHOD = 255;
    private static final int MAX_TARGET_PART = 65535;

    private final WorkerDispatcher dispatcher;
    /** The limits HTTP/1.1 applies too: header fields per request (431) and body bytes (413). */
    private final int maxHeaders;
    private final long maxBodySize;
    private final String scheme;
    private boolean tlsChecked;
    private TlsFacts tls;
    private final Consumer<String> accessLog;
    private Http2ServerHandler conn;
    private Http2Connection.PropertyKey key;
    /** Requests of the current read burst, started at its end. */
    private final List<Http2Exchange> toOpen = new ArrayList<>();
    private InetSocketAddress client;
    private InetSocketAddress server;
    private String logClient;
    final Http2Pushes pushes;
    private final Http2PriorityUpdates priorities = new Http2PriorityUpdates();
    private final WebSocketConfig webSocket;

    Http2Streams(WorkerDispatcher dispatcher, String scheme, Consumer<String> accessLog, Http1Config.Limits limits) {
        this(dispatcher, scheme, accessLog, limits, WebSocketConfig.DEFAULT);
    }

    /** @param webSocket the settings of the WebSocket sessions the connection's streams carry */
    Http2Streams(WorkerDispatcher dispatcher, String scheme, Consumer<String> accessLog, Http1Config.Limits limits,
                 WebSocketConfig webSocket) {
        this.webSocket = webSocket;
        this.dispatcher = dispatcher;
        this.maxHeaders = limits.maxHeaders();
        this.maxBodySize = limits.maxBodySize();
        this.scheme = scheme;
        this.accessLog = accessLog;
        this.pushes = new Http2Pushes(scheme);
    }

    void attach(Http2ServerHandler handler) {
        this.conn = handler;
        pushes.attach(handler);
        Http2Connection connection = handler.connection();
        this.key = connection.newKey();
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                Http2Exchange e = stream.removeProperty(key);
                if (e != null) {
                    e.closed();
                    log(e);
                }
                conn.streamClosed();
            }
        });
    }

    WebSocketConfig webSocket() {
        return webSocket;
    }

    Http2Exchange exchange(Http2Stream stream) {
        return stream.getProperty(key);
    }

    void forEachExchange(Consumer<Http2Exchange> action) {
        try {
            conn.connection().forEachActiveStream(s -> {
                Http2Exchange e = s.getProperty(key);
                if (e != null) {
                    action.accept(e);
                }
                return true;
            });
        } catch (Http2Exception e) {
            throw new IllegalStateException(e); // the visitor throws nothing
        }
    }

    // ---- frames ---------------------------------------------------------------------------------

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endOfStream) throws Http2Exception {
        Http2Stream stream = conn.connection().stream(streamId);
        if (stream == null) {
            return;
        }
        conn.opened(streamId);
        Http2Exchange existing = stream.getProperty(key);
        if (existing != null) {
            trailers(existing, headers, endOfStream);
            return;
        }
        Http2RequestFields fields;
        try {
            fields = Http2RequestFields.of(headers);
        } catch (Http2RequestFields.Malformed e) {
            if (e.getMessage().equals("CONNECT")) {
                Http2Exchange refused = start(stream, null, endOfStream);
                refused.answerError(501, "CONNECT is not implemented");
                return;
            }
            throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "malformed request: %s",
                    e.getMessage());
        }
        Http2Exchange exchange = start(stream, fields, endOfStream);
        if (fields.protocol() != null) {
            Http2WebSocketOffer.Refusal refusal = Http2WebSocketOffer.check(fields, endOfStream);
            if (refusal != null) {
                exchange.answerError(refusal.status(), refusal.detail(), refusal.fields());
                return;
            }
        }
        if (fields.headers().size() > maxHeaders) {
            exchange.answerError(431, "too many header fields");
            return;
        }
        if (fields.contentLength() > maxBodySize) {
            exchange.answerError(413, "request body too large");
            return;
        }
        if (fields.method().length() > MAX_METHOD) {
            exchange.answerError(501, "method not implemented");
            return;
        }
        RequestTarget target = RequestTarget.parse(fields.target());
        exchange.target = target;
        if (target.rawPath().length() > MAX_TARGET_PART || target.rawQuery().length() > MAX_TARGET_PART) {
            exchange.answerError(414, "request target too long");
            return;
        }
        toOpen.add(exchange);
    }

    private Http2Exchange start(Http2Stream stream, Http2RequestFields fields, boolean endOfStream) {
        Http2RequestFields f = fields != null ? fields
                : new Http2RequestFields("CONNECT", "*", null, List.of(), -1);
        Http2Exchange exchange = new Http2Exchange(conn, stream, f, endOfStream, conn.now(), maxBodySize);
        stream.setProperty(key, exchange);
        conn.streamStarted();
        return exchange;
    }

    private void trailers(Http2Exchange exchange, Http2Headers headers, boolean endOfStream) throws Http2Exception {
        if (exchange.requestEnded) {
            // RFC 9113 §5.1: nothing but WINDOW_UPDATE, PRIORITY and RST_STREAM after END_STREAM
            throw Http2Exception.streamError(exchange.id, Http2Error.STREAM_CLOSED, "HEADERS after END_STREAM");
        }
        if (!endOfStream) {
            // RFC 9113 §8.1: a second HEADERS must end the stream
            throw Http2Exception.streamError(exchange.id, Http2Error.PROTOCOL_ERROR, "trailers without END_STREAM");
        }
        List<Header> list = new ArrayList<>(headers.size());
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                // RFC 9113 §8.1: pseudo-header fields in trailers make the message malformed
                throw Http2Exception.streamError(exchange.id, Http2Error.PROTOCOL_ERROR, "pseudo-header in trailers");
            }
            list.add(new Header(name, e.getValue()));
        }
        exchange.requestTrailers(List.copyOf(list), conn.now());
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        Http2Stream stream = conn.connection().stream(streamId);
        Http2Exchange exchange = stream == null ? null : stream.getProperty(key);
        if (exchange == null) {
            return data.readableBytes() + padding;
        }
        // Only the padding counts as consumed now; the data when it goes on to the worker.
        exchange.requestData(data.retain(), endOfStream, conn.now());
        return padding;
    }

    @Override
    public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                               ByteBuf payload) {
        try {
            priorities.onFrame(conn.connection(), frameType, streamId, payload, this::exchange);
        } catch (Http2Exception e) {
            // The adapter's signature throws nothing; Netty's handler finds the HTTP/2 error in
            // the cause and ends the connection with its code.
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        if (conn.connection().numActiveStreams() == 0) {
            ctx.channel().close();
        }
    }

    // ---- starting requests ------------------------------------------------------------------------

    /** Starts the requests that arrived in the read burst just ended and were not reset in it. */
    void openPending() {
        if (toOpen.isEmpty()) {
            return;
        }
        for (int i = 0; i < toOpen.size(); i++) {
            Http2Exchange e = toOpen.get(i);
            if (!e.done && e.stream.state() != Http2Stream.State.CLOSED) {
                open(e);
            }
        }
        toOpen.clear();
    }

    /** Starts one request at once (the request of an h2c upgrade, which came as HTTP/1.1). */
    void open(Http2Exchange e) {
        WorkerStream s = dispatcher.open(head(e), conn.ctx().executor(), e);
        String priority = priorities.take(e.id); // a PRIORITY_UPDATE that came before the request
        if (priority != null) {
            s.sendPriority(priority);
        }
        e.opened(s);
    }

    /** Serves a promised request (spec 8.5) like a client's, as a pushed one. */
    void openPushed(Http2Stream promised, Http2RequestFields fields) {
        open(start(promised, fields, true));
    }

    /** Serves the request an h2c upgrade brought as stream 1 (RFC 9113 §3.2, RFC 7540 §3.2). */
    void upgraded(Http2RequestFields fields, ByteBuf body) {
        Http2Stream stream = conn.connection().stream(1);
        boolean hasBody = body.isReadable();
        Http2Exchange exchange = start(stream, fields, !hasBody);
        if (hasBody) {
            exchange.requestData(body, true, conn.now());
        } else {
            body.release();
        }
        open(exchange);
    }

    private RequestHead head(Http2Exchange e) {
        Http2RequestFields f = e.request;
        RequestTarget target = e.target != null ? e.target : RequestTarget.parse(f.target());
        long length = f.contentLength() >= 0 ? f.contentLength() : e.requestEnded && e.bodyReceived == 0 ? 0 : -1;
        boolean hasBody = !(e.requestEnded && e.bodyReceived == 0);
        boolean pushed = (e.id & 1) == 0; // streams the server opens are the promised ones
        int capabilities = pushed || !pushes.offered() ? CAPABILITIES : CAPABILITIES | Capabilities.PUSH;
        if (e.offer) {
            // Spec 9.1: an offer over HTTP/2 is presented as a GET without a body, so routers
            // treat every transport alike; its stream carries the session instead.
            return new RequestHead(HttpVersion.HTTP_2, scheme, "GET", target.rawPath(), target.rawQuery(),
                    clientAddress(), serverAddress(), 0, capabilities, f.headers(), false, false, tlsFacts(),
                    false, true);
        }
        return new RequestHead(HttpVersion.HTTP_2, scheme, f.method(), target.rawPath(), target.rawQuery(),
                clientAddress(), serverAddress(), length, capabilities, f.headers(), hasBody,
                hasBody && e.expectContinue(), tlsFacts(), pushed);
    }

    /** The connection's TLS facts, read once from its handshaken SslHandler; null in clear text. */
    private TlsFacts tlsFacts() {
        if (!tlsChecked) {
            tlsChecked = true;
            SslHandler ssl = conn.ctx().pipeline().get(SslHandler.class);
            tls = ssl == null ? null : TlsFacts.of(ssl);
        }
        return tls;
    }

    private InetSocketAddress clientAddress() {
        if (client == null) {
            client = literal(conn.ctx().channel().remoteAddress());
        }
        return client;
    }

    private InetSocketAddress serverAddress() {
        if (server == null) {
            server = literal(conn.ctx().channel().localAddress());
        }
        return server;
    }

    /** The address with its host as a literal (RFC 5952 for IPv6), the form the link carries. */
    private static InetSocketAddress literal(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet) || inet.isUnresolved() || inet.getAddress() == null) {
            return address instanceof InetSocketAddress inet ? inet : null;
        }
        return InetSocketAddress.createUnresolved(NetUtil.toAddressString(inet.getAddress()), inet.getPort());
    }

    // ---- access log -------------------------------------------------------------------------------

    private void log(Http2Exchange e) {
        if (accessLog == null || e.logged || !e.headSent) {
            return;
        }
        e.logged = true;
        if (logClient == null) {
            SocketAddress remote = conn.ctx().channel().remoteAddress();
            logClient = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                    ? AccessLogFormat.address(inet.getAddress()) : "-";
        }
        accessLog.accept(AccessLogFormat.line(logClient, e.startMillis, e.request.method(), e.request.target(),
                "HTTP/2.0", e.status, e.written, field(e, "referer"), field(e, "user-agent"),
                conn.now() - e.startNanos));
    }

    private static String field(Http2Exchange e, String name) {
        for (Header h : e.request.headers()) {
            if (AsciiString.contentEquals(h.name(), name)) {
                return h.value().toString();
            }
        }
        return null;
    }
}
