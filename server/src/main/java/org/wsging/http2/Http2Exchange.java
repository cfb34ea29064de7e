package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.FileBodyOpener;
import org.wsging.exchange.Header;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.exchange.WorkerStream;
import org.wsging.websocket.ExtendedConnectResponse;
import org.wsging.websocket.HandshakeResponse;
import org.wsging.websocket.Offer;
import org.wsging.websocket.WebSocketPipeline;
import org.wsging.websocket.WebSocketSession;

/**
 * One HTTP/2 stream: its request, and the listener of the worker stream that answers it. Runs on
 * the connection's event loop only.
 *
 * <p>Request body: DATA goes to the worker within the credit it granted; the rest waits here,
 * bounded by the stream window the client was given, which grows back only as bytes go on to the
 * worker ({@code consumeBytes}), i.e. as the application reads (MUST-H2-2). Response body: each
 * DATA write returns its bytes of link credit to the worker when the write completes; Netty's
 * flow controller holds writes while the client's stream or connection window is closed, so a
 * client that does not read stops the application's writer (MUST-H2-3).
 *
 * <p>WebSocket (RFC 8441, spec 9): a valid extended CONNECT is an offer, which goes to the worker
 * with no body; DATA the client sends before the answer waits here, not read. An acceptance is
 * answered with 200, and the stream then carries the session on a {@link WebSocketStreamChannel},
 * to which the stream's DATA and the worker's session events are passed on.
 */
final class Http2Exchange implements ExchangeListener {

    private static final AsciiString CONTINUE = AsciiString.cached("100");

    private final Http2ServerHandler conn;
    final Http2Stream stream;
    final int id;
    final Http2RequestFields request;
    /** The :path split into path and query, once worked out. */
    org.wsging.exchange.RequestTarget target;
    final boolean isHead;
    /** A valid WebSocket offer (extended CONNECT with :protocol websocket). */
    final boolean offer;
    private final boolean expectContinue;
    private final long maxBodySize;
    /** Nanosecond clock of the event loop when the request arrived. */
    final long startNanos;
    final long startMillis;

    WorkerStream worker;
    private ResetCode resetWhenOpened;
    /** The worker stream reached its terminal event, or was reset by this side. */
    boolean done;

    // request body
    /** Created with the first piece held: most requests have no body. */
    private ArrayDeque<ByteBuf> pending;
    private List<Header> requestTrailers;
    /** The client ended the request (END_STREAM). */
    boolean requestEnded;
    private boolean requestEndSent;
    private long credit;
    long bodyReceived;
    long lastBodyProgress;
    /** Time the request body waited here for the application, not for the client. */
    long pausedNanos;
    private boolean continueSent;

    // response
    boolean headSent;
    int status;
    private boolean bodiless;
    private long declaredLength = -1;
    long written;
    /** Bytes handed to the encoder whose write has not completed yet, but for those of
     * {@link #endWritten}'s DATA frame ({@link #endBytes}). */
    long unwritten;
    long lastWriteProgress;
    /** The write of the response's last frame, once queued. */
    private ChannelFuture endWritten;
    /** The bytes of the response's last DATA frame: counted as unwritten until
     * {@link #endWritten} is done, without a listener of their own. */
    private int endBytes;
    private FileSender file;
    boolean logged;

    // WebSocket session, once an offer is accepted
    private WebSocketStreamChannel sessionChannel;
    private WebSocketSession session;

    Http2Exchange(Http2ServerHandler conn, Http2Stream stream, Http2RequestFields request, boolean endOfStream,
                  long now, long maxBodySize) {
        this.conn = conn;
        this.maxBodySize = maxBodySize;
        this.stream = stream;
        this.id = stream.id();
        this.request = request;
        this.isHead = request.method().equals("HEAD");
        this.offer = Http2WebSocketOffer.isWebSocket(request);
        this.requestEnded = endOfStream;
        this.requestEndSent = endOfStream || offer; // an offer has no body for the worker
        this.expectContinue = !endOfStream && expects100(request.headers());
        this.startNanos = now;
        this.startMillis = System.currentTimeMillis();
        this.lastBodyProgress = now;
    }

