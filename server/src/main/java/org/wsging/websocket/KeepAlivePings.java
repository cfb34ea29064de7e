package org.wsging.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import org.wsging.connection.Deadline;
import org.wsging.websocket.frames.OutboundPing;

/**
 * Pings a client that has sent nothing for the ping interval, and closes the connection when
 * nothing (its pong, or anything else) comes back within the ping timeout (spec 9.5). The
 * connection is then dead, so it is closed without a close frame, which such a client would
 * not read; the session reports 1006 to the application. Time during which the server itself
 * does not read (the application has not taken its messages) does not count against the client.
 *
 * <p>Sits between the frame layer and the session: every inbound event is a sign of life and
 * passes on, pongs included (the application may have pinged too; it ignores pongs it did not ask for).
 */
public final class KeepAlivePings extends ChannelDuplexHandler {
    private final long intervalNanos;
    private final long timeoutNanos;
    private final Deadline clock = new Deadline(this::rang);
    private ChannelHandlerContext ctx;
    private long lastHeard;
    private long pingsSent;
    private boolean awaitingAnswer;

    /** @param interval how long a client may be silent before it is pinged (positive) */
    public KeepAlivePings(Duration interval, Duration timeout) {
        if (interval.isZero() || interval.isNegative() || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("ping interval and timeout must be positive");
        }
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        clock.attach(ctx.executor());
        lastHeard = clock.now();
        clock.start(intervalNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        clock.cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        clock.cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastHeard = clock.now();
        awaitingAnswer = false;
        super.channelRead(ctx, msg);
    }

    private void rang() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = clock.now();
        if (!ctx.channel().config().isAutoRead()) {
            // The server is not reading (backpressure): silence is not the client's doing.
            lastHeard = now;
            awaitingAnswer = false;
            clock.start(intervalNanos);
            return;
        }
        if (awaitingAnswer) {
            ctx.close(); // no answer within the timeout: the connection is dead
            return;
        }
        long silent = now - lastHeard;
        if (silent < intervalNanos) {
            clock.start(intervalNanos - silent);
            return;
        }
        awaitingAnswer = true;
        pingsSent++;
        ctx.writeAndFlush(new OutboundPing(Unpooled.copyLong(pingsSent)));
        clock.start(timeoutNanos);
    }
}
