package org.wsging.http2;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import java.io.IOException;
import org.wsging.config.Http1Config;
import org.wsging.connection.Deadline;
import org.wsging.exchange.GracefulShutdown;

/**
 * One HTTP/2 connection (RFC 9113) on Netty's codec: the connection-level concerns around the
 * streams that {@link Http2Streams} serves. One handler per connection rather than a child
 * channel per stream: a request costs no channel, pipeline or extra flush.
 *
 * <ul>
 *   <li>Connection window: raised at the start to room for every stream's window at once, so a
 *       stream whose application reads slowly cannot hold the others back (MUST-H2-4).</li>
 *   <li>Flushes: once per read burst (Netty's read-complete flush) and once per event-loop task
 *       for what the workers answered, never per frame.</li>
 *   <li>Clocks: one re-armed {@link Deadline} per connection looks at every stream for the send
 *       timeout (a response that makes no progress), the body timeout and minimum rate, and the
 *       request timeout; with no stream open, the keep-alive (or, before the first request, the
 *       header) timeout closes the connection with GOAWAY.</li>
 *   <li>Graceful shutdown: GOAWAY, the streams in flight finish, then the connection closes; at
 *       the deadline the streams still running are reported.</li>
 * </ul>
 */
public final class Http2ServerHandler extends Http2ConnectionHandler {

    private final Http2Streams streams;
    private final int connectionWindow;
    private final long sendNanos;
    private final long bodyNanos;
    private final double nanosPerByte;
    private final long requestNanos;
    private final long headerNanos;
    private final long keepAliveNanos;
    private final long tickNanos;
    private final Deadline clock = new Deadline(this::tick);
    /** Client streams opened, and those this server reset, among the recent ones. */
    private final RecentStreamIds opened = new RecentStreamIds();
    private final RecentStreamIds resetByServer = new RecentStreamIds();
    private ChannelHandlerContext ctx;
    private boolean flushScheduled;
    private boolean reading;
    private boolean windowRaised;
    private boolean served;
    private long idleSince;
    private long lastTick;