    private static boolean expects100(List<Header> headers) {
        for (Header h : headers) {
            if (AsciiString.contentEqualsIgnoreCase(h.name(), "expect")
                    && AsciiString.contentEqualsIgnoreCase(h.value(), "100-continue")) {
                return true;
            }
        }
        return false;
    }

    boolean expectContinue() {
        return expectContinue;
    }

    void opened(WorkerStream s) {
        worker = s;
        if (resetWhenOpened != null && s != null) {
            s.reset(resetWhenOpened);
            return;
        }
        pump();
    }

    io.netty.buffer.ByteBufAllocator alloc() {
        return conn.ctx().alloc();
    }

    private ChannelHandlerContext ctx() {
        return conn.ctx();
    }

    private boolean live() {
        return !done;
    }

    // ---- request body, from the client ----------------------------------------------------------

    void requestData(ByteBuf data, boolean end, long now) {
        int n = data.readableBytes();
        bodyReceived += n;
        lastBodyProgress = now;
        if (end) {
            requestEnded = true;
        }
        if (sessionChannel != null) {
            sessionChannel.dataArrived(data);
            if (end) {
                sessionChannel.inputEnded();
            }
            return;
        }
        if (offer && !done) {
            hold(data); // the session's first bytes, read once it starts
            return;
        }
        if (done || requestEndSent) {
            data.release();
            conn.consume(stream, n); // nobody will read it: the client's window comes back at once
            return;
        }
        if (bodyReceived > maxBodySize) {
            data.release();
            conn.consume(stream, n);
            done = true;
            resetWorker(ResetCode.CANCEL);
            if (!headSent) {
                answerError(413, "request body too large");
            } else {
                conn.resetStream(this, Http2Error.CANCEL);
            }
            return;
        }
        hold(data);
        pump();
    }

    void requestTrailers(List<Header> trailers, long now) {
        lastBodyProgress = now;
        requestEnded = true;
        if (done || requestEndSent) {
            return;
        }
        requestTrailers = trailers;
        pump();
    }

    private void hold(ByteBuf data) {
        if (pending == null) {
            pending = new ArrayDeque<>(2);
        }
        pending.add(data);
    }

    /** Whether body is waiting here for the worker's credit (the client is not what is slow). */
    boolean holdsBody() {
        return pending != null && !pending.isEmpty();
    }

    /** Sends what the credit allows of the buffered body to the worker. */
    private void pump() {
        while (worker != null && !done && !requestEndSent) {
            ByteBuf piece = pending == null ? null : pending.peek();
            if (piece == null) {
                if (requestEnded) {
                    requestEndSent = true;
                    if (requestTrailers != null) {
                        worker.sendTrailers(requestTrailers);
                    } else {
                        worker.sendData(Unpooled.EMPTY_BUFFER, true);
                    }
                }
                return;
            }
            int n = piece.readableBytes();
            if (n > 0 && credit == 0) {
                return;
            }
            if (n > credit) {
                int part = (int) credit;
                worker.sendData(piece.readRetainedSlice(part), false);
                credit = 0;
                conn.consume(stream, part);
                return;
            }
            pending.poll();
            credit -= n;
            boolean last = pending.isEmpty() && requestEnded && requestTrailers == null;
            if (last) {
                requestEndSent = true;
            }
            worker.sendData(piece, last);
            conn.consume(stream, n);
        }
    }

    @Override
    public void onRequestWindow(int increment) {
        if (session != null) {
            session.onRequestWindow(increment);
            return;
        }
        if (!live()) {
            return;
        }
        credit += increment;
        if (expectContinue && !continueSent && !headSent && bodyReceived == 0 && !requestEnded) {
            continueSent = true;
            conn.encoder().writeHeaders(ctx(), id, new DefaultHttp2Headers(false, 1).status(CONTINUE), 0, false,
                    ctx().newPromise());
            conn.scheduleFlush();
        }
        pump();
    }

    // ---- response, from the worker --------------------------------------------------------------

