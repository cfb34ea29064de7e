package org.wsging.worker;

import static org.wsging.worker.link.FrameType.*;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.Header;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.tls.TlsFacts;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameCodec;
import org.wsging.worker.link.LinkProtocolException;

/**
 * The front end's side of one worker link (spec A.3-A.7): HELLO exchange, the stream table, flow
 * control in both directions, shared body memory (A.2), WebSocket sessions (A.2: a stream carried
 * on past its offer until the front end's WS_CLOSE), PING heartbeat and GOAWAY. Everything
 * below runs on the link channel's event loop; calls from other threads hop onto it. Listener
 * events go to each stream's executor in frame order, and each stream gets exactly one terminal
 * event.
 */
public final class WorkerLink extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(WorkerLink.class.getName());

    /** What the link tells its supervisor. Called on the link's event loop. */
    interface Owner {
        /** The worker said HELLO (and got ours); it may now be given streams. */
        void onHello(WorkerLink link);

        /** A stream slot came free (a stream completed or a reservation was given back). */
        void onSlotFreed(WorkerLink link);

        /** A reserved stream could not start here (the link is draining or closed). */
        void onBindRefused(WorkerLink link, LinkStream stream);

        /** The worker sent GOAWAY: it wants no new streams and is to be replaced. */
        void onWorkerGoAway(WorkerLink link);

        /** A PING stayed unanswered longer than the timeout: the worker hung. */
        void onHung(WorkerLink link);

        /** The link is closed; its open streams have failed. */
        void onClosed(WorkerLink link);
    }

    /** DATA payloads up to this size are copied into the frame batch rather than written alone. */
    static final int COPY_LIMIT = 1024;
    private static final int BATCH_CAPACITY = 4096;
    /**
     * Request-body pieces of this size or more go through a free shared-memory slot (A.2): below
     * it the copy through the socket costs less than the slot's round trip of SHARED_DATA and RELEASE.
     */
    static final int SHARED_BODY_MIN = 8192;

    private final LinkSettings settings;
    private final Owner owner;
    private final StreamTable streams = new StreamTable();
    /** Streams open or reserved; the pool reserves from any thread, so this one is atomic. */
    private final AtomicInteger reserved = new AtomicInteger();
    private final CompletableFuture<Void> idle = new CompletableFuture<>();

    private ChannelHandlerContext ctx;
    private EventLoop loop;
    /** Frames written since the last flush, encoded back to back (see {@link #write}); or null. */
    private ByteBuf batch;
    private boolean flushScheduled;
    private final Runnable scheduledFlush = () -> {
        flushScheduled = false;
        flush();
    };
    private LinkState state = LinkState.AWAIT_HELLO;
    private volatile boolean accepting;
    private int nextStreamId = 1;
    private boolean flushPending;
    private boolean goAwayReceived;
    private StreamFailure closeFailure = StreamFailure.WORKER_CRASHED;

    private volatile int workerId = -1;
    private volatile long pid = -1;
    private volatile int maxStreams = DEFAULT_MAX_STREAMS;
    private long workerInitialWindow = DEFAULT_INITIAL_WINDOW;
    private int workerMaxFrame = DEFAULT_MAX_FRAME;
    /** The worker announced TLS_INFO: a TLS request's facts go before its REQUEST (A.2). */
    private boolean workerTakesTls;
    /** The worker announced TLS_INFO = 2: it takes REQUEST frames flagged SAME_TLS (A.2). */
    private boolean workerTakesSameTls;
    /** The facts of the last TLS frame written to this link: equal facts are not sent again. */
    private TlsFacts lastTlsSent;
    /** The worker announced SETTING_PUSH: requests may offer it push (spec 8.5). */
    private boolean workerPushes;
    /** The worker announced SETTING_PRIORITY: it takes PRIORITY frames. */
    private boolean workerPriorities;
    /** The worker announced SETTING_WEBSOCKET: it takes offers and the WS_* frames (A.2). */
    private boolean workerWebSockets;

    /** The shared body memory offered to the worker; null when the link has none. */
    private SharedBodies shared;
    /** The worker acknowledged {@link #shared}: bodies may go through it both ways. */
    private boolean sharedOn;
    /** The worker's slots whose bytes were consumed here, given back in one RELEASE at the next flush. */
    private final List<Integer> slotsToRelease = new ArrayList<>();

    private ScheduledFuture<?> pingTask;
    private boolean pingOutstanding;
    private long pingOpaque;
    private long pingTicksUnanswered;

    WorkerLink(LinkSettings settings, Owner owner) {
        this.settings = settings;
        this.owner = owner;
    }

    // ---------------------------------------------------------------- queries (any thread)

    int workerId() {
        return workerId;
    }

    long pid() {
        return pid;
    }

    /** Streams running or reserved on this link. */
    int load() {
        return reserved.get();
    }

    boolean accepting() {
        return accepting;
    }

    EventLoop eventLoop() {
        return loop;
    }

    /** Completes once the link drains (GOAWAY either way, or closed) with no stream left. */
    CompletableFuture<Void> idle() {
        return idle;
    }

    int maxStreams() {
        return maxStreams;
    }

    /** Gives back a slot taken by {@link #tryReserve()} that was not used. */
    void unreserve() {
        reserved.decrementAndGet();
    }

    /** Sets the next stream id to try (ids wrap after 2^31 - 1, A.4); lets tests reach the wrap. */
    void nextStreamId(int id) {
        nextStreamId = id;
    }

    /** Takes one stream slot if the worker has room (MAX_STREAMS). */
    boolean tryReserve() {
        for (;;) {
            int n = reserved.get();
            if (!accepting || n >= maxStreams) {
                return false;
            }
            if (reserved.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- commands (any thread)

    /** Starts {@code stream} on this link, in the slot reserved by {@link #tryReserve()}. */
    void bind(LinkStream stream) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            doBind(stream);
        } else {
            loop.execute(() -> doBind(stream));
        }
    }

    void sendData(LinkStream s, ByteBuf data, boolean endStream) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            doSendData(s, data, endStream);
            flushSoon();
        } else {
            loop.execute(() -> {
                doSendData(s, data, endStream);
                flushSoon();
            });
        }
    }

    void sendTrailers(LinkStream s, List<Header> trailers) {
        run(() -> doSendTrailers(s, trailers));
    }

    void grantResponseWindow(LinkStream s, int increment) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            doGrant(s, increment);
        } else {
            loop.execute(() -> doGrant(s, increment));
        }
    }

    void reset(LinkStream s, ResetCode code) {
        run(() -> doReset(s, code));
    }

    void sendPriority(LinkStream s, String fieldValue) {
        run(() -> doSendPriority(s, fieldValue));
    }

    void openWebSocket(LinkStream s, String extensions) {
        run(() -> doOpenWebSocket(s, extensions));
    }

    void sendWebSocketMessage(LinkStream s, ByteBuf data, boolean text, boolean continues) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            doSendWebSocketMessage(s, data, text, continues);
        } else {
            try {
                loop.execute(() -> doSendWebSocketMessage(s, data, text, continues));
            } catch (RejectedExecutionException e) {
                data.release(); // the link's loop is gone, and the stream with it
            }
        }
    }

    void sendWebSocketPong(LinkStream s, byte[] payload) {
        run(() -> doSendWebSocketPong(s, payload));
    }

    void closeWebSocket(LinkStream s, int code, String reason) {
        run(() -> doCloseWebSocket(s, code, reason));
    }

    /** The front end's answer to the PUSH with {@code token}, from the stream's executor. */
    void answerPush(long token, boolean accepted) {
        run(() -> {
            if (state != LinkState.CLOSED) {
                write(new Frame.PushResult(token, accepted));
                flushSoon();
            }
        });
    }

    /** Sends GOAWAY: no new streams; open ones finish (spec A.3 step 5). */
    void goAway(long code, String reason) {
        run(() -> {
            if (state == LinkState.OPEN) {
                state = state.to(LinkState.DRAINING);
                accepting = false;
                write(new Frame.GoAway(code, reason));
                flush();
                checkIdle();
            }
        });
    }

    /** Closes the link; streams still open fail with {@code failure}. */
    void close(StreamFailure failure) {
        run(() -> {
            if (state != LinkState.CLOSED) {
                closeFailure = failure;
                ctx.close();
            }
        });
    }

    private void run(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    // ---------------------------------------------------------------- stream side, front end -> worker

    private void doBind(LinkStream s) {
        if (state != LinkState.OPEN) {
            reserved.decrementAndGet();
            owner.onBindRefused(this, s);
            checkIdle();
            return;
        }
        LinkStream.Queued pending;
        for (;;) {
            Object o = s.owner.get();
            if (!(o instanceof LinkStream.Queued q)) {
                // The front end reset it (or it timed out in the queue) before a worker took it.
                releaseSlot();
                return;
            }
            if (s.owner.compareAndSet(o, this)) {
                pending = q;
                break;
            }
        }
        if (s.head.websocket() && !workerWebSockets) {
            answerUnsupportedOffer(s, pending);
            return;
        }
        int id = nextStreamId;
        while (streams.containsKey(id)) {
            id = id == Integer.MAX_VALUE ? 1 : id + 1;
        }
        nextStreamId = id == Integer.MAX_VALUE ? 1 : id + 1;
        // Push is offered only by a worker that can ask for it and hear the answer (A.8);
        // WebSocket likewise, to a worker that announced it.
        s.pushOffered = workerPushes && (s.head.capabilities() & Capabilities.PUSH) != 0;
        int capabilities = s.head.capabilities();
        if (!s.pushOffered) {
            capabilities &= ~Capabilities.PUSH;
        }
        if (!workerWebSockets) {
            capabilities &= ~Capabilities.WEBSOCKET;
        }
        RequestHead head = s.head.withCapabilities(capabilities);
        ByteBuf out = batch();
        int mark = out.writerIndex();
        TlsFacts tlsBefore = lastTlsSent;
        try {
            boolean sameTls = false;
            if (head.tls() != null && workerTakesTls) { // clear text: no frame, no cost
                // A connection's requests, and mostly every connection's, share their facts:
                // they go once, and the requests after them only point back (A.2 SAME_TLS).
                sameTls = workerTakesSameTls && (head.tls() == lastTlsSent || head.tls().equals(lastTlsSent));
                if (!sameTls) {
                    FrameCodec.encode(new Frame.Tls(id, head.tls()), out);
                    lastTlsSent = head.tls();
                }
            }
            FrameCodec.encode(new Frame.Request(id, head, sameTls), out);
        } catch (IllegalArgumentException e) {
            out.writerIndex(mark); // neither frame, not the TLS frame alone
            lastTlsSent = tlsBefore;
            // A field too long for the link (the front end's limits should make this impossible).
            LOG.log(System.Logger.Level.WARNING, "request cannot be sent to a worker: " + e.getMessage());
            s.done = true;
            LinkStream.releasePending(pending);
            releaseSlot();
            s.deliverReset(ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.id = id;
        s.requestEnded = !s.head.hasBody();
        s.requestWindow = s.head.expectContinue() ? 0 : workerInitialWindow;
        s.responseWindow = settings.initialWindow();
        streams.put(id, s);
        if (s.head.hasBody() && !s.head.expectContinue() && workerInitialWindow > 0) {
            s.deliverRequestWindow((int) Math.min(workerInitialWindow, Integer.MAX_VALUE));
        }
        for (Object op : pending.ops()) {
            if (op instanceof LinkStream.PendingData d) {
                doSendData(s, d.data(), d.endStream());
            } else if (op instanceof LinkStream.PendingTrailers t) {
                doSendTrailers(s, t.trailers());
            } else if (op instanceof LinkStream.PendingPriority p) {
                doSendPriority(s, p.fieldValue());
            }
        }
        flushSoon();
    }

    /**
     * A WebSocket offer for a worker that did not announce WEBSOCKET: it gets no offer (A.2), and
     * the front end answers the handshake itself with 501, as a response the stream delivers.
     */
    private void answerUnsupportedOffer(LinkStream s, LinkStream.Queued pending) {
        LinkStream.releasePending(pending);
        s.done = true;
        releaseSlot();
        byte[] body = "501 Not Implemented: this application does not take WebSocket connections\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        s.deliverResponse(501, List.of(new Header("content-type", "text/plain; charset=utf-8"),
                new Header("content-length", Integer.toString(body.length))), false);
        s.deliverData(io.netty.buffer.Unpooled.wrappedBuffer(body), true);
    }

    private void doSendData(LinkStream s, ByteBuf data, boolean endStream) {
        if (s.done || s.requestEnded) {
            data.release();
            return;
        }
        int n = data.readableBytes();
        if (n > s.requestWindow) {
            // The front end sent beyond the credit it was given: a bug on this side, the stream cannot go on.
            data.release();
            LOG.log(System.Logger.Level.WARNING, "request body beyond the worker's window on stream " + s.id);
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.requestWindow -= n;
        s.requestEnded = endStream;
        while (data.readableBytes() > workerMaxFrame) {
            writeBody(s.id, data.readRetainedSlice(workerMaxFrame), false);
        }
        writeBody(s.id, data, endStream);
    }

    /**
     * One request-body piece, owned from here on: copied into a free shared-memory slot when it
     * is large enough (A.2), else sent as DATA. Either way it counts the same against the window.
     */
    private void writeBody(int streamId, ByteBuf piece, boolean endStream) {
        int n = piece.readableBytes();
        if (sharedOn && n >= SHARED_BODY_MIN && n <= shared.slotSize()) {
            int slot = shared.lend(piece);
            if (slot >= 0) {
                piece.release();
                write(new Frame.SharedData(streamId, slot, n, endStream));
                return;
            }
        }
        write(new Frame.Data(streamId, piece, endStream));
    }

    private void doSendTrailers(LinkStream s, List<Header> trailers) {
        if (s.done || s.requestEnded) {
            return;
        }
        s.requestEnded = true;
        write(new Frame.Trailers(s.id, trailers));
        flushSoon();
    }

    private void doGrant(LinkStream s, int increment) {
        if (s.done || increment <= 0) {
            return;
        }
        // Grants go out in batches of a quarter window, as HTTP/2 peers do: a 100 KB response
        // then needs no WINDOW at all. The worker cannot stall on a held-back grant: whatever
        // it sent that is not held back here is still being written, and the rest of its window
        // (at least three quarters) stays open.
        long pending = s.ungranted + increment;
        if (pending < settings.initialWindow() / 4) {
            s.ungranted = pending;
            return;
        }
        s.ungranted = 0;
        s.responseWindow += pending;
        write(new Frame.Window(s.id, (int) pending));
        flushSoon();
    }

    private void doSendPriority(LinkStream s, String fieldValue) {
        if (s.done || !workerPriorities) {
            return;
        }
        try {
            write(new Frame.Priority(s.id, fieldValue));
        } catch (IllegalArgumentException e) {
            return; // longer than a str16: the request keeps the priority it had
        }
        flushSoon();
    }

    private void doReset(LinkStream s, ResetCode code) {
        if (s.done) {
            return;
        }
        write(new Frame.Reset(s.id, code.code));
        flushSoon();
        complete(s);
    }

    // ---------------------------------------------------------------- WebSocket, front end -> worker (A.2)

    private void doOpenWebSocket(LinkStream s, String extensions) {
        if (s.done || !s.wsAccepted || s.wsOpen) {
            return;
        }
        s.wsOpen = true;
        write(new Frame.WsOpen(s.id, extensions));
        flushSoon();
        // An open session waits on its client, not on the worker (an idle async session costs the
        // worker a task, a sync one a thread of the capped kind): it holds no stream slot, so
        // MAX_STREAMS bounds the requests in progress, not the connections kept open (spec A.2).
        s.slotFreed = true;
        releaseSlot();
    }

    /** A client message (or piece), split at the worker's MAX_FRAME: all pieces but the last continue. */
    private void doSendWebSocketMessage(LinkStream s, ByteBuf data, boolean text, boolean continues) {
        if (s.done || !s.wsOpen) {
            data.release();
            return;
        }
        int n = data.readableBytes();
        if (n > s.requestWindow) {
            // The front end sent beyond the credit it was given: a bug on this side, the session cannot go on.
            data.release();
            LOG.log(System.Logger.Level.WARNING, "WebSocket message beyond the worker's window on stream " + s.id);
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            flushSoon();
            return;
        }
        s.requestWindow -= n;
        while (data.readableBytes() > workerMaxFrame) {
            write(new Frame.WsMessage(s.id, data.readRetainedSlice(workerMaxFrame), text, true, false));
        }
        write(new Frame.WsMessage(s.id, data, text, continues, false));
        flushSoon();
    }

    private void doSendWebSocketPong(LinkStream s, byte[] payload) {
        if (s.done || !s.wsOpen) {
            return;
        }
        write(new Frame.WsPong(s.id, payload));
        flushSoon();
    }

    /** The session's outcome: the stream is complete (A.2 *Close*). Also instead of WS_OPEN (1006). */
    private void doCloseWebSocket(LinkStream s, int code, String reason) {
        if (s.done || !s.wsAccepted) {
            return;
        }
        try {
            write(new Frame.WsClose(s.id, code, reason));
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "WebSocket close on stream " + s.id + " cannot be sent: "
                    + e.getMessage() + "; resetting it instead");
            write(new Frame.Reset(s.id, ResetCode.CANCEL.code));
        }
        flushSoon();
        complete(s);
    }

    // ---------------------------------------------------------------- inbound frames, worker -> front end

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.channel().eventLoop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == LinkState.CLOSED) {
            ReferenceCountUtil.release(frame);
            return;
        }
        if (!state.helloDone() && !(frame instanceof Frame.Hello)) {
            ReferenceCountUtil.release(frame);
            linkError("frame type " + frame.getClass().getSimpleName() + " before HELLO");
            return;
        }
        switch (frame) {
            case Frame.Hello h -> onHello(h);
            case Frame.Request r -> linkError("REQUEST from a worker");
            case Frame.Data d -> onData(d);
            case Frame.Response r -> onResponse(r);
            case Frame.Informational i -> onInformational(i);
            case Frame.Trailers t -> onTrailers(t);
            case Frame.Reset r -> onReset(r);
            case Frame.Window w -> onWindow(w);
            case Frame.Ping p -> onPing(p);
            case Frame.GoAway g -> onGoAway(g);
            case Frame.FileResponse f -> onFileResponse(f);
            case Frame.BodyMemory b -> onBodyMemory(b);
            case Frame.SharedData d -> onSharedData(d);
            case Frame.Release r -> onRelease(r);
            case Frame.Tls t -> linkError("TLS from a worker");
            case Frame.Push p -> onPush(p);
            case Frame.PushResult r -> linkError("PUSH_RESULT from a worker");
            case Frame.Priority p -> linkError("PRIORITY from a worker");
            case Frame.WsAccept a -> onWebSocketAccept(a);
            case Frame.WsOpen o -> linkError("WS_OPEN from a worker");
            case Frame.WsMessage m -> onWebSocketMessage(m);
            case Frame.WsClose c -> onWebSocketClose(c);
            case Frame.WsPing p -> onWebSocketPing(p);
            case Frame.WsPong p -> linkError("WS_PONG from a worker");
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flush();
    }

    private void onHello(Frame.Hello h) {
        if (state != LinkState.AWAIT_HELLO) {
            linkError("HELLO twice");
            return;
        }
        if (h.version() != PROTOCOL_VERSION) {
            linkError("unsupported link version " + h.version());
            return;
        }
        long id = h.setting(SETTING_WORKER_ID, -1);
        long workerPid = h.setting(SETTING_PID, -1);
        if (id < 0 || workerPid < 0) {
            linkError("HELLO without WORKER_ID and PID");
            return;
        }
        workerId = (int) id;
        pid = workerPid;
        workerInitialWindow = h.setting(SETTING_INITIAL_WINDOW, DEFAULT_INITIAL_WINDOW);
        maxStreams = (int) Math.min(h.setting(SETTING_MAX_STREAMS, DEFAULT_MAX_STREAMS), Integer.MAX_VALUE);
        workerMaxFrame = (int) Math.max(1, Math.min(h.setting(SETTING_MAX_FRAME, DEFAULT_MAX_FRAME), MAX_PAYLOAD));
        long tlsInfo = h.setting(SETTING_TLS_INFO, 0);
        workerTakesTls = tlsInfo >= 1;
        workerTakesSameTls = tlsInfo >= 2;
        workerPushes = h.setting(SETTING_PUSH, 0) == 1;
        workerPriorities = h.setting(SETTING_PRIORITY, 0) == 1;
        workerWebSockets = h.setting(SETTING_WEBSOCKET, 0) == 1;
        write(new Frame.Hello(PROTOCOL_VERSION, List.of(
                new Frame.Setting(SETTING_INITIAL_WINDOW, settings.initialWindow()),
                new Frame.Setting(SETTING_MAX_FRAME, settings.maxFrame()),
                new Frame.Setting(SETTING_FILE_BODIES, settings.fileBodies()))));
        if (h.setting(SETTING_SHARED_BODIES, 0) == 1 && settings.sharedBodySlots() > 0) {
            offerSharedBodies();
        }
        flush();
        state = state.to(LinkState.OPEN);
        accepting = true;
        long interval = settings.pingInterval().toNanos();
        pingTask = loop.scheduleAtFixedRate(this::pingTick, interval, interval, TimeUnit.NANOSECONDS);
        owner.onHello(this);
    }

    private void onData(Frame.Data d) {
        onBody(d.streamId(), d.data(), d.endStream());
    }

    /** DATA, or the DATA a SHARED_DATA stands for: the same windows and limits apply (A.5). */
    private void onBody(int streamId, ByteBuf data, boolean endStream) {
        LinkStream s = streams.get(streamId);
        if (s == null) {
            data.release(); // late DATA of a completed stream (A.4)
            return;
        }
        int n = data.readableBytes();
        if (!s.responseStarted || s.wsAccepted || n > s.responseWindow || n > settings.maxFrame()) {
            data.release();
            resetStream(s, ResetCode.PROTOCOL_ERROR); // A.5: DATA beyond the window is a stream error
            return;
        }
        s.responseWindow -= n;
        if (endStream) {
            complete(s);
        } else if (n == 0) {
            data.release(); // carries nothing and ends nothing
            return;
        }
        s.deliverData(data, endStream);
    }

    private void onResponse(Frame.Response r) {
        LinkStream s = streams.get(r.streamId());
        if (s == null) {
            return;
        }
        if (s.responseStarted || r.status() < 200 || r.status() > 599) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.responseStarted = true;
        if (r.endStream()) {
            complete(s);
        }
        s.deliverResponse(r.status(), r.headers(), r.endStream());
    }

    /** The head and a body the front end reads from a file (A.2): it completes the stream at once. */
    private void onFileResponse(Frame.FileResponse f) {
        LinkStream s = streams.get(f.streamId());
        if (s == null) {
            return;
        }
        if (s.responseStarted || settings.fileBodies() == 0) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.responseStarted = true;
        complete(s);
        s.deliverFileResponse(f.status(), f.headers(), f.file());
    }

    /**
     * The application asks for a push (spec 8.5). Every PUSH gets one PUSH_RESULT: declined at
     * once for a stream that is complete or was not offered push; otherwise the front end decides.
     */
    private void onPush(Frame.Push p) {
        LinkStream s = streams.get(p.streamId());
        if (s == null || !s.pushOffered || s.done) {
            write(new Frame.PushResult(p.token(), false));
            flushSoon();
            return;
        }
        s.deliverPush(this, p.token(), p.path(), p.headers());
    }

    private void onInformational(Frame.Informational i) {
        LinkStream s = streams.get(i.streamId());
        if (s == null) {
            return;
        }
        if (s.responseStarted || i.status() < 100 || i.status() > 199 || i.status() == 101) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.deliverInformational(i.status(), i.headers());
    }

    private void onTrailers(Frame.Trailers t) {
        LinkStream s = streams.get(t.streamId());
        if (s == null) {
            return;
        }
        if (!s.responseStarted || s.wsAccepted) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        complete(s);
        s.deliverTrailers(t.headers());
    }

    private void onReset(Frame.Reset r) {
        LinkStream s = streams.get(r.streamId());
        if (s == null) {
            return;
        }
        complete(s);
        s.deliverReset(ResetCode.fromCode(r.code()));
    }

    private void onWindow(Frame.Window w) {
        LinkStream s = streams.get(w.streamId());
        if (s == null || (s.requestEnded && !s.wsAccepted)) {
            return; // credit for a body that has ended is of no use to anyone; a session's is for its messages
        }
        s.requestWindow += w.increment();
        s.deliverRequestWindow((int) Math.min(w.increment(), Integer.MAX_VALUE));
    }

    private void onPing(Frame.Ping p) {
        if (p.ack()) {
            if (pingOutstanding && p.opaque() == pingOpaque) {
                pingOutstanding = false;
                pingTicksUnanswered = 0;
            }
        } else {
            write(new Frame.Ping(p.opaque(), true));
        }
    }

    private void onGoAway(Frame.GoAway g) {
        if (g.code() != 0) {
            LOG.log(System.Logger.Level.WARNING, "worker " + workerId + " (pid " + pid + ") sent GOAWAY "
                    + g.code() + (g.reason().isEmpty() ? "" : ": " + g.reason()));
        }
        goAwayReceived = true;
        accepting = false;
        if (state == LinkState.OPEN) {
            state = state.to(LinkState.DRAINING);
            owner.onWorkerGoAway(this);
        }
        checkIdle();
    }

    // ---------------------------------------------------------------- WebSocket, worker -> front end (A.2)

    /**
     * The application accepts the offer. Stream errors (A.2): on a stream that was not an offer
     * (no head was sent: the front end answers as for an invalid response), after a RESPONSE or
     * a second time (reset). The session's credit for client messages follows the acceptance:
     * the worker's window, untouched since an offer has no body.
     */
    private void onWebSocketAccept(Frame.WsAccept a) {
        LinkStream s = streams.get(a.streamId());
        if (s == null) {
            return;
        }
        if (!s.head.websocket()) {
            write(new Frame.Reset(s.id, ResetCode.PROTOCOL_ERROR.code));
            complete(s);
            s.deliverInvalidResponse("WS_ACCEPT on a stream that was not a WebSocket offer");
            return;
        }
        if (s.responseStarted) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.responseStarted = true;
        s.wsAccepted = true;
        s.deliverWebSocketAccept(new WebSocketAccept(a.compression(), a.maxMessageSize(),
                a.subprotocol().isEmpty() ? null : a.subprotocol(), a.headers()));
        if (s.requestWindow > 0) {
            s.deliverRequestWindow((int) Math.min(s.requestWindow, Integer.MAX_VALUE));
        }
    }

    /** A message piece: counted against the front end's window exactly as DATA (A.5). */
    private void onWebSocketMessage(Frame.WsMessage m) {
        LinkStream s = streams.get(m.streamId());
        if (s == null || s.wsWorkerClosed) {
            m.release(); // late frames of a completed stream; nothing follows the worker's WS_CLOSE
            return;
        }
        int n = m.data().readableBytes();
        if (!s.wsOpen || n > s.responseWindow || n > settings.maxFrame()) {
            m.release();
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.responseWindow -= n;
        s.deliverWebSocketMessage(m.data(), m.text(), m.continues(), m.uncompressed());
    }

    private void onWebSocketPing(Frame.WsPing p) {
        LinkStream s = streams.get(p.streamId());
        if (s == null || s.wsWorkerClosed) {
            return;
        }
        if (!s.wsOpen) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.deliverWebSocketPing(p.payload());
    }

    /** The application's close: the stream stays open until the front end reports the outcome. */
    private void onWebSocketClose(Frame.WsClose c) {
        LinkStream s = streams.get(c.streamId());
        if (s == null || s.wsWorkerClosed) {
            return;
        }
        if (!s.wsOpen) {
            resetStream(s, ResetCode.PROTOCOL_ERROR);
            return;
        }
        s.wsWorkerClosed = true;
        s.deliverWebSocketClose(c.code(), c.reason());
    }

    // ---------------------------------------------------------------- shared body memory (A.2)

    /**
     * Creates the file and names it to the worker, right after our HELLO. Failing that, bodies
     * simply go as DATA: the feature is an optimisation.
     */
    private void offerSharedBodies() {
        if (!SharedBodies.available(SharedBodies.DIRECTORY)) {
            return;
        }
        int slotSize = Math.min(settings.maxFrame(), workerMaxFrame);
        try {
            shared = SharedBodies.create(SharedBodies.DIRECTORY, workerId, slotSize, settings.sharedBodySlots());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "worker " + workerId + " gets no shared body memory,"
                    + " bodies go through the link socket: " + e);
            return;
        }
        write(new Frame.BodyMemory(slotSize, shared.slotCount(), shared.path().toString(), false));
    }

    private void onBodyMemory(Frame.BodyMemory b) {
        if (!b.ack()) {
            linkError("BODY_MEMORY from a worker");
            return;
        }
        if (shared == null || sharedOn) {
            linkError("BODY_MEMORY ACK that answers nothing");
            return;
        }
        shared.unlink(); // both sides have it mapped: nobody needs the name any more
        sharedOn = true;
    }

    private void onSharedData(Frame.SharedData d) {
        if (!sharedOn) {
            linkError("SHARED_DATA before shared body memory was set up");
            return;
        }
        ByteBuf data;
        try {
            data = shared.peerSlot(d.slot(), d.length(), this::slotConsumed);
        } catch (LinkProtocolException e) {
            linkError(e.getMessage());
            return;
        }
        onBody(d.streamId(), data, d.endStream());
    }

    private void onRelease(Frame.Release r) {
        if (!sharedOn) {
            linkError("RELEASE before shared body memory was set up");
            return;
        }
        try {
            for (int slot : r.slots()) {
                shared.giveBack(slot);
            }
        } catch (LinkProtocolException e) {
            linkError(e.getMessage());
        }
    }

    /**
     * The bytes of the worker's {@code slot} were consumed: their buffer was released, maybe by
     * a client connection on another event loop. The slot goes back from this link's loop.
     */
    private void slotConsumed(int slot) {
        if (loop.inEventLoop()) {
            queueRelease(slot);
            return;
        }
        try {
            loop.execute(() -> queueRelease(slot));
        } catch (RejectedExecutionException e) {
            // The link's event loop is shut down, so the link is closed: nobody to give it back to.
        }
    }

    private void queueRelease(int slot) {
        if (state == LinkState.CLOSED) {
            return; // the worker is gone or going; its slots go with the link
        }
        slotsToRelease.add(slot);
        flushSoon();
    }

    // ---------------------------------------------------------------- heartbeat

    private void pingTick() {
        if (state == LinkState.CLOSED) {
            return;
        }
        if (pingOutstanding) {
            pingTicksUnanswered++;
            if (pingTicksUnanswered * settings.pingInterval().toNanos() > settings.timeout().toNanos()) {
                LOG.log(System.Logger.Level.WARNING, "worker " + workerId + " (pid " + pid
                        + ") did not answer for " + settings.timeout().toSeconds() + " s; killing it");
                closeFailure = StreamFailure.WORKER_TIMEOUT;
                state = state.to(LinkState.CLOSED);
                accepting = false;
                owner.onHung(this);
                ctx.close();
            }
            return;
        }
        pingOutstanding = true;
        pingOpaque++;
        write(new Frame.Ping(pingOpaque, false));
        flush();
    }

    // ---------------------------------------------------------------- endings

    /** Stream error (A.7): reset this stream only and tell the front end. */
    private void resetStream(LinkStream s, ResetCode code) {
        write(new Frame.Reset(s.id, code.code));
        complete(s);
        s.deliverReset(code);
    }

    /** The stream is complete (A.4): forget it and free its slot. The caller delivers the event. */
    private void complete(LinkStream s) {
        s.done = true;
        streams.remove(s.id);
        if (s.slotFreed) {
            checkIdle(); // an open session gave its slot back already
        } else {
            releaseSlot();
        }
    }

    private void releaseSlot() {
        reserved.decrementAndGet();
        owner.onSlotFreed(this);
        checkIdle();
    }

    private void checkIdle() {
        if (state != LinkState.OPEN && state != LinkState.AWAIT_HELLO && reserved.get() == 0 && streams.isEmpty()) {
            idle.complete(null);
            if (goAwayReceived && state == LinkState.DRAINING) {
                ctx.close(); // the worker asked to go and has nothing left to finish
            }
        }
    }

    private void linkError(String message) {
        LOG.log(System.Logger.Level.WARNING, "worker " + workerId + " (pid " + pid + ") broke the link: " + message);
        if (state != LinkState.CLOSED && ctx.channel().isActive()) {
            write(new Frame.GoAway(LinkProtocolException.PROTOCOL_ERROR, message));
            ByteBuf last = batch;
            batch = null;
            ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
        accepting = false;
        if (state != LinkState.CLOSED) {
            state = state.to(LinkState.CLOSED); // frames still buffered behind the error are dropped
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof LinkProtocolException e) {
            linkError(e.getMessage());
        } else {
            LOG.log(System.Logger.Level.WARNING, "worker " + workerId + " link failed: " + cause);
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != LinkState.CLOSED) {
            state = state.to(LinkState.CLOSED);
        }
        accepting = false;
        if (pingTask != null) {
            pingTask.cancel(false);
        }
        if (batch != null) {
            batch.release();
            batch = null;
        }
        slotsToRelease.clear();
        if (shared != null) {
            shared.unlink(); // when the worker never acknowledged; buffers over the mapping stay valid
            shared.close();
        }
        List<LinkStream> open = streams.removeAll();
        for (LinkStream s : open) {
            s.done = true;
            if (!s.slotFreed) {
                reserved.decrementAndGet();
            }
        }
        for (LinkStream s : open) {
            s.deliverFailure(closeFailure);
        }
        idle.complete(null);
        owner.onClosed(this);
        ctx.fireChannelInactive();
    }

    /**
     * Encodes {@code frame} into the batch of frames that leaves at the next flush. Small frames
     * of many streams written in one event-loop turn thus cost one buffer, one outbound-buffer
     * entry and one write system call. A DATA payload larger than {@link #COPY_LIMIT} is not
     * copied: the batch so far is written, then the payload buffer itself.
     */
    private void write(Frame frame) {
        ByteBuf out = batch();
        if (frame instanceof Frame.Data d && d.data().readableBytes() > COPY_LIMIT) {
            ByteBuf data = d.data();
            FrameCodec.writeHeader(out, DATA, d.endStream() ? FLAG_END_STREAM : 0, d.streamId(), data.readableBytes());
            batch = null;
            ctx.write(out, ctx.voidPromise());
            ctx.write(data, ctx.voidPromise());
            flushPending = true;
            return;
        }
        if (frame instanceof Frame.WsMessage m && m.data().readableBytes() > COPY_LIMIT) {
            ByteBuf data = m.data();
            int flags = (m.text() ? FLAG_TEXT : 0) | (m.continues() ? FLAG_CONTINUES : 0)
                    | (m.uncompressed() ? FLAG_UNCOMPRESSED : 0);
            FrameCodec.writeHeader(out, WS_MESSAGE, flags, m.streamId(), data.readableBytes());
            batch = null;
            ctx.write(out, ctx.voidPromise());
            ctx.write(data, ctx.voidPromise());
            flushPending = true;
            return;
        }
        try {
            FrameCodec.encode(frame, out);
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private ByteBuf batch() {
        if (batch == null) {
            batch = ctx.alloc().ioBuffer(BATCH_CAPACITY);
        }
        return batch;
    }

    /** Writes out the batch now (the link's own reads end with this, and link-level frames). */
    private void flush() {
        if (!slotsToRelease.isEmpty() && state != LinkState.CLOSED) {
            for (int slot : slotsToRelease) {
                shared.returned(slot);
            }
            write(new Frame.Release(slotsToRelease));
            slotsToRelease.clear();
        }
        ByteBuf out = batch;
        boolean pending = flushPending;
        if (out != null) {
            batch = null;
            ctx.write(out, ctx.voidPromise());
            pending = true;
        }
        if (pending) {
            flushPending = false;
            ctx.flush();
        }
    }

    /**
     * Flushes once the event loop has handled its current batch of I/O: the requests that every
     * connection read in this turn share one write to the worker, and the worker reads them in
     * one go. The flush runs as a task, which Netty runs right after the ready channels.
     */
    private void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(scheduledFlush);
        }
    }
}
