package org.wsging.websocket;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.time.Duration;
import org.wsging.connection.Deadline;
import org.wsging.websocket.frames.MessagePiece;
import org.wsging.websocket.frames.OutboundPiece;

/**
 * Ends a session in which no message went either way for the idle timeout (spec 9.5: a server
 * may close sessions idle longer than a timeout it advertises; `--ws-idle-timeout`). Pings do
 * not count: they keep a connection known alive, not a session in use. Time during which the
 * server does not read the client (the application has not taken its messages) is the
 * application's, so it is not idle. On expiry the session starts a close handshake with 1001.
 *
 * <p>Sits between the frame layer and the session, seeing the client's messages go up and the
 * application's go down.
 */
public final class IdleSessionTimeout extends ChannelDuplexHandler {
    /** Fired to the session when the timeout passes: it closes with 1001. */
    public static final Object EXPIRED = new Object() {
        @Override
        public String toString() {
            return "IdleSessionTimeout.EXPIRED";
        }
    };

    private final long timeoutNanos;
    private final Deadline clock = new Deadline(this::rang);
    private ChannelHandlerContext ctx;
    private long lastMessage;
    private boolean expired;

    public IdleSessionTimeout(Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("the idle timeout must be positive");
        }
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        clock.attach(ctx.executor());
        lastMessage = clock.now();
        clock.start(timeoutNanos);
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
        if (msg instanceof MessagePiece) {
            lastMessage = clock.now();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof OutboundPiece) {
            lastMessage = clock.now();
        }
        super.write(ctx, msg, promise);
    }

    private void rang() {
        if (expired || !ctx.channel().isActive()) {
            return;
        }
        long now = clock.now();
        if (!ctx.channel().config().isAutoRead()) {
            lastMessage = now; // the server holds back the client's messages: the session is busy
        }
        long idle = now - lastMessage;
        if (idle < timeoutNanos) {
            clock.start(timeoutNanos - idle);
            return;
        }
        expired = true;
        ctx.fireUserEventTriggered(EXPIRED);
    }
}
