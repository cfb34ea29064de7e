package org.wsging.connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsging.ServerTransport;

/**
 * The send timeout on real sockets, both transports: a server that writes without end to a
 * client that reads nothing closes it; one whose client reads keeps going.
 */
@Timeout(30)
class SendTimeoutHandlerTest {

    private static final byte[] CHUNK = new byte[16 * 1024];

    private EventLoopGroup group;
    private final CompletableFuture<Channel> accepted = new CompletableFuture<>();

    /** Writes 16 KiB pieces while the channel is writable, for ever. */
    private static final class EndlessWriter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            fill(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            fill(ctx);
        }

        private static void fill(ChannelHandlerContext ctx) {
            while (ctx.channel().isActive() && ctx.channel().isWritable()) {
                ctx.write(Unpooled.wrappedBuffer(CHUNK));
            }
            ctx.flush();
        }
    }

    private InetSocketAddress start(String transportName, Duration timeout) {
        ServerTransport transport = transportName.equals("nio") ? ServerTransport.nio() : ServerTransport.best();
        group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        Channel listener = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new SendTimeoutHandler(timeout), new EndlessWriter());
                        accepted.complete(ch);
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return (InetSocketAddress) listener.localAddress();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "best"})
    void aClientThatReadsNothingIsClosed(String transport) throws Exception {
        InetSocketAddress address = start(transport, Duration.ofMillis(300));
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096);
            client.connect(address);
            Channel server = accepted.get(5, TimeUnit.SECONDS);
            long started = System.nanoTime();
            assertTrue(server.closeFuture().await(10, TimeUnit.SECONDS), "closed");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(millis >= 300, "not before the timeout: " + millis + " ms");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "best"})
    void aClientThatReadsIsNotClosed(String transport) throws Exception {
        // A timeout a stalled test thread on a busy machine cannot outlast by accident.
        InetSocketAddress address = start(transport, Duration.ofMillis(2000));
        try (Socket client = new Socket()) {
            client.connect(address);
            Channel server = accepted.get(5, TimeUnit.SECONDS);
            InputStream in = client.getInputStream();
            byte[] buf = new byte[65536];
            long read = 0;
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(6000); // three timeouts
            while (System.nanoTime() < until) {
                int n = in.read(buf);
                assertTrue(n > 0, "the server closed a reading client");
                read += n;
            }
            assertTrue(read > 0);
            assertFalse(server.closeFuture().isDone(), "open after " + read + " bytes");
        }
    }
}
