package org.wsging.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Turns a close into a lingering one: the output is flushed and shut down (FIN), then input is
 * read and dropped for a while before the socket closes.
 *
 * <p>Why: a socket closed while the peer still sends makes the kernel answer those bytes with a
 * reset, and a reset makes the peer's kernel discard what it received and had not read yet, the
 * server's last frames included (an HTTP/2 client that sends a PING after its GOAWAY would lose
 * the server's GOAWAY and see ECONNRESET). Lingering lets the peer read everything first; the
 * socket closes when the peer closes its side or after the linger time, whichever is first.
 *
 * <p>It sits first in the pipeline, so a TLS handler's close_notify is written before the FIN. A
 * close that asked for a reset (SO_LINGER 0: a peer that reads nothing, {@link
 * SendTimeoutHandler}) is passed on at once, and so is a second close while one lingers. Output
 * that cannot drain within the linger time (a peer that reads nothing) is not waited for longer.
 */
public final class LingeringCloseHandler extends ChannelDuplexHandler {
    /** How long input is read and dropped after the FIN, at most. */
    public static final long LINGER_MILLIS = 2000;

    private final long lingerMillis;
    private boolean lingering;

    public LingeringCloseHandler(long lingerMillis) {
        this.lingerMillis = lingerMillis;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (lingering) {
            // A second close insists (the send timeout's reset, a shutdown deadline): now.
            channel.closeFuture().addListener(f -> promise.trySuccess());
            ctx.close();
            return;
        }
        Integer linger = channel.config().getOption(ChannelOption.SO_LINGER);
        if (!(channel instanceof DuplexChannel duplex) || !channel.isActive() || (linger != null && linger == 0)) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        // What is written before the close goes out first, but a client that reads nothing must
        // not keep the connection: the output gets the linger time to drain, then it closes.
        ScheduledFuture<?> drained = ctx.executor().schedule(() -> closeNow(ctx, promise), lingerMillis, TimeUnit.MILLISECONDS);
        // An empty write completes after every write before it: then the output can end.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess() || !channel.isActive()) {
                drained.cancel(false);
                closeNow(ctx, promise);
                return;
            }
            duplex.shutdownOutput().addListener(shut -> {
                drained.cancel(false);
                if (!shut.isSuccess()) {
                    closeNow(ctx, promise);
                    return;
                }
                channel.config().setAutoRead(true); // a handler may have paused reading
                ctx.executor().schedule(() -> closeNow(ctx, promise), lingerMillis, TimeUnit.MILLISECONDS);
            });
        });
    }

    /** Closes the connection, once: the timers and the write's outcome may each come to it. */
    private static void closeNow(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (promise.isDone()) {
            ctx.close();
        } else {
            ctx.close(promise);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg); // nobody answers any more: read only to avoid a reset
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (lingering && evt instanceof ChannelInputShutdownEvent) {
            ctx.close(); // the peer closed its side too: nothing left to wait for
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