    Http2ServerHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
                       Http2Streams streams, int connectionWindow, Http1Config.Timeouts timeouts) {
        super(decoder, encoder, settings, false, true);
        this.streams = streams;
        this.connectionWindow = connectionWindow;
        this.sendNanos = timeouts.send().toNanos();
        this.bodyNanos = timeouts.body().toNanos();
        this.nanosPerByte = timeouts.bodyMinRate() > 0 ? 1e9 / timeouts.bodyMinRate() : 0;
        this.requestNanos = timeouts.request() == null ? 0 : timeouts.request().toNanos();
        this.headerNanos = timeouts.header().toNanos();
        this.keepAliveNanos = timeouts.keepAlive().toNanos();
        long shortest = Math.min(Math.min(sendNanos, bodyNanos), Math.min(headerNanos, keepAliveNanos));
        if (requestNanos > 0) {
            shortest = Math.min(shortest, requestNanos);
        }
        // A timeout fires at most a quarter of itself late; never more often than every 10 ms.
        this.tickNanos = Math.max(10_000_000L, shortest / 4);
        streams.attach(this);
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    Http2Streams streams() {
        return streams;
    }

    long now() {
        return clock.now();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        clock.attach(ctx.executor());
        super.handlerAdded(ctx);
        if (ctx.channel().isActive()) {
            started();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx);
        started();
    }

    private void started() throws Http2Exception {
        if (windowRaised) {
            return;
        }
        windowRaised = true;
        Http2Stream connectionStream = connection().connectionStream();
        int current = connection().local().flowController().windowSize(connectionStream);
        if (connectionWindow > current) {
            connection().local().flowController().incrementWindowSize(connectionStream, connectionWindow - current);
        }
        idleSince = now();
        lastTick = idleSince;
        clock.start(tickNanos);
        flush(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        clock.cancel();
        super.handlerRemoved0(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // Requests that arrived in this burst start now, unless a RST_STREAM in the same burst
        // took them back (MUST-H2-5: a stream reset before its call started never starts one).
        streams.openPending();
        reading = false;
        super.channelReadComplete(ctx); // flushes
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        clock.cancel();
        super.channelInactive(ctx); // closes every stream: their exchanges cancel their workers
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == GracefulShutdown.INSTANCE) {
            // GOAWAY with the last stream taken in; Netty closes once the active streams ended.
            ctx.channel().close();
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client sends nothing more: a request whose body was still to come never
            // completes, so its stream ends now; the complete ones are answered, then the close.
            streams.forEachExchange(e -> {
                if (!e.requestEnded) {
                    e.clientGone();
                }
            });
            ctx.channel().close();
            return;
        }
        if (evt == GracefulShutdown.DEADLINE) {
            long now = now();
            streams.forEachExchange(e -> {
                if (e.carriesSession()) {
                    e.sessionGoingAway(evt); // spec 9.5: closed with 1001, as on HTTP/1.1
                } else if (!e.done) {
                    e.reportDropped(now);
                }
            });
            flush(ctx); // the sessions' close frames go out before the connection closes
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (getEmbeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause); // Netty answers its own: stream or connection error
            return;
        }
        if (!(cause instanceof IOException)) {
            System.err.println("wsging: error: HTTP/2 connection " + ctx.channel().remoteAddress() + " failed: " + cause);
        }
        ctx.close(); // a transport error (the client reset the connection): its streams end with it
    }

    private static Http2Exception getEmbeddedHttp2Exception(Throwable cause) {
        while (cause != null) {
            if (cause instanceof Http2Exception e) {
                return e;
            }
            cause = cause.getCause();
        }
        return null;
    }

    /**
     * Frames Netty refuses with a stream error that RFC 9113 makes something else: HEADERS on a
     * half-closed (remote) stream is STREAM_CLOSED (§5.1); HEADERS on a closed stream is a
     * connection error, STREAM_CLOSED (§5.1), or PROTOCOL_ERROR when its identifier was never
     * used and is lower than one that was (§5.1.1). Frames on a stream this server reset are
     * ignored (§5.4.2: the client may have sent them before it saw the reset).
     */
    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                 Http2Exception.StreamException e) {
        int id = e.streamId();
        if (!outbound && id > 0 && (id & 1) == 1) {
            Http2Stream stream = connection().stream(id);
            if (stream == null && resetByServer.contains(id)) {
                return;
            }
            if (stream == null && e.error() == Http2Error.STREAM_CLOSED
                    && id <= connection().remote().lastStreamCreated()) {
                Http2Error code = opened.contains(id) ? Http2Error.STREAM_CLOSED : Http2Error.PROTOCOL_ERROR;
                onConnectionError(ctx, false, cause, Http2Exception.connectionError(code,
                        "frame on stream %d, which is closed", id));
                return;
            }
            Http2Exchange exchange = stream == null ? null : streams.exchange(stream);
            if (exchange != null && exchange.requestEnded && stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE
                    && e.error() == Http2Error.PROTOCOL_ERROR) {
                super.onStreamError(ctx, false, cause, (Http2Exception.StreamException)
                        Http2Exception.streamError(id, Http2Error.STREAM_CLOSED, "frame after the stream's end"));
                return;
            }
        }
        super.onStreamError(ctx, outbound, cause, e);
    }

    @Override
    public ChannelFuture resetStream(ChannelHandlerContext ctx, int streamId, long errorCode,
                                     io.netty.channel.ChannelPromise promise) {
        if ((streamId & 1) == 1) {
            resetByServer.mark(streamId);
        }
        return super.resetStream(ctx, streamId, errorCode, promise);
    }

    /** A client stream was opened (its HEADERS arrived). */
    void opened(int streamId) {
        opened.mark(streamId);
    }

    // ---- for the exchanges ----------------------------------------------------------------------

    /** Flushes once the current event-loop task ends (or the read burst, which flushes anyway). */
    void scheduleFlush() {
        if (!flushScheduled && !reading) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    private final Runnable flushTask = () -> {
        flushScheduled = false;
        flush(ctx);
    };

    /** {@code n} request body bytes of {@code stream} went on to the worker: the client may send
     * that much more (a WINDOW_UPDATE when enough has come back). */
    void consume(Http2Stream stream, int n) {
        if (n <= 0 || stream.state() == Http2Stream.State.CLOSED) {
            return;
        }
        try {
            if (connection().local().flowController().consumeBytes(stream, n)) {
                scheduleFlush();
            }
        } catch (Http2Exception e) {
            // bytes that never came through DATA (the body of an upgrade request): nothing to return
        }
    }

    /** Ends the stream with RST_STREAM({@code error}) at once. */
    void resetStream(Http2Exchange exchange, Http2Error error) {
        if (exchange.stream.state() != Http2Stream.State.CLOSED) {
            resetStream(ctx, exchange.id, error.code(), ctx.newPromise());
            scheduleFlush();
        }
    }

    /** RST_STREAM(NO_ERROR) once the complete response has gone out: the client stops sending a
     * body nobody reads (RFC 9113 §8.1). */
    void resetAfterResponse(Http2Exchange exchange, ChannelFuture endWritten) {
        endWritten.addListener(f -> {
            if (exchange.stream.state() == Http2Stream.State.HALF_CLOSED_LOCAL) {
                resetStream(exchange, Http2Error.NO_ERROR);
            }
        });
    }

    void streamStarted() {
        served = true;
    }

    void streamClosed() {
        if (connection().numActiveStreams() == 0) {
            idleSince = now();
            if (connection().goAwayReceived()) {
                ctx.channel().close(); // the client said it sends nothing more: done
            }
        }
    }

    // ---- the clocks -------------------------------------------------------------------------------

    private void tick() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = now();
        long elapsed = now - lastTick;
        lastTick = now;
        if (connection().numActiveStreams() == 0) {
            long idle = served ? keepAliveNanos : headerNanos;
            if (now - idleSince >= idle) {
                ctx.channel().close(); // GOAWAY(NO_ERROR), then close
                return;
            }
        } else {
            streams.forEachExchange(e -> check(e, now, elapsed));
        }
        clock.start(tickNanos);
    }

    private void check(Http2Exchange e, long now, long elapsed) {
        if (e.sending() && now - e.lastWriteProgress >= sendNanos) {
            e.sendTimedOut();
            return;
        }
        if (!e.requestEnded && !e.done && !e.offer) { // an offer's stream stays open: no body comes
            if (e.holdsBody()) {
                // the application is not reading: the client is not the one being slow
                e.lastBodyProgress = now;
                e.pausedNanos += elapsed;
            } else if (now - e.lastBodyProgress >= bodyNanos
                    || (nanosPerByte > 0 && now - e.startNanos - e.pausedNanos
                        > bodyNanos + (long) (e.bodyReceived * nanosPerByte))) {
                e.bodyTimedOut();
                return;
            }
        }
        if (requestNanos > 0 && !e.done && now - e.startNanos >= requestNanos) {
            e.requestTimedOut();
        }
    }
}
