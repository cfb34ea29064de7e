package org.wsging.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Duration;
import org.wsging.connection.Deadline;

/**
 * The per-request time limit: from a request's turn (its head's arrival, or the end of the
 * response before it when pipelined) to its response's end. When it passes, {@link
 * RequestTimedOut} travels down to the exchange, which cancels the worker stream and answers 504
 * Gateway Timeout (RFC 9110 §15.6.5), or aborts the response when its head went out already. A
 * handler that never returns would otherwise leave the client without any answer, and its
 * connection and stream open, for as long as the client waits.
 *
 * <p>Added only when a limit is configured; one re-armed {@link Deadline} per connection.
 */
public final class RequestTimeoutHandler extends ChannelDuplexHandler {

    /** The request being answered on this connection has run out of time. */
    public static final class RequestTimedOut {
        public static final RequestTimedOut INSTANCE = new RequestTimedOut();

        private RequestTimedOut() {}
    }

    private final long timeoutNanos;
    private final Deadline clock = new Deadline(this::expired);
    private ChannelHandlerContext ctx;
    private long requests;
    private long responses;
    private final FinalResponseEnd finalResponseEnd = new FinalResponseEnd();

    public RequestTimeoutHandler(Duration timeout) {
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
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            if (requests++ == responses) {
                clock.start(timeoutNanos); // nothing ahead of it: its turn is now
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (finalResponseEnd.endedBy(msg)) {
            if (responses < requests) {
                responses++; // (a timeout's 408 answers a request that was never counted)
            }
            if (responses < requests) {
                clock.start(timeoutNanos); // the next pipelined request's turn
            } else {
                clock.stop();
            }
        }
        super.write(ctx, msg, promise);
    }

    private void expired() {
        ctx.fireUserEventTriggered(RequestTimedOut.INSTANCE);
    }
}
