package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.RequestTarget;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.exchange.WorkerStream;
import org.wsging.http1.AccessLogFormat;

/**
 * The frame listener of one HTTP/2 connection: each request stream becomes one worker stream, so
 * concurrent streams are concurrent application calls (MUST-H2-1). Frames of a stream go to its
 * {@link Http2Exchange}, kept as a property of Netty's stream object.
 */
final class Http2Streams extends Http2FrameAdapter {

    /** What every HTTP/2 request may use (push waits for its own work). */
    static final int CAPABILITIES =
            Capabilities.RESPONSE_TRAILERS | Capabilities.EARLY_HINTS | Capabilities.REQUEST_TRAILERS;
    /** The worker link carries a method in at most 255 bytes, path and query in 65535 each (A.2). */
    private static final int MAX_METHOD = 255;
    private static final int MAX_TARGET_PART = 65535;

    private final WorkerDispatcher dispatcher;
    private final String scheme;
    private final Consumer<String> accessLog;
    private Http2ServerHandler conn;
    private Http2Connection.PropertyKey key;
    /** Requests of the current read burst, started at its end. */
    private final List<Http2Exchange> toOpen = new ArrayList<>();
    private InetSocketAddress client;
    private InetSocketAddress server;
    private String logClient;

    Http2Streams(WorkerDispatcher dispatcher, String scheme, Consumer<String> accessLog) {
        this.dispatcher = dispatcher;
        this.scheme = scheme;
        this.accessLog = accessLog;
    }

    void attach(Http2ServerHandler handler) {
        this.conn = handler;
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
        if (fields.method().length() > MAX_METHOD) {
            exchange.answerError(501, "method not implemented");
            return;
        }
        RequestTarget target = RequestTarget.parse(fields.target());
        if (target.rawPath().length() > MAX_TARGET_PART || target.rawQuery().length() > MAX_TARGET_PART) {
            exchange.answerError(414, "request target too long");
            return;
        }
        toOpen.add(exchange);
    }

    private Http2Exchange start(Http2Stream stream, Http2RequestFields fields, boolean endOfStream) {
        Http2RequestFields f = fields != null ? fields
                : new Http2RequestFields("CONNECT", "*", null, List.of(), -1);
        Http2Exchange exchange = new Http2Exchange(conn, stream, f, endOfStream, conn.now());
        stream.setProperty(key, exchange);
        conn.streamStarted();
        return exchange;
    }

    private void trailers(Http2Exchange exchange, Http2Headers headers, boolean endOfStream) throws Http2Exception {
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
        e.opened(s);
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
        RequestTarget target = RequestTarget.parse(f.target());
        long length = f.contentLength() >= 0 ? f.contentLength() : e.requestEnded && e.bodyReceived == 0 ? 0 : -1;
        boolean hasBody = !(e.requestEnded && e.bodyReceived == 0);
        return new RequestHead(HttpVersion.HTTP_2, scheme, f.method(), target.rawPath(), target.rawQuery(),
                clientAddress(), serverAddress(), length, CAPABILITIES, f.headers(), hasBody,
                hasBody && e.expectContinue());
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
