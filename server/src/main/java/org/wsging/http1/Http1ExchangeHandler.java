package org.wsging.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.wsging.config.WebSocketConfig;
import org.wsging.connection.LingeringCloseHandler;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.FieldRules;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.FileBodyOpener;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.RequestTarget;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.exchange.WorkerStream;
import org.wsging.tls.TlsFacts;
import org.wsging.websocket.HandshakeResponse;
import org.wsging.websocket.HandshakeValidator;
import org.wsging.websocket.Offer;
import org.wsging.websocket.WebSocketSession;

/**
 * Connects HTTP/1.x requests to worker streams: the last handler of the pipeline.
 *
 * <p>Responses leave one at a time, in request order (RFC 9112 §9.3.2). A request received while
 * another is being answered waits in {@link #backlog}. A pipelined GET or HEAD without a body is
 * complete when it arrives and safe to run early (RFC 9110 §9.2.1), so it is handed to a worker
 * at once (up to {@link #MAX_EARLY} of them): a pipelined batch then reaches the worker, and its
 * answers the client, in one write each. Its response events are held until its turn. Any other
 * request waits unstarted, and the connection stops reading while one does (or when
 * {@link #MAX_EARLY} run early), which bounds read-ahead to one socket read.
 *
 * <p>Flow control: request body goes to the worker only within the credit it granted
 * ({@link ExchangeListener#onRequestWindow}); while out of credit the channel stops reading, so a
 * slow application slows the client's upload. Response body credit is returned to the worker
 * ({@link WorkerStream#grantResponseWindow}) only when a write reached the socket, so a
 * slow-reading client slows the application. Whole responses need no credit, so while the
 * client does not read (the channel is unwritable past its write-buffer high-water mark) no
 * further request is read or started, early or in its turn: a client that pipelines and never
 * reads holds a bounded amount of memory until the send timeout closes it.
 *
 * <p>WebSocket (spec 9): a valid offer (the guards refused the others) goes to the worker with
 * nothing read or decoded after it until it is answered. An ordinary response is sent as any
 * other and the connection goes on; an acceptance is answered 101 and the connection turns into
 * a session ({@link WebSocketUpgrade}), to which the stream's later events are passed on.
 */
public final class Http1ExchangeHandler extends ChannelInboundHandlerAdapter {

    /** Unread request body discarded after a response to keep the connection (else it closes). */
    static final int DRAIN_LIMIT = 64 * 1024;
    /** After a final answer on a connection to close, how long input is still read and dropped,
     * so that the kernel does not answer late client bytes with a reset that destroys the answer. */
    static final long LINGER_MILLIS = LingeringCloseHandler.LINGER_MILLIS;
    /** Pipelined requests started before their turn, at most; each may hold up to the worker's
     * initial window of response body until its turn comes. */
    static final int MAX_EARLY = 16;
    /** Bytes of a file body read at a time under TLS: four full TLS records. */
    static final int FILE_CHUNK = 64 * 1024;

    private static final AsciiString TRAILERS = AsciiString.cached("trailers");

    private final WorkerDispatcher dispatcher;
    /** "http", or "https" on a TLS connection. */
    private final String scheme;
    /** The sessions of accepted WebSocket offers (spec 9). */
    private final WebSocketConfig webSocket;
    private ChannelHandlerContext ctx;
    /** Requests (and their body pieces) and rejections waiting for their turn. */
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private Exchange current;
    /** The latest request on the wire still has body to come. */
    private boolean inboundOpen;
    /** Discarding the rest of a finished exchange's request body. */
    private boolean draining;
    private long drainBudget;
    /** A final answer is written; nothing more is served on this connection. */
    private boolean closing;
    private boolean shuttingDown;
    private boolean flushScheduled;
    private boolean autoRead = true;
    /** Exchanges in {@link #backlog} started ahead of their turn. */
    private int early;
    /** The final write of the latest response: a file body may still be on its way after it was
     * queued, so a shutdown closes only once it completed. Null before the first response. */
    private ChannelFuture lastResponseWrite;
    /** The connection's addresses as the link carries them; null until first needed. */
    private InetSocketAddress clientAddress;
    private InetSocketAddress serverAddress;
    /** The TLS connection this handler serves, or null in clear text; its facts once read. */
    private SslHandler ssl;
    private TlsFacts tlsFacts;
    /** File bodies go as chunks through a ChunkedWriteHandler (TLS), not as sendfile regions;
     * null until the first file body (the pipeline may still be growing when this is added). */
    private Boolean chunkedFiles;

    public Http1ExchangeHandler(WorkerDispatcher dispatcher) {
        this(dispatcher, "http");
    }

    public Http1ExchangeHandler(WorkerDispatcher dispatcher, String scheme) {
        this(dispatcher, scheme, WebSocketConfig.DEFAULT);
    }

    public Http1ExchangeHandler(WorkerDispatcher dispatcher, String scheme, WebSocketConfig webSocket) {
        this.dispatcher = dispatcher;
        this.scheme = scheme;
        this.webSocket = webSocket;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.autoRead = ctx.channel().config().isAutoRead();
        this.ssl = ctx.pipeline().get(SslHandler.class);
    }

    /** Once per connection: a file region cannot pass through TLS, whose bytes are encrypted in
     * user space; such a pipeline has a ChunkedWriteHandler to read the file in pieces instead. */
    private boolean chunkedFiles() {
        Boolean chunked = chunkedFiles;
        if (chunked == null) {
            chunked = chunkedFiles = ctx.pipeline().get(ChunkedWriteHandler.class) != null;
        }
        return chunked;
    }

