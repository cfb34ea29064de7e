package org.wsging;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.wsging.config.BindAddress;
import org.wsging.config.ServerConfig;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.tls.ServerTls;

/**
 * The listening sockets and the client connections they accept. Binding is separate from
 * construction so that a port in use is reported before any worker starts.
 */
public final class Server {

    /** Could not listen on an address; the message is one line for the user. */
    public static final class BindFailure extends Exception {
        BindFailure(String message) {
            super(message, null, false, false);
        }
    }

    private final ServerConfig config;
    private final ServerTransport transport;
    private final EventLoopGroup group;
    private final ServerInitializer initializer;
    private final ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();

    public Server(ServerConfig config, ServerTransport transport, EventLoopGroup group,
                  WorkerDispatcher dispatcher, Consumer<String> accessLog) {
        this(config, transport, group, dispatcher, accessLog, null);
    }

    /** @param tls TLS on every address, or null for clear text */
    public Server(ServerConfig config, ServerTransport transport, EventLoopGroup group,
                  WorkerDispatcher dispatcher, Consumer<String> accessLog, ServerTls tls) {
        this.config = config;
        this.transport = transport;
        this.group = group;
        this.initializer = new ServerInitializer(config.http1(), config.http2(), config.websocket(), dispatcher,
                accessLog, connections, tls);
    }

    /** Binds every configured address, or none: on failure the ones bound are closed again. */
    public List<InetSocketAddress> bind() throws BindFailure {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer);
        List<InetSocketAddress> bound = new ArrayList<>();
        for (BindAddress address : config.binds()) {
            ChannelFuture future = bootstrap.bind(address.toSocketAddress()).awaitUninterruptibly();
            if (!future.isSuccess()) {
                closeListeners();
                Throwable cause = future.cause();
                // NIO says BindException "Address already in use"; epoll a native error "... address already in use".
                String why = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT).contains("in use")
                        ? "address already in use"
                        : describe(cause);
                throw new BindFailure("cannot bind " + address + ": " + why);
            }
            listeners.add(future.channel());
            bound.add((InetSocketAddress) future.channel().localAddress());
        }
        return bound;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        // Native transports prefix the system call ("bind(..) failed: "); keep the reason.
        int colon = message.lastIndexOf(": ");
        String reason = colon >= 0 ? message.substring(colon + 2) : message;
        return reason.toLowerCase(Locale.ROOT);
    }

    /** Stops accepting, lets in-flight exchanges finish (idle connections close), waits up to
     * {@code grace}, then closes whatever is left. */
    public void shutdownGracefully(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        closeListeners();
        for (Channel c : connections) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE));
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            connections.newCloseFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS);
        }
        // Each connection's loop reports its cut-off exchanges before it runs the close below.
        for (Channel c : connections) {
            c.eventLoop().execute(() -> c.pipeline().fireUserEventTriggered(GracefulShutdown.DEADLINE));
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }

    private void closeListeners() {
        for (Channel listener : listeners) {
            listener.close().awaitUninterruptibly();
        }
        listeners.clear();
    }
}
