package org.wsging.connection;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import java.time.Duration;

/**
 * Closes a connection whose peer reads nothing for the send timeout while output waits for it.
 *
 * <p>Output waits for the peer when a flush leaves bytes in the channel's outbound buffer: the
 * kernel's send buffer is full because the peer's receive window is. From then on the clock looks
 * at the buffer's first entry and how much of it has gone out; any movement is the peer reading,
 * and restarts its time. Writes queued meanwhile are not progress, so a client that never reads
 * a pipelined flood or a streamed response is closed after the timeout however much the server
 * still tries to send. Without this a response blocked on such a client would hold its worker
 * stream (and, for a sync application, the thread producing it) and its queued bytes for ever.
 *
 * <p>The close is a reset (SO_LINGER 0): the kernel drops the unsent bytes at once instead of
 * keeping them for a peer that does not read. Closing ends the exchanges of the connection, which
 * cancel their worker streams, so the application's next write fails.
 *
 * <p>Cost on the common path: one look at the outbound buffer per flush; the clock is armed
 * only when a flush could not write everything, and is one re-armed task per connection.
 */
public final class SendTimeoutHandler extends ChannelDuplexHandler {

    /** How many times per timeout the clock looks for progress: the close comes at most a
     * quarter of the timeout late. */
    private static final int CHECKS = 4;

    private final long timeoutNanos;
    private final Deadline clock = new Deadline(this::check);
    private ChannelHandlerContext ctx;
    /** What the outbound buffer looked like at {@link #lastProgress}. */
    private int entryIdentity;
    private long entryProgress;
    private long pendingBytes;
    private long lastProgress;

    public SendTimeoutHandler(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        clock.attach(ctx.executor());
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
    public void flush(ChannelHandlerContext ctx) throws Exception {
        super.flush(ctx);
        if (!clock.running()) {
            ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
            if (out != null && !out.isEmpty()) {
                snapshot(out);
                clock.start(timeoutNanos / CHECKS);
            }
        }
    }

    private void snapshot(ChannelOutboundBuffer out) {
        Object entry = out.current();
        entryIdentity = System.identityHashCode(entry);
        entryProgress = out.currentProgress();
        pendingBytes = out.totalPendingWriteBytes();
        lastProgress = clock.now();
    }

    private void check() {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out == null || out.isEmpty() || !ctx.channel().isActive()) {
            return; // everything went out (or the connection is gone): nothing waits for the peer
        }
        Object entry = out.current();
        long now = clock.now();
        // Sent bytes are the peer reading: the first entry moved on, or more of it went out, or
        // (written out whole in one go) fewer bytes are pending though no entry was added.
        boolean moved = System.identityHashCode(entry) != entryIdentity || out.currentProgress() != entryProgress
                || out.totalPendingWriteBytes() < pendingBytes;
        if (moved) {
            snapshot(out);
        } else if (now - lastProgress >= timeoutNanos) {
            expire();
            return;
        } else {
            pendingBytes = out.totalPendingWriteBytes();
        }
        clock.start(Math.min(timeoutNanos / CHECKS, Math.max(1, lastProgress + timeoutNanos - now)));
    }

    private void expire() {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        ctx.close();
    }
}
