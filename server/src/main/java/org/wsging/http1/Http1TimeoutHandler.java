package org.wsging.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import org.wsging.config.Http1Config;
import org.wsging.connection.Deadline;

/**
 * The three client timeouts of a connection, each armed only while the server waits for the
 * client:
 * <ul>
 *   <li>head: from the connection's start or a head's first byte until the head is complete;
 *       expired is 408 and close (slow-header attacks);</li>
 *   <li>keep-alive: from a response's end while no new request has begun; expired closes;</li>
 *   <li>body: longest time without body bytes while the server is ready to read; expired is 408
 *       (or an abort once the response started) and close.</li>
 * </ul>
 * While the server itself stops reading (autoRead off: the application has not asked for more
 * body, or a pipelined request waits its turn) the head and body clocks pause. A read request
 * ({@link #read}) counts as progress, so a pause never eats into the client's time.
 *
 * <p>With a minimum body rate (like Apache's mod_reqtimeout {@code MinRate}) the body clock also
 * has an overall deadline: the body timeout counted from the body's start, extended by one
 * second for every {@code minRate} bytes received and by the time the server was not reading.
 * Restarting on every byte alone would let a client that sends one byte at a time hold the
 * request (and the application thread that reads it) for ever.
 *
 * <p>Each clock is a {@link Deadline}: starting or moving it only sets a deadline, and its one
 * scheduled task re-arms itself when it finds the deadline moved. A connection that serves many
 * requests thus schedules and cancels nothing per request (that showed in profiles).
 */
public final class Http1TimeoutHandler extends ChannelDuplexHandler {

    private final long headNanos;
    private final long idleNanos;
    private final long bodyNanos;
    /** Nanoseconds of extra time each received body byte earns; 0: no minimum rate. */
    private final double nanosPerByte;

    private ChannelHandlerContext ctx;
    private final Deadline headClock = new Deadline(this::headClockRang);
    private final Deadline idleClock = new Deadline(this::idleClockRang);
    private final Deadline bodyClock = new Deadline(this::bodyClockRang);
    private boolean bodyOpen;
    private final FinalResponseEnd finalResponseEnd = new FinalResponseEnd();
    private long requests;
    private long responses;
    private boolean expired;
    // The body being received, for the minimum rate.
    private long bodyStart;
    private long bodyBytes;
    /** Time the server was not reading this body (the application had not asked for more). */
    private long pausedNanos;
    private long pausedSince;
    private boolean paused;

    public Http1TimeoutHandler(Http1Config.Timeouts timeouts) {
        this.headNanos = timeouts.header().toNanos();
        this.idleNanos = timeouts.keepAlive().toNanos();
        this.bodyNanos = timeouts.body().toNanos();
        long minRate = timeouts.bodyMinRate();
        this.nanosPerByte = minRate > 0 ? 1e9 / minRate : 0;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headClock.attach(ctx.executor());
        idleClock.attach(ctx.executor());
        bodyClock.attach(ctx.executor());
        if (ctx.channel().isActive()) {
            headClock.start(headNanos);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!headClock.running() && !expired) {
            headClock.start(headNanos);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelAll();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelAll();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == RequestHeadStarted.INSTANCE) {
            idleClock.stop();
            if (!headClock.running() && !expired) {
                headClock.start(headNanos);
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            headClock.stop();
            idleClock.stop();
            requests++;
            if (!(msg instanceof LastHttpContent)) {
                bodyOpen = true;
                bodyStart = bodyClock.now();
                bodyBytes = 0;
                pausedNanos = 0;
                paused = false;
                bodyClock.startAt(bodyStart + bodyNanos);
            }
        } else if (msg instanceof HttpContent content) {
            if (msg instanceof LastHttpContent) {
                bodyOpen = false;
                bodyClock.stop();
            } else {
                bodyBytes += content.content().readableBytes();
                restartBodyClock(); // progress
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (bodyOpen && !paused && !ctx.channel().config().isAutoRead()) {
            // The exchange stopped reading while handling this read: the client is not to blame
            // for the time until the server reads again.
            paused = true;
            pausedSince = bodyClock.now();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void read(ChannelHandlerContext ctx) throws Exception {
        // The server asks for more: the time the client has starts now.
        if (bodyClock.running()) {
            if (paused) {
                paused = false;
                pausedNanos += bodyClock.now() - pausedSince;
            }
            restartBodyClock();
        }
        super.read(ctx);
    }

    /** The body timeout from now, or the minimum rate's deadline when that comes first. */
    private void restartBodyClock() {
        long at = bodyClock.now() + bodyNanos;
        if (nanosPerByte > 0) {
            long rateDeadline = rateDeadline();
            if (rateDeadline - at < 0) {
                at = rateDeadline;
            }
        }
        bodyClock.startAt(at);
    }

    /** When the body received so far, at the minimum rate, stops covering the time it took. */
    private long rateDeadline() {
        double earned = Math.min(bodyBytes * nanosPerByte, 1e18); // saturate: no overflow
        return bodyStart + bodyNanos + pausedNanos + (long) earned;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (finalResponseEnd.endedBy(msg)) {
            responses++;
            if (responses >= requests && !headClock.running() && !bodyOpen && !expired) {
                idleClock.start(idleNanos);
            }
        }
        super.write(ctx, msg, promise);
    }

    private void headClockRang() {
        if (!ctx.channel().config().isAutoRead()) {
            headClock.start(headNanos / 10); // the server is not reading: look again later
            return;
        }
        expire(RequestRejected.of(HttpResponseStatus.REQUEST_TIMEOUT, "request head not received in time"));
    }

    private void bodyClockRang() {
        if (!bodyOpen) {
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            if (!paused) {
                paused = true; // stopped reading outside a read (e.g. the client's side was full)
                pausedSince = bodyClock.now();
            }
            bodyClock.start(bodyNanos / 10);
            return;
        }
        boolean tooSlow = nanosPerByte > 0 && rateDeadline() - bodyClock.now() <= 0;
        expire(RequestRejected.of(HttpResponseStatus.REQUEST_TIMEOUT,
                tooSlow ? "request body arrived too slowly" : "request body not received in time"));
    }

    private void idleClockRang() {
        if (!headClock.running() && !bodyOpen && responses >= requests) {
            ctx.close();
        }
    }

    /** The rejection travels down like a request so it is answered in order. */
    private void expire(RequestRejected rejection) {
        expired = true;
        cancelAll();
        ctx.fireChannelRead(rejection);
    }

    private void cancelAll() {
        headClock.cancel();
        idleClock.cancel();
        bodyClock.cancel();
    }
}