    private TlsFacts tlsFacts() {
        if (tlsFacts == null && ssl != null) {
            tlsFacts = TlsFacts.of(ssl);
        }
        return tlsFacts;
    }

    // ---- inbound: requests from the client ------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof RequestRejected rejection) {
            rejected(rejection);
        } else if (msg instanceof HttpRequest request) {
            if (msg instanceof HttpContent) {
                // A whole request in one object (not what the codec emits): split head and body.
                var full = (io.netty.handler.codec.http.FullHttpRequest) msg;
                backlog.add(new io.netty.handler.codec.http.DefaultHttpRequest(
                        full.protocolVersion(), full.method(), full.uri(), full.headers()));
                backlog.add(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                inboundOpen = false;
            } else {
                backlog.add(request);
                inboundOpen = true;
                if (announcesNoBody(request)) {
                    // The decoder hands on its (empty) end right after it: decide about reading
                    // then, rather than stop and restart reading for each pipelined GET.
                    serveBacklog();
                    return;
                }
            }
        } else if (msg instanceof HttpContent content) {
            if (msg instanceof LastHttpContent last) {
                inboundOpen = false;
                if (startEarly(last)) {
                    updateAutoRead();
                    return;
                }
            }
            if (backlog.isEmpty()) {
                route(content);
            } else {
                backlog.add(content);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
        serveBacklog();
        updateAutoRead();
    }

    /**
     * Starts the bodiless safe request waiting at the end of the backlog, whose end
     * ({@code last}, empty) just arrived, instead of keeping it waiting for its turn.
     */
    private boolean startEarly(LastHttpContent last) {
        // RFC 9112 §9.3.2: pipelined requests may run in parallel only if they all have safe
        // methods; so the one being answered and every one ahead of this must be safe (and those
        // ahead are, when all of them run early).
        if (early >= MAX_EARLY || closing || shuttingDown || !ctx.channel().isWritable()
                || last.content().isReadable()
                || !last.trailingHeaders().isEmpty() || backlog.size() - 1 != early
                || (current != null && (!current.safe || current.offer)) // a session would take the connection
                || !(backlog.peekLast() instanceof HttpRequest request) || request instanceof HttpContent
                || !isSafe(request) || HandshakeValidator.isOffer(request.headers())) {
            return false;
        }
        Exchange exchange = new Exchange(request);
        if (!exchange.requestEndSent) {
            return false; // it announced a body after all (an empty chunked one): keep it simple
        }
        backlog.pollLast();
        last.release();
        exchange.early = true;
        exchange.requestComplete = true;
        backlog.add(exchange);
        early++;
        exchange.open();
        return true;
    }

    private InetSocketAddress clientAddress() {
        if (clientAddress == null) {
            clientAddress = literal(ctx.channel().remoteAddress());
        }
        return clientAddress;
    }

    private InetSocketAddress serverAddress() {
        if (serverAddress == null) {
            serverAddress = literal(ctx.channel().localAddress());
        }
        return serverAddress;
    }

    /**
     * The address with its host as a literal (RFC 5952 form for IPv6), the form the worker link
     * carries: worked out once per connection rather than formatted for every request.
     */
    private static InetSocketAddress literal(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet) || inet.isUnresolved() || inet.getAddress() == null) {
            return address instanceof InetSocketAddress inet ? inet : null;
        }
        return InetSocketAddress.createUnresolved(NetUtil.toAddressString(inet.getAddress()), inet.getPort());
    }

    /** No Content-Length above zero and no Transfer-Encoding: the head is the whole request. */
    private static boolean announcesNoBody(HttpRequest request) {
        HttpHeaders h = request.headers();
        return !h.contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.getContentLength(request, 0L) == 0;
    }

    /** GET and HEAD: safe (RFC 9110 §9.2.1) and, without a body, complete when their head is. */
    private static boolean isSafe(HttpRequest request) {
        HttpMethod method = request.method();
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
    }

    /** A guard refused a request, or a timeout expired: answer it in its turn and close. */
    private void rejected(RequestRejected rejection) {
        if (inboundOpen) {
            inboundOpen = false;
            if (!backlog.isEmpty()) {
                // It concerns the request still being received, which waits in the backlog.
                while (!backlog.isEmpty()) {
                    Object last = backlog.pollLast();
                    ReferenceCountUtil.release(last);
                    if (last instanceof HttpRequest) {
                        break;
                    }
                }
            } else if (current != null && !current.requestComplete) {
                current.abort(rejection);
                return;
            } else if (draining) {
                // The request was answered already; its unread rest is bad: just close.
                draining = false;
                closeGracefully(ctx.newSucceededFuture());
                return;
            }
        }
        backlog.add(rejection);
    }

    /** Body piece of the request being served, of a finished one being drained, or stray. */
    private void route(HttpContent content) {
        if (draining) {
            drain(content);
        } else if (current != null && !current.requestComplete) {
            current.requestContent(content);
        } else {
            content.release();
        }
    }

    private void drain(HttpContent content) {
        drainBudget -= content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        content.release();
        if (last) {
            draining = false;
        } else if (drainBudget < 0) {
            draining = false;
            closeGracefully(ctx.newSucceededFuture());
        }
    }

    private void serveBacklog() {
        while (!closing && !backlog.isEmpty()) {
            Object next = backlog.peek();
            if (next instanceof HttpContent content && !(next instanceof HttpRequest)) {
                backlog.poll();
                route(content);
                continue;
            }
            if (current != null || draining) {
                return;
            }
            if (next instanceof HttpRequest && !ctx.channel().isWritable()) {
                // The client is not reading what it was sent: its next request waits (and so
                // does reading, see updateAutoRead) until it does, so what one connection queues
                // stays bounded by the write-buffer water marks.
                return;
            }
            backlog.poll();
            if (next instanceof RequestRejected rejection) {
                answerRejection(rejection);
                return;
            }
            if (next instanceof Exchange started) {
                early--;
                current = started;
                started.takeTurn();
                continue;
            }
            start((HttpRequest) next);
        }
        if (!closing && shuttingDown && current == null && !draining) {
            closeAfterLastResponse();
        }
    }

    private void answerRejection(RequestRejected rejection) {
        closing = true;
        var response = ErrorResponses.of(ctx.alloc(), rejection.status(), rejection.detail(), true);
        for (Header h : rejection.headers()) {
            response.headers().add(h.name(), h.value());
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        closeGracefully(written);
    }

    private void start(HttpRequest request) {
        Exchange exchange = new Exchange(request);
        current = exchange;
        exchange.open();
    }

    // ---- connection-level events ----------------------------------------------------------------

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == GracefulShutdown.INSTANCE) {
            shuttingDown = true;
            if (!closing && current == null && !draining) {
                // Idle (or only unserved pipelined requests): nothing to wait for but the
                // writing of the last response.
                closeAfterLastResponse();
            }
            return;
        }
        if (evt == GracefulShutdown.DEADLINE) {
            reportDropped();
            return;
        }
        if (evt == RequestTimeoutHandler.RequestTimedOut.INSTANCE) {
            if (current != null) {
                current.timedOut();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!closing) {
            serveBacklog();
            updateAutoRead();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        if (current != null) {
            current.clientGone();
            current = null;
        }
        releaseBacklog();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // The connection closed, or turned into a WebSocket session: what waits here is dropped.
        closing = true;
        releaseBacklog();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            System.err.println("wsging: error: connection " + ctx.channel().remoteAddress() + " failed: " + cause);
        }
        ctx.close();
    }

    private void releaseBacklog() {
        Object o;
        while ((o = backlog.poll()) != null) {
            if (o instanceof Exchange started) {
                started.abandon();
            } else {
                ReferenceCountUtil.release(o);
            }
        }
        early = 0;
    }

    /** Reads only while the request being served wants body or, between requests, while nothing
     * waits its turn and the client reads its responses (the channel is writable). */
    private void updateAutoRead() {
        boolean want;
        if (closing) {
            want = true; // input is read and dropped until the close
        } else if (current != null && current.offer) {
            want = false; // what follows an offer is read once its answer says which protocol it is
        } else if (backlog.size() > early || early >= MAX_EARLY) {
            want = false; // a request waits unstarted, or enough run early
        } else if (draining) {
            want = true; // bounded by DRAIN_LIMIT; a client may read its answer only once it sent all
        } else if (current != null && !current.requestComplete && !current.requestEndSent) {
            // Bounded by the application's credit, whatever the client reads: an application
            // may read the whole upload before its client reads any of the response.
            want = current.wantsBody();
        } else {
            // Between requests: a client that does not read its responses gets no more read.
            want = ctx.channel().isWritable();
        }
        if (want != autoRead) {
            autoRead = want;
            ctx.channel().config().setAutoRead(want);
        }
    }

    /** Flushes once the event loop has handled its current I/O: responses produced in one turn
     * (pipelined ones, or several arriving from a worker in one read) leave in one write. */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    private final Runnable flushTask = () -> {
        flushScheduled = false;
        if (current != null) {
            current.writeHeldHead();
        }
        ctx.flush();
    };

    /**
     * Ends a connection between requests at shutdown. A plain close would be a reset for a client
     * whose next request is already on its way (the kernel answers unread or later data with
     * RST, RFC 9293 §3.6.1), so: FIN after the last response, read and drop what still comes
     * until the client closes too (or a short linger ends). The client sees the end of the
     * connection, which RFC 9112 §9.3.1 lets it retry on, never ECONNRESET.
     */
    private void closeAfterLastResponse() {
        ChannelFuture last = lastResponseWrite;
        closeGracefully(last != null ? last : ctx.newSucceededFuture());
    }

    /** The graceful timeout expired with exchanges still running: they are about to be cut, and
     * the operator learns which (method, target, how long each ran). */
    private void reportDropped() {
        long now = System.nanoTime();
        if (current != null && !current.done) {
            current.reportDropped(now);
        }
        for (Object o : backlog) {
            if (o instanceof Exchange started && !started.done) {
                started.reportDropped(now);
            }
        }
    }

    /**
     * The decoder holds what follows a WebSocket offer until the offer is answered; any answer
     * but a 101 (which removes the decoder) lets it go on, and so does closing, when input is
     * read and dropped.
     */
    private void resumeDecoding() {
        Http1ServerCodec codec = ctx.pipeline().get(Http1ServerCodec.class);
        if (codec != null) {
            codec.offerAnswered();
        }
    }

    /** Closes after {@code last} is written: half-close, then read and drop input for a while. */
    private void closeGracefully(ChannelFuture last) {
        closing = true;
        resumeDecoding();
        releaseBacklog();
        updateAutoRead();
        last.addListener(f -> {
            if (ctx.channel() instanceof DuplexChannel duplex && duplex.isActive() && f.isSuccess()) {
                duplex.shutdownOutput().addListener(s -> ctx.executor().schedule(
                        () -> { ctx.close(); }, LINGER_MILLIS, TimeUnit.MILLISECONDS));
            } else {
                ctx.close();
            }
        });
    }

    /** Ends the connection mid-response so the client sees a truncated response. */
    private void abortConnection(boolean closeDelimited) {
        closing = true;
        releaseBacklog();
        if (closeDelimited && ctx.channel().isActive()) {
            // A close would look like the end of a close-delimited body: reset instead.
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ctx.flush();
        ctx.close();
    }

    // ---- one request/response exchange ----------------------------------------------------------

    /** One request and its response; the listener of its worker stream. */
    private final class Exchange implements ExchangeListener {
        private final HttpRequest request;
        private final boolean http10;
        private final boolean isHead;
        private final boolean clientKeepAlive;
        private final boolean trailersAccepted;
        private final boolean expectContinue;
        private final boolean chunkedRequest;
        /** The request's Content-Length; -1 for a chunked body, 0 when absent. */
        private final long requestLength;
        /** GET or HEAD: pipelined safe requests may run while it does. */
        final boolean safe;
        /** A WebSocket offer (the guards let only valid ones through). */
        private final boolean offer;
        /** The head given to the worker; an acceptance is checked against its offer. */
        private RequestHead sentHead;
        /** The session of the accepted offer: the stream's events after the 101 are its. */
        private WebSocketSession session;
        private WorkerStream stream;
        private ResetCode resetWhenOpened;
        /** Started before its turn: listener events are held in {@link #held} until then. */
        boolean early;
        private ArrayDeque<Runnable> held;
        private ArrayDeque<ByteBuf> heldData;
        private boolean heldEnd;

        // request body
        boolean requestComplete;
        boolean requestEndSent;
        private final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2);
        private long credit;
        private long bodyReceived;
        private boolean continueSent;

        // response
        private boolean headSent;
        /** A head with a Content-Length, kept back until its body's end comes in the same turn so
         * that both leave as one full response (one encoding, one buffer); written before any
         * other write of this exchange and at the latest by the flush task. */
        private HttpResponse heldHead;
        private boolean done;
        private boolean bodiless;
        private boolean chunked;
        private boolean closeDelimited;
        private boolean keepAlive;
        private long declaredLength = -1;
        private long written;
        /** When the request was taken up (to 0.1 s); reported only if shutdown cuts it off. */
        private final long startedNanos = CoarseClock.nanoTime();

        Exchange(HttpRequest request) {
            this.request = request;
            HttpHeaders h = request.headers();
            this.http10 = !request.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_1);
            this.isHead = HttpMethod.HEAD.equals(request.method());
            this.safe = isSafe(request);
            this.clientKeepAlive = HttpUtil.isKeepAlive(request);
            // RFC 9110 §10.1.4: "TE: trailers" says the client accepts trailer fields.
            this.trailersAccepted = !http10 && !isHead && h.containsValue(HttpHeaderNames.TE, TRAILERS, true);
            this.chunkedRequest = HttpUtil.isTransferEncodingChunked(request);
            long length = HttpUtil.getContentLength(request, chunkedRequest ? -1L : 0L);
            this.requestLength = chunkedRequest ? -1 : length;
            boolean hasBody = chunkedRequest || length > 0;
            // RFC 9110 §10.1.1: an HTTP/1.0 client's 100-continue expectation is ignored.
            this.expectContinue = hasBody && !http10
                    && h.containsValue(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true);
            this.requestEndSent = !hasBody;
            this.offer = !http10 && !hasBody && HandshakeValidator.isOffer(h);
        }

        void reportDropped(long now) {
            System.err.println(String.format(java.util.Locale.ROOT,
                    "wsging: error: graceful timeout expired: dropped %s %s from %s after %.1f s%s",
                    request.method().name(), request.uri(), ctx.channel().remoteAddress(),
                    (now - startedNanos) / 1e9, headSent ? " (response partly sent)" : " (no response sent)"));
        }

        void open() {
            RequestHead head = head();
            sentHead = head;
            WorkerStream s = dispatcher.open(head, ctx.executor(), this);
            if (done) {
                // Answered, failed or abandoned while opening.
                stream = s;
                if (resetWhenOpened != null && s != null) {
                    s.reset(resetWhenOpened);
                }
                return;
            }
            stream = s;
            pump();
        }

        private RequestHead head() {
            HttpHeaders h = request.headers();
            long length = requestLength;
            int capabilities = 0;
            if (!http10) {
                // HTTP/1.1 can carry WebSocket sessions; the link clears the bit for a worker
                // that did not announce WEBSOCKET (spec A.6).
                capabilities |= Capabilities.EARLY_HINTS | Capabilities.WEBSOCKET;
                if (trailersAccepted) {
                    capabilities |= Capabilities.RESPONSE_TRAILERS;
                }
                if (chunkedRequest) {
                    capabilities |= Capabilities.REQUEST_TRAILERS;
                }
            }
            List<Header> headers = new ArrayList<>(h.size());
            var it = h.iteratorCharSequence();
            while (it.hasNext()) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                headers.add(new Header(e.getKey(), e.getValue()));
            }
            RequestTarget target = RequestTarget.parse(request.uri());
            return new RequestHead(
                    http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                    scheme,
                    request.method().name(),
                    target.rawPath(),
                    target.rawQuery(),
                    clientAddress(),
                    serverAddress(),
                    length,
                    capabilities,
                    Collections.unmodifiableList(headers),
                    !requestEndSent,
                    expectContinue,
                    tlsFacts(),
                    false,
                    offer);
        }

        private boolean live() {
            return current == this && !done;
        }

        /** Keeps a listener event of an exchange started early until its turn. */
        private void hold(Runnable event, ByteBuf data, boolean terminal) {
            if (held == null) {
                held = new ArrayDeque<>(4);
            }
            held.add(event);
            if (data != null) {
                if (heldData == null) {
                    heldData = new ArrayDeque<>(2);
                }
                heldData.add(data);
            }
            heldEnd |= terminal;
        }

        /** Its turn has come: the held events happen now, in the order they arrived. */
        void takeTurn() {
            early = false;
            heldData = null; // the events below take over the buffers
            ArrayDeque<Runnable> events = held;
            held = null;
            if (events != null) {
                for (Runnable event : events) {
                    event.run();
                }
            }
        }

        /** Started early, but its turn will never come (the connection ends first). */
        void abandon() {
            early = false;
            done = true;
            held = null;
            if (heldData != null) {
                heldData.forEach(ByteBuf::release);
                heldData = null;
            }
            if (!heldEnd) {
                resetStream(ResetCode.CANCEL);
            }
        }

        boolean wantsBody() {
            return pending.isEmpty() && credit > 0;
        }

        // -- request body --

        void requestContent(HttpContent content) {
            bodyReceived += content.content().readableBytes();
            if (content instanceof LastHttpContent) {
                requestComplete = true;
            }
            if (done || requestEndSent) {
                content.release();
                return;
            }
            pending.add(content);
            pump();
        }

        /** Sends what the credit allows of the buffered body to the worker. */
        private void pump() {
            while (stream != null && !done && !pending.isEmpty()) {
                HttpContent piece = pending.peek();
                ByteBuf data = piece.content();
                int n = data.readableBytes();
                boolean last = piece instanceof LastHttpContent;
                if (n > 0 && credit == 0) {
                    return;
                }
                if (n > credit) {
                    stream.sendData(data.readRetainedSlice((int) credit), false);
                    credit = 0;
                    return;
                }
                credit -= n;
                pending.poll();
                if (last) {
                    HttpHeaders trailers = ((LastHttpContent) piece).trailingHeaders();
                    requestEndSent = true;
                    if (trailers.isEmpty()) {
                        stream.sendData(data.retain(), true);
                    } else {
                        if (n > 0) {
                            stream.sendData(data.retain(), false);
                        }
                        stream.sendTrailers(toHeaders(trailers));
                    }
                } else if (n > 0) {
                    stream.sendData(data.retain(), false);
                }
                piece.release();
            }
        }

        @Override
        public void onRequestWindow(int increment) {
            if (session != null) {
                session.onRequestWindow(increment); // credit for the session's messages
                return;
            }
            if (early) {
                hold(() -> onRequestWindow(increment), null, false);
                return;
            }
            if (!live()) {
                return;
            }
            credit += increment;
            if (!headSent) {
                sendContinue();
            }
            pump();
            updateAutoRead();
        }

        /**
         * RFC 9110 §10.1.1: 100 Continue once the application asks for the body, unless the
         * client already started sending it. Also before a final head that goes out ahead of
         * the response's end: the application may still read the body (a streamed echo sends
         * its head first), and a client that got no 100 would wait before sending any. A
         * complete response (an early 413, say) goes without: the client need not send its body.
         */
        private void sendContinue() {
            if (expectContinue && !continueSent && bodyReceived == 0 && !requestComplete) {
                continueSent = true;
                ctx.write(new DefaultFullHttpResponse(
                        io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
                scheduleFlush();
            }
        }

        // -- response --

        @Override
        public void onInformational(int status, List<Header> headers) {
            if (early) {
                hold(() -> onInformational(status, headers), null, false);
                return;
            }
            // 1xx are not defined for HTTP/1.0 (RFC 9110 §15.2); 100 and 101 are the server's own.
            if (!live() || headSent || http10 || status == 100 || status == 101 || status < 100 || status > 199) {
                return;
            }
            HttpResponse info = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.EMPTY_BUFFER,
                    DefaultHttpHeadersFactory.headersFactory(), DefaultHttpHeadersFactory.trailersFactory());
            try {
                copyHeaders(headers, info.headers());
            } catch (IllegalArgumentException e) {
                return; // an invalid hint is dropped, the final response still comes
            }
            ctx.write(info);
            scheduleFlush();
        }

        @Override
        public void onResponse(int status, List<Header> headers, boolean endStream) {
            if (early) {
                hold(() -> onResponse(status, headers, endStream), null, endStream);
                return;
            }
            if (!live() || headSent) {
                return;
            }
            HttpResponse response = responseHead(status, headers, endStream, -1);
            if (response == null) {
                return;
            }
            headSent = true;
            if (endStream) {
                finish(ctx.write(fullResponse(response, Unpooled.EMPTY_BUFFER)));
            } else if (declaredLength > 0 && !bodiless) {
                heldHead = response;
            } else {
                sendContinue(); // the head leaves ahead of the body: the application may still read
                ctx.write(response);
            }
            scheduleFlush();
        }

        /** The head and its whole body as one message. */
        private static HttpResponse fullResponse(HttpResponse head, ByteBuf body) {
            return new DefaultFullHttpResponse(head.protocolVersion(), head.status(), body, head.headers(),
                    EmptyHttpHeaders.INSTANCE);
        }

        /** Writes the head kept back by {@link #onResponse}, if any: nothing else of this
         * exchange may be written before it. */
        void writeHeldHead() {
            HttpResponse head = heldHead;
            if (head != null) {
                heldHead = null;
                sendContinue();
                ctx.write(head);
            }
        }

        @Override
        public void onFileResponse(int status, List<Header> headers, FileBody file) {
            if (early) {
                hold(() -> onFileResponse(status, headers, file), null, true);
                return;
            }
            if (!live() || headSent) {
                return;
            }
            // The file is opened and checked before any byte of the head goes out, so a file
            // that is gone, replaced or cut short still gets a proper error response. HEAD, 204
            // and 304 carry no content (RFC 9110 §6.4.1): their file is not opened at all.
            FileChannel channel = null;
            if (!isHead && status != 204 && status != 304) {
                try {
                    channel = FileBodyOpener.open(file);
                } catch (FileBodyOpener.Unavailable e) {
                    done = true;
                    System.err.println("wsging: error: the response's file cannot be sent: " + e.getMessage());
                    answerError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the response's file is unavailable");
                    return;
                }
            }
            HttpResponse response = responseHead(status, headers, false, file.length());
            if (response == null) {
                closeQuietly(channel);
                return;
            }
            headSent = true;
            ctx.write(response);
            if (channel != null && file.length() > 0) {
                written = file.length();
                // Zero copy: the transport hands the file to the socket (sendfile) and closes the
                // channel when the region is released, whether it was sent or not. Under TLS the
                // file is read in chunks, as the socket takes them, and closed at its end.
                Object body;
                try {
                    body = chunkedFiles() ? new ChunkedNioFile(channel, file.offset(), file.length(), FILE_CHUNK)
                            : new DefaultFileRegion(channel, file.offset(), file.length());
                } catch (IOException e) {
                    closeQuietly(channel);
                    fileSendFailed(file, e);
                    return;
                }
                ctx.write(body).addListener(f -> {
                    if (!f.isSuccess()) {
                        fileSendFailed(file, f.cause());
                    }
                });
            } else {
                closeQuietly(channel);
            }
            finish(ctx.write(LastHttpContent.EMPTY_LAST_CONTENT));
            scheduleFlush();
        }

        /**
         * The head of a final response, with the framing this connection decides (RFC 9112 §6),
         * or null when the application's head cannot be sent (then a 500 went out instead).
         *
         * @param fileLength the length of a file body, or -1 when the body (if any) comes as data
         */
        private HttpResponse responseHead(int status, List<Header> headers, boolean endStream, long fileLength) {
            HttpResponse response = new DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status));
            HttpHeaders out = response.headers();
            boolean appClose;
            try {
                appClose = copyHeaders(headers, out);
                CharSequence length = null;
                int lengths = 0;
                for (int i = 0, n = headers.size(); i < n; i++) {
                    Header h = headers.get(i);
                    if (AsciiString.contentEqualsIgnoreCase(h.name(), HttpHeaderNames.CONTENT_LENGTH)) {
                        lengths++;
                        if (length == null) {
                            length = h.value();
                        }
                    }
                }
                if (length != null) {
                    if (lengths > 1) {
                        throw new IllegalArgumentException("more than one content-length field");
                    }
                    declaredLength = FieldRules.contentLength(FieldRules.value(HttpHeaderNames.CONTENT_LENGTH, length));
                    if (fileLength >= 0 && declaredLength != fileLength) {
                        throw new IllegalArgumentException("Content-Length " + declaredLength
                                + " differs from the file body's " + fileLength + " bytes");
                    }
                }
            } catch (IllegalArgumentException e) {
                // The application produced a head HTTP/1.1 cannot carry (spec MUST-RESP-3): an
                // application error, so 500 as for any other, never the broken head itself.
                done = true;
                resetStream(ResetCode.PROTOCOL_ERROR);
                System.err.println("wsging: error: invalid response head from the application: " + e.getMessage());
                answerError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "invalid response from the application");
                return null;
            }
            // RFC 9110 §6.4.1: no content for HEAD, 204 and 304.
            bodiless = isHead || status == 204 || status == 304;
            if (status == 204 || status == 304) {
                declaredLength = -1;
            } else if (declaredLength < 0 && fileLength >= 0) {
                out.set(HttpHeaderNames.CONTENT_LENGTH, fileLength); // HEAD too: what a GET would get
                declaredLength = fileLength;
            } else if (declaredLength < 0 && !isHead) {
                if (endStream) {
                    out.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                    declaredLength = 0;
                } else if (http10) {
                    closeDelimited = true; // RFC 9112 §6.3: no chunked for HTTP/1.0; the close ends it
                } else {
                    chunked = true;
                    out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
            keepAlive = clientKeepAlive && !appClose && !shuttingDown && !closeDelimited;
            if (!keepAlive) {
                out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            return response;
        }

        /**
         * Sending a file body failed after its head: the client cannot get a whole response, so
         * the connection ends (the transport closes it on an I/O error already). A file cut short
         * while it was sent is the application's error and is logged; a client that left is not.
         */
        private void fileSendFailed(FileBody file, Throwable cause) {
            try {
                Path path = FileBodyOpener.toPath(file.path());
                long size = Files.size(path);
                if (size - file.offset() < file.length()) {
                    System.err.println("wsging: error: " + path + " became shorter (" + size
                            + " bytes) while it was sent as a response body: " + cause);
                }
            } catch (IOException ignored) {
                // gone altogether: the client saw the connection end, nothing more to tell
            }
            ctx.close();
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            if (early) {
                boolean last = endStream; // the parameter changes below
                hold(() -> onData(data, last), data, last);
                return;
            }
            if (!live() || !headSent) {
                data.release();
                return;
            }
            int n = data.readableBytes();
            if (bodiless) {
                data.release();
                if (endStream) {
                    finish(ctx.write(LastHttpContent.EMPTY_LAST_CONTENT));
                    scheduleFlush();
                } else if (n > 0 && stream != null) {
                    stream.grantResponseWindow(n);
                }
                return;
            }
            boolean overrun = declaredLength >= 0 && written + n > declaredLength;
            if (overrun) {
                // More than Content-Length: the excess would be read as the next response.
                System.err.println("wsging: error: the application sent more body than its Content-Length");
                data.writerIndex(data.readerIndex() + (int) (declaredLength - written));
                n = data.readableBytes();
                endStream = true;
                keepAlive = false;
                done = true;
                resetStream(ResetCode.PROTOCOL_ERROR);
            }
            written += n;
            if (endStream) {
                if (declaredLength >= 0 && written < declaredLength) {
                    keepAlive = false; // short body: only a close tells the client
                }
                HttpResponse head = heldHead;
                if (head != null) {
                    heldHead = null;
                    finish(ctx.write(fullResponse(head, data)));
                } else {
                    finish(ctx.write(new DefaultLastHttpContent(data)));
                }
            } else {
                writeHeldHead();
                final int granted = n;
                ctx.write(new DefaultHttpContent(data)).addListener(f -> {
                    if (f.isSuccess() && granted > 0 && !done && stream != null) {
                        stream.grantResponseWindow(granted);
                    }
                });
            }
            scheduleFlush();
        }

        @Override
        public void onTrailers(List<Header> trailers) {
            if (early) {
                hold(() -> onTrailers(trailers), null, true);
                return;
            }
            if (!live() || !headSent) {
                return;
            }
            LastHttpContent last = LastHttpContent.EMPTY_LAST_CONTENT;
            if (chunked && trailersAccepted) {
                last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, DefaultHttpHeadersFactory.trailersFactory());
                for (Header t : trailers) {
                    try {
                        last.trailingHeaders().add(FieldRules.name(t.name()), FieldRules.value(t.name(), t.value()));
                    } catch (IllegalArgumentException e) {
                        // RFC 9110 §6.5.1: fields that frame or route the message are not trailers;
                        // an invalid field is dropped alone, as the head went out already
                    }
                }
            }
            if (declaredLength >= 0 && written < declaredLength && !bodiless) {
                keepAlive = false;
            }
            writeHeldHead();
            finish(ctx.write(last));
            scheduleFlush();
        }

        @Override
        public void onReset(ResetCode code) {
            if (session != null) {
                session.onReset(code);
                return;
            }
            if (early) {
                hold(() -> onReset(code), null, true);
                return;
            }
            if (!live()) {
                return;
            }
            done = true;
            HttpResponseStatus status = switch (code) {
                case REFUSED -> HttpResponseStatus.SERVICE_UNAVAILABLE;
                case TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
                default -> HttpResponseStatus.BAD_GATEWAY;
            };
            failed(status, "the application stopped the response");
        }

        @Override
        public void onFailure(StreamFailure failure) {
            if (session != null) {
                session.onFailure(failure);
                return;
            }
            if (early) {
                hold(() -> onFailure(failure), null, true);
                return;
            }
            if (!live()) {
                return;
            }
            done = true;
            String detail = switch (failure) {
                case WORKER_CRASHED -> "the worker process failed";
                case WORKER_TIMEOUT -> "the worker did not answer in time";
                case UNAVAILABLE -> "no worker available";
            };
            failed(HttpResponseStatus.valueOf(failure.status), detail);
        }

        @Override
        public void onInvalidResponse(String why) {
            if (session != null) {
                session.onReset(ResetCode.PROTOCOL_ERROR);
                return;
            }
            if (early) {
                hold(() -> onInvalidResponse(why), null, true);
                return;
            }
            if (!live()) {
                return;
            }
            done = true;
            System.err.println("wsging: error: invalid response from the application: " + why);
            failed(HttpResponseStatus.INTERNAL_SERVER_ERROR, "invalid response from the application");
        }

        /**
         * The application accepts the offer (spec 9.3): the 101 is written and the connection turns
         * to WebSocket. An acceptance that cannot be answered (a subprotocol the client did not
         * offer, an invalid extra field) is a stream error: the offer gets 500 (spec A.2).
         */
        @Override
        public void onWebSocketAccept(WebSocketAccept accept) {
            if (!live() || headSent) {
                return; // (offers never run early: see startEarly)
            }
            HandshakeResponse handshake;
            try {
                handshake = HandshakeResponse.of(Offer.of(sentHead.headers()), accept);
            } catch (HandshakeResponse.InvalidAcceptance e) {
                done = true;
                resetStream(ResetCode.PROTOCOL_ERROR);
                System.err.println("wsging: error: invalid WebSocket acceptance from the application: "
                        + e.getMessage());
                answerError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "invalid response from the application");
                return;
            }
            headSent = true;
            done = true;
            current = null;
            session = WebSocketUpgrade.switchProtocols(ctx, handshake, stream, webSocket);
        }

        @Override
        public void onWebSocketMessage(ByteBuf data, boolean text, boolean continues, boolean uncompressed) {
            if (session != null) {
                session.onWebSocketMessage(data, text, continues, uncompressed);
            } else {
                data.release(); // the link sends none before the session opened
            }
        }

        @Override
        public void onWebSocketPing(byte[] payload) {
            if (session != null) {
                session.onWebSocketPing(payload);
            }
        }

        @Override
        public void onWebSocketClose(int code, String reason) {
            if (session != null) {
                session.onWebSocketClose(code, reason);
            }
        }

        private void failed(HttpResponseStatus status, String detail) {
            if (!headSent) {
                answerError(status, detail);
            } else {
                // RFC 9112 §9.6 and 8: an incomplete response must not look complete.
                writeHeldHead();
                releasePending();
                current = null;
                abortConnection(closeDelimited);
            }
        }

        /** Answers on the stream's behalf (no head sent yet), then continues like a normal end. */
        private void answerError(HttpResponseStatus status, String detail) {
            headSent = true;
            keepAlive = clientKeepAlive && !shuttingDown;
            var response = ErrorResponses.of(ctx.alloc(), status, detail, !keepAlive);
            finish(ctx.write(response));
            scheduleFlush();
        }

        /** The response ended ({@code last} is its final write): next request, drain or close. */
        private void finish(ChannelFuture last) {
            done = true;
            current = null;
            lastResponseWrite = last;
            releasePending();
            if (!keepAlive || shuttingDown) {
                closeGracefully(last);
                return;
            }
            if (!requestComplete) {
                // RFC 9112 §9.3: to reuse the connection the unread body must still be read.
                long length = HttpUtil.getContentLength(request, -1L);
                if (length >= 0 && length - bodyReceived > DRAIN_LIMIT) {
                    closeGracefully(last);
                    return;
                }
                draining = true;
                drainBudget = DRAIN_LIMIT;
            }
            serveBacklog();
            updateAutoRead();
            if (offer) {
                resumeDecoding();
            }
        }

        /** The request timeout passed: the worker stream is cancelled, the client gets a 504
         * or, once the head went out, a response cut short. */
        void timedOut() {
            if (!live()) {
                return;
            }
            done = true;
            resetStream(ResetCode.CANCEL);
            failed(HttpResponseStatus.GATEWAY_TIMEOUT, "the application did not answer in time");
        }

        /** A guard or timeout refused this request while its body was arriving. */
        void abort(RequestRejected rejection) {
            requestComplete = true;
            if (!done) {
                done = true;
                resetStream(ResetCode.CANCEL);
            }
            releasePending();
            current = null;
            if (!headSent) {
                answerRejection(rejection);
            } else {
                writeHeldHead();
                abortConnection(closeDelimited);
            }
        }

        void clientGone() {
            heldHead = null;
            releasePending();
            if (!done) {
                done = true;
                resetStream(ResetCode.CANCEL);
            }
        }

        private void resetStream(ResetCode code) {
            if (stream != null) {
                stream.reset(code);
            } else {
                resetWhenOpened = code; // still inside dispatcher.open
            }
        }

        private void releasePending() {
            HttpContent c;
            while ((c = pending.poll()) != null) {
                c.release();
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // opened read-only and never read: nothing to report
            }
        }
    }

    /**
     * Copies response fields into Netty's (validating) headers, leaving out the hop-by-hop ones
     * this connection decides itself (RFC 9110 §7.6.1).
     *
     * @return whether the application asked to close the connection
     */
    private static boolean copyHeaders(List<Header> from, HttpHeaders to) {
        boolean close = false;
        for (Header h : from) {
            CharSequence name = h.name();
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
                close |= AsciiString.containsIgnoreCase(h.value(), HttpHeaderValues.CLOSE);
                continue;
            }
            if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)
                    || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE)
                    || AsciiString.contentEqualsIgnoreCase(name, "proxy-connection")) {
                continue;
            }
            // The same rules as the Python API's (FieldRules, spec/header-vectors.json): a
            // value loses its surrounding whitespace, a control character refuses the head.
            to.add(FieldRules.name(name), FieldRules.value(name, h.value()));
        }
        return close;
    }

    /** {@code Long.parseLong(s.toString().trim())} without making the strings. */
    static long parseTrimmedLong(CharSequence s) {
        int begin = 0;
        int end = s.length();
        while (begin < end && s.charAt(begin) <= ' ') {
            begin++;
        }
        while (end > begin && s.charAt(end - 1) <= ' ') {
            end--;
        }
        if (begin == end) {
            throw new NumberFormatException("empty Content-Length");
        }
        return Long.parseLong(s, begin, end, 10);
    }

    private static List<Header> toHeaders(HttpHeaders headers) {
        List<Header> list = new ArrayList<>(headers.size());
        var it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            list.add(new Header(e.getKey(), e.getValue()));
        }
        return List.copyOf(list);
    }
}