    @Override
    public void onInformational(int status, List<Header> headers) {
        if (!live() || headSent || status <= 101 || status > 199) {
            return;
        }
        Http2Headers h;
        try {
            h = Http2ResponseFields.head(status, headers);
        } catch (IllegalArgumentException e) {
            return; // an invalid hint is dropped; the final response still comes
        }
        conn.encoder().writeHeaders(ctx(), id, h, 0, false, ctx().newPromise());
        conn.scheduleFlush();
    }

    @Override
    public void onResponse(int status, List<Header> headers, boolean endStream) {
        if (!live() || headSent) {
            return;
        }
        Http2Headers h = finalHead(status, headers, -1);
        if (h == null) {
            return;
        }
        if (endStream || bodiless) {
            if (endStream) {
                done = true;
            }
            writeHeaders(h, endStream);
            if (endStream) {
                finished();
            }
        } else {
            writeHeaders(h, false);
        }
        conn.scheduleFlush();
    }

    /** The head of a final response, or null when the application's head cannot be sent (then a
     * 500 went out instead). */
    private Http2Headers finalHead(int status, List<Header> headers, long fileLength) {
        Http2Headers h;
        try {
            h = Http2ResponseFields.head(status, headers);
            CharSequence length = null;
            for (Header f : headers) {
                if (AsciiString.contentEqualsIgnoreCase(f.name(), Http2ResponseFields.CONTENT_LENGTH)) {
                    if (length != null) {
                        throw new IllegalArgumentException("more than one content-length field");
                    }
                    length = f.value();
                }
            }
            if (length != null) {
                declaredLength = org.wsging.exchange.FieldRules.contentLength(
                        org.wsging.exchange.FieldRules.value(Http2ResponseFields.CONTENT_LENGTH, length));
                if (fileLength >= 0 && declaredLength != fileLength) {
                    throw new IllegalArgumentException("content-length " + declaredLength
                            + " differs from the file body's " + fileLength + " bytes");
                }
            } else if (fileLength >= 0 && status != 204 && status != 304) {
                h.setLong(Http2ResponseFields.CONTENT_LENGTH, fileLength);
                declaredLength = fileLength;
            }
        } catch (IllegalArgumentException e) {
            // MUST-RESP-3: an application error, so 500, never the broken head itself
            System.err.println("wsging: error: invalid response head from the application: " + e.getMessage());
            done = true;
            resetWorker(ResetCode.PROTOCOL_ERROR);
            answerError(500, "invalid response from the application");
            return null;
        }
        this.status = status;
        bodiless = isHead || status == 204 || status == 304;
        headSent = true;
        return h;
    }

    private void writeHeaders(Http2Headers h, boolean end) {
        ChannelPromise promise = ctx().newPromise();
        if (end) {
            endWritten = promise;
        }
        conn.encoder().writeHeaders(ctx(), id, h, 0, end, promise);
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        if (!live() || !headSent) {
            data.release();
            return;
        }
        int n = data.readableBytes();
        if (bodiless) {
            data.release();
            if (endStream) {
                done = true;
                writeData(Unpooled.EMPTY_BUFFER, true, 0);
                finished();
            } else if (n > 0 && worker != null) {
                worker.grantResponseWindow(n);
            }
            conn.scheduleFlush();
            return;
        }
        if (declaredLength >= 0 && written + n > declaredLength) {
            // More than content-length: a malformed response (RFC 9113 §8.1.1).
            System.err.println("wsging: error: the application sent more body than its Content-Length");
            data.release();
            done = true;
            resetWorker(ResetCode.PROTOCOL_ERROR);
            conn.resetStream(this, Http2Error.INTERNAL_ERROR);
            return;
        }
        written += n;
        if (endStream) {
            done = true;
            if (declaredLength >= 0 && written < declaredLength) {
                data.release();
                conn.resetStream(this, Http2Error.INTERNAL_ERROR); // short body: must not look whole
                return;
            }
            writeData(data, true, 0);
            finished();
        } else {
            writeData(data, false, n);
        }
        conn.scheduleFlush();
    }

