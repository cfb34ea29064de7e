package org.wsging.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.Future;
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
 */
public final class Http1TimeoutHandler extends ChannelDuplexHandler {

    private final long headNanos;
    private final long idleNanos;
    private final long bodyNanos;

    private ChannelHandlerContext ctx;
    private Future<?> headTimer;
    private Future<?> idleTimer;
    private Future<?> bodyTimer;
    private long headStarted;
    private long lastBodyProgress;
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
            startHeadClock();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (headTimer == null && !expired) {
            startHeadClock();
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
            idleTimer = cancel(idleTimer);
            if (headTimer == null) {
                startHeadClock();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            headTimer = cancel(headTimer);
            idleTimer = cancel(idleTimer);
            requests++;
            if (!(msg instanceof LastHttpContent)) {
                bodyOpen = true;
                lastBodyProgress = now();
                if (bodyTimer == null) {
                    bodyTimer = schedule(this::bodyClockRang, bodyNanos);
                }
            }
        } else if (msg instanceof HttpContent) {
            lastBodyProgress = now();
            if (msg instanceof LastHttpContent) {
                bodyOpen = false;
                bodyTimer = cancel(bodyTimer);
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) throws Exception {
        // The server asks for more: the time the client has starts now.
        lastBodyProgress = now();
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
            if (responses >= requests && headTimer == null && !bodyOpen && !expired) {
                idleTimer = cancel(idleTimer);
                idleTimer = schedule(this::idleClockRang, idleNanos);
            }
        }
        super.write(ctx, msg, promise);
    }

    private void startHeadClock() {
        headStarted = now();
        headTimer = schedule(this::headClockRang, headNanos);
    }

    private void headClockRang() {
        headTimer = null;
        long left = headStarted + headNanos - now();
        if (!ctx.channel().config().isAutoRead() || left > 0) {
            headTimer = schedule(this::headClockRang, Math.max(left, headNanos / 10));
            return;
        }
        expire(RequestRejected.of(HttpResponseStatus.REQUEST_TIMEOUT, "request head not received in time"));
    }

    private void bodyClockRang() {
        bodyTimer = null;
        if (!bodyOpen) {
            return;
        }
        long left = lastBodyProgress + bodyNanos - now();
        if (!ctx.channel().config().isAutoRead() || left > 0) {
            bodyTimer = schedule(this::bodyClockRang, Math.max(left, bodyNanos / 10));
            return;
        }
        expire(RequestRejected.of(HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time"));
    }

    private void idleClockRang() {
        idleTimer = null;
        if (headTimer == null && !bodyOpen && responses >= requests) {
            ctx.close();
        }
    }

    /** The rejection travels down like a request so it is answered in order. */
    private void expire(RequestRejected rejection) {
        expired = true;
        cancelAll();
        ctx.fireChannelRead(rejection);
    }

    private Future<?> schedule(Runnable task, long nanos) {
        return ctx.executor().schedule(task, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancelAll() {
        headTimer = cancel(headTimer);
        idleTimer = cancel(idleTimer);
        bodyTimer = cancel(bodyTimer);
    }

    /** The event loop's clock (controllable in tests), the one its timers run on. */
    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    private static Future<?> cancel(Future<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        return null;
    }
}
