package org.wsging.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.wsging.config.Http1Config;

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
 * <p>Each clock is a {@link Clock}: starting or moving it only sets a deadline, and its one
 * scheduled task re-arms itself when it finds the deadline moved. A connection that serves many
 * requests thus schedules and cancels nothing per request (that showed in profiles).
 */
public final class Http1TimeoutHandler extends ChannelDuplexHandler {

    private final long headNanos;
    private final long idleNanos;
    private final long bodyNanos;

    private ChannelHandlerContext ctx;
    private final Clock headClock = new Clock(this::headClockRang);
    private final Clock idleClock = new Clock(this::idleClockRang);
    private final Clock bodyClock = new Clock(this::bodyClockRang);
    private boolean bodyOpen;
    private boolean finalResponseOpen;
    private long requests;
    private long responses;
    private boolean expired;

    public Http1TimeoutHandler(Http1Config.Timeouts timeouts) {
        this.headNanos = timeouts.header().toNanos();
        this.idleNanos = timeouts.keepAlive().toNanos();
        this.bodyNanos = timeouts.body().toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
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
                bodyClock.start(bodyNanos);
            }
        } else if (msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent) {
                bodyOpen = false;
                bodyClock.stop();
            } else {
                bodyClock.start(bodyNanos); // progress
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) throws Exception {
        // The server asks for more: the time the client has starts now.
        if (bodyClock.running()) {
            bodyClock.start(bodyNanos);
        }
        super.read(ctx);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            finalResponseOpen = true;
        }
        if (msg instanceof LastHttpContent && finalResponseOpen) {
            finalResponseOpen = false;
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
            bodyClock.start(bodyNanos / 10);
            return;
        }
        expire(RequestRejected.of(HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time"));
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

    /** The event loop's clock (controllable in tests), the one its timers run on. */
    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    /**
     * One timeout. {@link #start} sets the deadline; a task is scheduled only when none is pending
     * at or before it. When the task runs it calls {@code onExpiry} if the deadline has passed,
     * else schedules itself for the (moved) deadline; a stopped clock's task does nothing.
     */
    private final class Clock implements Runnable {
        private final Runnable onExpiry;
        private boolean running;
        private long deadline;
        private ScheduledFuture<?> task;
        private long taskAt;

        Clock(Runnable onExpiry) {
            this.onExpiry = onExpiry;
        }

        boolean running() {
            return running;
        }

        /** (Re)starts the clock: it expires {@code nanos} from now unless stopped or moved first. */
        void start(long nanos) {
            running = true;
            deadline = now() + nanos;
            if (task != null && taskAt - deadline > 0) {
                task.cancel(false); // pending for later than the new deadline: too late
                task = null;
            }
            if (task == null) {
                scheduleAt(deadline);
            }
        }

        /** Stops the clock; its pending task, if any, stays and does nothing (cheaper than cancelling). */
        void stop() {
            running = false;
        }

        /** Stops the clock and drops its task (the connection is finished). */
        void cancel() {
            running = false;
            if (task != null) {
                task.cancel(false);
                task = null;
            }
        }

        private void scheduleAt(long at) {
            taskAt = at;
            task = ctx.executor().schedule(this, Math.max(0, at - now()), TimeUnit.NANOSECONDS);
        }

        @Override
        public void run() {
            task = null;
            if (!running) {
                return;
            }
            if (deadline - now() > 0) {
                scheduleAt(deadline);
                return;
            }
            running = false;
            onExpiry.run();
        }
    }
}