    /** Writes DATA; when it has gone out, {@code grant} bytes of credit go back to the worker. */
    private void writeData(ByteBuf data, boolean end, int grant) {
        int n = data.readableBytes();
        ChannelPromise promise = ctx().newPromise();
        if (n > 0) {
            if (!sending()) {
                lastWriteProgress = conn.now();
            }
            if (end) {
                // No listener for the last frame (one fewer per response): it grants nothing,
                // and sending() looks at its promise.
                endBytes = n;
            } else {
                unwritten += n;
                promise.addListener(f -> {
                    unwritten -= n;
                    lastWriteProgress = conn.now();
                    if (f.isSuccess() && grant > 0 && !done && worker != null) {
                        worker.grantResponseWindow(grant);
                    }
                });
            }
        }
        if (end) {
            endWritten = promise;
        }
        conn.encoder().writeData(ctx(), id, data, 0, end, promise);
    }

    /** Whether response bytes handed to the encoder have not been written yet. */
    boolean sending() {
        return unwritten > 0 || endBytes > 0 && !endWritten.isDone();
    }

    @Override
    public void onTrailers(List<Header> trailers) {
        if (!live() || !headSent) {
            return;
        }
        done = true;
        if (!bodiless && declaredLength >= 0 && written < declaredLength) {
            conn.resetStream(this, Http2Error.INTERNAL_ERROR);
            return;
        }
        Http2Headers h = Http2ResponseFields.trailers(trailers);
        if (h.isEmpty() || bodiless) {
            writeData(Unpooled.EMPTY_BUFFER, true, 0);
        } else {
            writeHeaders(h, true);
        }
        finished();
        conn.scheduleFlush();
    }

    @Override
    public void onFileResponse(int status, List<Header> headers, FileBody body) {
        if (!live() || headSent) {
            return;
        }
        // Opened and checked before any byte of the head goes out, so a file that is gone,
        // replaced or cut short still gets a proper error response.
        FileChannel channel = null;
        if (!isHead && status != 204 && status != 304 && body.length() > 0) {
            try {
                channel = FileBodyOpener.open(body);
            } catch (FileBodyOpener.Unavailable e) {
                done = true;
                System.err.println("wsging: error: the response's file cannot be sent: " + e.getMessage());
                answerError(500, "the response's file is unavailable");
                return;
            }
        }
        Http2Headers h = finalHead(status, headers, body.length());
        done = true;
        if (h == null) {
            FileSender.closeQuietly(channel);
            return;
        }
        if (channel == null) {
            writeHeaders(h, true);
            finished();
        } else {
            writeHeaders(h, false);
            written = body.length();
            file = new FileSender(this, channel, body);
            file.next();
            finished();
        }
        conn.scheduleFlush();
    }

    /** The file sender read {@code chunk} bytes: written like any DATA, paced by its promise. */
    ChannelFuture writeFileChunk(ByteBuf chunk, boolean end) {
        int n = chunk.readableBytes();
        ChannelPromise promise = ctx().newPromise();
        if (!sending()) {
            lastWriteProgress = conn.now();
        }
        unwritten += n;
        promise.addListener(f -> {
            unwritten -= n;
            lastWriteProgress = conn.now();
        });
        conn.encoder().writeData(ctx(), id, chunk, 0, end, promise);
        conn.scheduleFlush();
        if (end) {
            endWritten = promise;
            finished();
        }
        return promise;
    }

    /** The file changed under the sender: the response cannot end whole. */
    void fileFailed(String why) {
        System.err.println("wsging: error: " + why);
        conn.resetStream(this, Http2Error.INTERNAL_ERROR);
    }

    @Override
    public boolean onPush(String path, List<Header> headers) {
        return conn.streams().pushes.promise(this, path, headers, conn.streams()::openPushed);
    }

    @Override
    public void onReset(ResetCode code) {
        if (session != null) {
            session.onReset(code);
            return;
        }
        if (!live()) {
            return;
        }
        done = true;
        if (!headSent) {
            int s = switch (code) {
                case REFUSED -> 503;
                case TIMEOUT -> 504;
                default -> 502;
            };
            answerError(s, "the application stopped the response");
        } else {
            conn.resetStream(this, code == ResetCode.CANCEL ? Http2Error.CANCEL : Http2Error.INTERNAL_ERROR);
        }
    }

