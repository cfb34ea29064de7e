package org.wsging.worker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The Unix domain socket workers connect to (spec A.1), in a fresh directory only this user can
 * enter (mode 0700), so no other user can reach the link. Uses Netty's epoll domain sockets on
 * an epoll event loop group, and the JDK's own Unix domain sockets (Java 16+, Netty's
 * {@link NioServerDomainSocketChannel}) on an NIO group.
 */
public final class LinkServer {
    private static final System.Logger LOG = System.getLogger(LinkServer.class.getName());

    private final Path directory;
    private final Path socketPath;
    private final Channel channel;

    private LinkServer(Path directory, Path socketPath, Channel channel) {
        this.directory = directory;
        this.socketPath = socketPath;
        this.channel = channel;
    }

    static final int SOCKET_BUFFER = 1024 * 1024;

    /** Binds a new link socket; {@code childHandler} sets up each accepted link's pipeline. */
    public static LinkServer bind(EventLoopGroup group, ChannelHandler childHandler) throws IOException {
        // The name records this server's PID, so that a later server can tell it is stale.
        Path directory = Files.createTempDirectory(StaleFiles.prefix(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        cleanStale(directory);
        Path socketPath = directory.resolve("link.sock");
        Class<? extends ServerChannel> channelClass;
        SocketAddress address;
        if (Epoll.isAvailable() && isIoType(group, EpollIoHandler.class)) {
            channelClass = EpollServerDomainSocketChannel.class;
            address = new DomainSocketAddress(socketPath.toString());
        } else if (isIoType(group, NioIoHandler.class)) {
            channelClass = NioServerDomainSocketChannel.class;
            address = UnixDomainSocketAddress.of(socketPath);
        } else {
            deleteTree(directory);
            throw new IllegalArgumentException("the worker link needs an epoll or NIO event loop group, not "
                    + group.getClass().getName());
        }
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelClass)
                    // Room for several streams' windows in flight: a full socket buffer costs
                    // both processes a wake-up per refill. The kernel caps it at net.core.wmem_max.
                    .childOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                    .childOption(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                    .childHandler(childHandler)
                    .bind(address)
                    .sync()
                    .channel();
            return new LinkServer(directory, socketPath, channel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteTree(directory);
            throw new IOException("interrupted while binding the worker link socket", e);
        } catch (RuntimeException e) {
            deleteTree(directory);
            throw new IOException("cannot listen on " + socketPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes what servers of this user that were SIGKILLed left behind (their link directories
     * next to ours, their unacknowledged body files in /dev/shm), so they do not pile up.
     */
    private static void cleanStale(Path ours) {
        try {
            UserPrincipal me = Files.getOwner(ours);
            StaleFiles.clean(ours.getParent(), me);
            StaleFiles.clean(SharedBodies.DIRECTORY, me);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look for stale link directories: " + e.getMessage());
        }
    }

    private static boolean isIoType(EventLoopGroup group, Class<? extends io.netty.channel.IoHandler> type) {
        return group instanceof IoEventLoopGroup io && io.isIoType(type);
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Stops listening and removes the socket and its directory. Links already accepted stay open. */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.close().addListener(f -> {
            deleteTree(directory);
            done.complete(null);
        });
        return done;
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + directory + ": " + e.getMessage());
        }
    }
}
