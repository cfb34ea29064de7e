package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.concat;
import static org.wsging.websocket.frames.ClientFrame.of;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The frame layer on a real TCP connection, behind an echoing session. */
@Timeout(30)
class FramesOverSocketTest {

    private EventLoopGroup group;
    private Channel server;
    private final BlockingQueue<Object> sessionEvents = new LinkedBlockingQueue<>();

    /** Echoes every message piece back (compressed when negotiated) and answers close frames. */
    private final class EchoSession extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof MessagePiece piece) {
                ctx.writeAndFlush(new OutboundPiece(piece.text(), piece.data(), piece.last(), true));
                return;
            }
            sessionEvents.add(msg);
            if (msg instanceof PeerClose close) {
                ctx.writeAndFlush(close.code() == 1005 ? new OutboundClose(0, "")
                        : new OutboundClose(close.code(), close.reason())).addListener(f -> ctx.close());
            }
            ReferenceCountUtil.release(msg);
        }
    }

    @BeforeEach
    void start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("session", new EchoSession());
                        WebSocketFrames.install(ch.pipeline(), "session", new FrameSettings(1 << 20, 1 << 14,
                                PermessageDeflate.negotiate(List.of("permessage-deflate"))));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Writes {@code bytes} in one go and reads until the server closes the connection. */
    private byte[] exchange(byte[] bytes) throws IOException {
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(bytes);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    @Test
    void aViolationReachesTheClientAsACloseFrameAndThenTheEndOfTheStream() throws Exception {
        // Enough to follow the violation in the same reads, not more than the socket buffers take
        // at once: a server closing with input it has not read sends a reset (RFC 6455 7.1.1 has
        // the server close first), which can make the client's write fail before it reads.
        byte[] large = new byte[30_000];
        byte[] received = exchange(concat(ClientFrame.text("before"), of(0x3).bytes(), ClientFrame.binary(large)));
        List<ServerFrame> frames = ServerFrame.parseAll(Unpooled.wrappedBuffer(received));
        assertEquals(2, frames.size(), "frames: " + frames);
        assertTrue(frames.get(0).rsv1(), "the echo was compressed");
        assertArrayEquals("before".getBytes(StandardCharsets.UTF_8), Zlib.decompress(frames.get(0).payload()));
        assertEquals(1002, frames.get(1).closeCode());
        assertEquals(new ProtocolFailure(1002, "reserved opcode 0x3"), sessionEvents.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aCloseHandshakeEndsTheConnection() throws Exception {
        byte[] received = exchange(concat(of(Opcodes.PING).payload("hello").bytes(), ClientFrame.close(1000, "bye")));
        List<ServerFrame> frames = ServerFrame.parseAll(Unpooled.wrappedBuffer(received));
        assertEquals(2, frames.size(), "frames: " + frames);
        assertEquals(Opcodes.PONG, frames.get(0).opcode());
        assertEquals("hello", frames.get(0).text());
        assertEquals(1000, frames.get(1).closeCode());
        assertEquals(new PeerClose(1000, "bye"), sessionEvents.poll(5, TimeUnit.SECONDS));
    }
}