    @Override
    public void onFailure(StreamFailure failure) {
        if (session != null) {
            session.onFailure(failure);
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
        failed(failure.status, detail);
    }

    /** An error before the head is a status; after it, the stream is reset (INTERNAL_ERROR). */
    private void failed(int errorStatus, String detail) {
        if (!headSent) {
            answerError(errorStatus, detail);
        } else {
            conn.resetStream(this, Http2Error.INTERNAL_ERROR);
        }
    }

    /** Answers on the stream's behalf: no head was sent yet. */
    void answerError(int errorStatus, String detail) {
        answerError(errorStatus, detail, List.of());
    }

    /** Answers on the stream's behalf with {@code fields} added to the head. */
    void answerError(int errorStatus, String detail, List<Header> fields) {
        done = true;
        headSent = true;
        status = errorStatus;
        ByteBuf body = Http2ErrorResponse.body(ctx().alloc(), errorStatus, detail);
        written = body.readableBytes();
        Http2Headers head = Http2ErrorResponse.head(errorStatus, body.readableBytes());
        for (Header f : fields) {
            head.add(f.name(), f.value());
        }
        writeHeaders(head, false);
        writeData(body, true, 0);
        finished();
        conn.scheduleFlush();
    }

    /** The response's last frame is queued. A request body the application did not read to its
     * end is refused now (RFC 9113 §8.1: RST_STREAM(NO_ERROR) after a complete response). */
    private void finished() {
        releasePending();
        if (!requestEnded && endWritten != null) {
            conn.resetAfterResponse(this, endWritten);
        }
    }

    // ---- the stream's end, timeouts ---------------------------------------------------------------

    /** The stream closed (both ends done, reset by either side, or the connection ended). */
    void closed() {
        releasePending();
        if (sessionChannel != null) {
            sessionChannel.streamClosed(); // a session not over yet reports 1006
        }
        if (!done) {
            done = true;
            resetWorker(ResetCode.CANCEL);
        }
        if (file != null) {
            file.close();
        }
    }

    /** The client will send nothing more, and this request is not complete: it never will be. */
    void clientGone() {
        if (!done) {
            done = true;
            resetWorker(ResetCode.CANCEL);
        }
        conn.resetStream(this, Http2Error.CANCEL);
    }

    /** The client has not read the response for the send timeout. */
    void sendTimedOut() {
        if (!done) {
            done = true;
            resetWorker(ResetCode.CANCEL);
        }
        conn.resetStream(this, Http2Error.CANCEL);
    }

    /** The request body stopped arriving, or came too slowly. */
    void bodyTimedOut() {
        if (!done) {
            done = true;
            resetWorker(ResetCode.CANCEL);
            if (!headSent) {
                answerError(408, "the request body did not arrive in time");
                return;
            }
        }
        conn.resetStream(this, Http2Error.CANCEL);
    }

    /** The request timeout passed: 504, or the stream is reset once the head went out. */
    void requestTimedOut() {
        if (done) {
            return;
        }
        done = true;
        resetWorker(ResetCode.CANCEL);
        if (!headSent) {
            answerError(504, "the application did not answer in time");
        } else {
            conn.resetStream(this, Http2Error.INTERNAL_ERROR);
        }
    }

    void reportDropped(long now) {
        System.err.println(String.format(Locale.ROOT,
                "wsging: error: graceful timeout expired: dropped %s %s from %s after %.1f s%s",
                request.method(), request.target(), ctx().channel().remoteAddress(),
                (now - startNanos) / 1e9, headSent ? " (response partly sent)" : " (no response sent)"));
    }

    // ---- WebSocket (RFC 8441) -----------------------------------------------------------------------

    /**
     * The application accepts the offer (spec 9.3): 200 with the negotiated fields, then the
     * session runs on the stream. An acceptance that cannot be answered (a subprotocol the client
     * did not offer, an invalid extra field) is a stream error: the offer gets 500 (spec A.2).
     */
    @Override
    public void onWebSocketAccept(WebSocketAccept accept) {
        if (!live() || headSent) {
            return;
        }
        if (!offer) {
            onInvalidResponse("a WebSocket acceptance where no offer was made");
            return;
        }
        ExtendedConnectResponse answer;
        Http2Headers head;
        try {
            answer = ExtendedConnectResponse.of(Offer.ofExtendedConnect(request.headers()), accept);
            head = Http2ResponseFields.head(200, answer.fields());
        } catch (HandshakeResponse.InvalidAcceptance | IllegalArgumentException e) {
            System.err.println("wsging: error: invalid WebSocket acceptance from the application: " + e.getMessage());
            done = true;
            resetWorker(ResetCode.PROTOCOL_ERROR);
            answerError(500, "invalid response from the application");
            return;
        }
        done = true; // the request is answered; the session has its own clocks
        headSent = true;
        status = 200;
        ChannelPromise written = ctx().newPromise();
        conn.encoder().writeHeaders(ctx(), id, head, 0, false, written);
        conn.scheduleFlush();
        WebSocketStreamChannel channel = new WebSocketStreamChannel(ctx().channel(), this);
        WebSocketSession s = WebSocketPipeline.install(channel.pipeline(), worker, answer.extensions(),
                answer.frames(), conn.streams().webSocket());
        channel.register();
        sessionChannel = channel;
        session = s;
        ByteBuf early;
        while (pending != null && (early = pending.poll()) != null) {
            channel.dataArrived(early); // sent before the 200: the first of the session's bytes
        }
        if (requestEnded) {
            channel.inputEnded();
        }
        s.start(written);
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

    /** Whether this stream carries a session (its offer was accepted). */
    boolean carriesSession() {
        return sessionChannel != null;
    }

    /** Spec 9.5 and 11.5: the graceful timeout ended; the session closes with 1001. */
    void sessionGoingAway(Object deadlineEvent) {
        if (sessionChannel != null && sessionChannel.isOpen()) {
            sessionChannel.pipeline().fireUserEventTriggered(deadlineEvent);
        }
    }

    /** A session's bytes as DATA; {@code promise} completes once the frame was written. */
    void sessionWrite(ByteBuf data, ChannelPromise promise) {
        int n = data.readableBytes();
        Http2Stream.State state = stream.state();
        if (state != Http2Stream.State.OPEN && state != Http2Stream.State.HALF_CLOSED_REMOTE) {
            data.release();
            promise.tryFailure(new java.nio.channels.ClosedChannelException());
            return;
        }
        if (n == 0) {
            data.release();
            promise.trySuccess();
            return;
        }
        if (!sending()) {
            lastWriteProgress = conn.now();
        }
        unwritten += n;
        written += n;
        ChannelPromise frameWritten = ctx().newPromise();
        frameWritten.addListener(f -> {
            unwritten -= n;
            lastWriteProgress = conn.now();
            if (f.isSuccess()) {
                promise.trySuccess();
            } else {
                promise.tryFailure(f.cause());
            }
        });
        conn.encoder().writeData(ctx(), id, data, 0, false, frameWritten);
    }

    void sessionFlush() {
        conn.scheduleFlush();
    }

    /** {@code n} bytes of the session's stream were read: the client may send that much more. */
    void consumed(int n) {
        conn.consume(stream, n);
    }

    /**
     * The session's channel closed: the server's side of the stream ends (END_STREAM), and a
     * client that has not ended its side is told to stop (RST_STREAM(NO_ERROR), RFC 9113 §8.1)
     * once that went out, so a finished session holds no stream.
     */
    void sessionChannelClosed() {
        Http2Stream.State state = stream.state();
        if (state == Http2Stream.State.OPEN || state == Http2Stream.State.HALF_CLOSED_REMOTE) {
            ChannelPromise end = ctx().newPromise();
            conn.encoder().writeData(ctx(), id, Unpooled.EMPTY_BUFFER, 0, true, end);
            conn.resetAfterResponse(this, end);
            conn.scheduleFlush();
        }
    }

    void resetWorker(ResetCode code) {
        if (worker != null) {
            worker.reset(code);
        } else {
            resetWhenOpened = code;
        }
    }

    private void releasePending() {
        ByteBuf b;
        while (pending != null && (b = pending.poll()) != null) {
            int n = b.readableBytes();
            b.release();
            conn.consume(stream, n);
        }
    }
}
