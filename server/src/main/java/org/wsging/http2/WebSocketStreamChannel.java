package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.ArrayDeque;

/**
 * One HTTP/2 stream carrying a WebSocket session (RFC 8441 section 5), seen as a byte-stream
 * channel, so the frame layer and the session that serve HTTP/1.1 connections serve it unchanged.
 * It is registered on the connection's event loop and has no I/O of its own: its inbound is the
 * stream's DATA, handed in by the {@link Http2Exchange}; its writes become the stream's DATA
 * frames (the first handler of its pipeline passes them to the exchange); the stream's end
 * (END_STREAM) is its FIN, seen as {@link ChannelInputShutdownEvent}; its close ends the stream.
 *
 * <p>Why a channel: the frame layer and the session are Netty handlers that read the channel's
 * auto-read, close it and run clocks on its executor. An {@code EmbeddedChannel} has an event
 * loop of its own, whose tasks and timers run only when driven; handlers made channel-free
 * would fork the session code in two. A channel this small keeps one session for every transport.
 *
 * <p>Flow control is HTTP/2's, both ways: DATA bytes are returned to the client's stream window
 * (WINDOW_UPDATE) only as they are read into the pipeline, and reading stops while auto-read is
 * off (the session turns it off while the worker grants no credit), so a fast client is held by
 * its window; a write's promise completes only once its DATA frame went out within the client's
 * windows, and the session gives the worker credit only then, so a client that does not read
 * stalls the application's sends.
 */
final class WebSocketStreamChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false);

    private final Http2Exchange exchange;
    private final ChannelConfig config;
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>(4);
    private boolean open = true;
    /** The client ended its side of the stream (END_STREAM): after what it sent, the FIN. */
    private boolean inputEnded;
    private boolean inputShutdownFired;
    /** A read was asked for (auto-read, or {@link #read()}): DATA may go up the pipeline. */
    private boolean readPending;
    private boolean delivering;

    WebSocketStreamChannel(Channel connection, Http2Exchange exchange) {
        super(connection);
        this.exchange = exchange;
        this.config = new Config(this);
        pipeline().addFirst("h2-stream", new StreamWriter(exchange));
    }

    /** Registers the channel on the connection's event loop; its handlers are added by then. */
    void register() {
        ChannelFuture registered = parent().eventLoop().register(this);
        if (!registered.isSuccess()) {
            throw new IllegalStateException("a WebSocket stream channel was not registered", registered.cause());
        }
    }

    // ---- the stream, from the exchange ----------------------------------------------------------

    /** DATA from the client; taken over. */
    void dataArrived(ByteBuf data) {
        if (!open || !data.isReadable()) {
            exchange.consumed(data.readableBytes());
            data.release();
            return;
        }
        inbound.add(data);
        deliver();
    }

    /** END_STREAM from the client: once what came before is read, the session sees its FIN. */
    void inputEnded() {
        inputEnded = true;
        deliver();
    }

    /** The stream is closed (reset by either side, or both ends done): the channel closes. */
    void streamClosed() {
        releaseInbound();
        if (open) {
            close();
        }
    }

    private void deliver() {
        if (delivering || !isRegistered()) {
            return;
        }
        delivering = true;
        try {
            boolean again = true;
            while (again) {
                boolean read = false;
                while (open && readPending && !inbound.isEmpty()) {
                    ByteBuf b = inbound.poll();
                    exchange.consumed(b.readableBytes()); // read: the client may send that much more
                    if (!config.isAutoRead()) {
                        readPending = false;
                    }
                    read = true;
                    pipeline().fireChannelRead(b);
                }
                if (read && open) {
                    pipeline().fireChannelReadComplete();
                }
                if (open && inbound.isEmpty() && inputEnded && !inputShutdownFired) {
                    inputShutdownFired = true;
                    pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                }
                // a read asked for while the last ones went up the pipeline
                again = open && readPending && !inbound.isEmpty();
            }
        } finally {
            delivering = false;
        }
    }

    private void releaseInbound() {
        ByteBuf b;
        while ((b = inbound.poll()) != null) {
            exchange.consumed(b.readableBytes());
            b.release();
        }
    }

    // ---- the channel ----------------------------------------------------------------------------

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
                safeSetFailure(promise, new UnsupportedOperationException("a stream channel is connected already"));
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop == parent().eventLoop();
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return parent().remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a stream channel is bound already");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    /** The session is over: the server's side of the stream ends (END_STREAM, see the exchange). */
    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        releaseInbound();
        exchange.sessionChannelClosed();
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        deliver();
    }

    /** Writes never reach the channel itself: {@link StreamWriter} takes them before. */
    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        while (in.current() != null) {
            in.remove(new IllegalStateException("a write bypassed the stream writer"));
        }
    }

    /** Auto-read turned off: what is asked for already is all that is read. */
    private final class Config extends DefaultChannelConfig {
        Config(Channel channel) {
            super(channel);
        }

        @Override
        protected void autoReadCleared() {
            readPending = false;
        }
    }

    /**
     * The transport of the channel's writes: bytes become DATA frames of the stream, and each
     * write's promise completes when its frame was written to the connection (after HTTP/2 flow
     * control let it out), not when it was queued.
     */
    private static final class StreamWriter extends ChannelOutboundHandlerAdapter {
        private final Http2Exchange exchange;

        StreamWriter(Http2Exchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf data) {
                exchange.sessionWrite(data, promise);
            } else {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new UnsupportedOperationException("a stream channel writes bytes only: " + msg));
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            exchange.sessionFlush();
        }
    }
}
