package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsging.Server;
import org.wsging.ServerTransport;
import org.wsging.config.BindAddress;
import org.wsging.config.Http1Config;
import org.wsging.config.LoggingConfig;
import org.wsging.config.ServerConfig;
import org.wsging.config.WorkersConfig;
import org.wsging.exchange.CeilingDispatcher;

/** The real server on 127.0.0.1 with the ceiling responder: sockets, both transports, binding. */
@Timeout(30)
class Http1SocketTest {

    private EventLoopGroup group;
    private Server server;

    private InetSocketAddress start(String transportName, BindAddress... binds) throws Server.BindFailure {
        ServerTransport transport = transportName.equals("nio") ? ServerTransport.nio() : ServerTransport.best();
        group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        var workers = new WorkersConfig("app:app", Path.of("."), Path.of("python"), Path.of("."), 1, 1,
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(1), false);
        var config = new ServerConfig(List.of(binds), Http1Config.DEFAULT, workers, new LoggingConfig(false), true);
        server = new Server(config, transport, group, new CeilingDispatcher(), null);
        return server.bind().get(0);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdownGracefully(Duration.ofSeconds(1));
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Sends {@code request} and reads until the server closes the connection. */
    private static String exchange(InetSocketAddress address, String request) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "best"})
    void pipelinedRequestsThenClose(String transport) throws Exception {
        InetSocketAddress address = start(transport, new BindAddress("127.0.0.1", 0));
        String out = exchange(address, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "HEAD /3 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var responses = Http1TestChannel.parse(out, false, false, true, false);
        assertEquals(4, responses.size(), out);
        assertEquals("Hello, world!", responses.get(0).body());
        assertEquals("Hello, world!", responses.get(1).body());
        assertEquals("13", responses.get(2).header("content-length"));
        assertEquals("close", responses.get(3).header("connection"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "best"})
    void malformedRequestGets400ThenClose(String transport) throws Exception {
        InetSocketAddress address = start(transport, new BindAddress("127.0.0.1", 0));
        String out = exchange(address, "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n" + "junk".repeat(1000));
        var r = Http1TestChannel.parse(out).get(0);
        assertEquals(400, r.status());
        assertTrue(r.body().contains("line folding"), r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "best"})
    void portInUseIsReported(String transport) throws Exception {
        InetSocketAddress taken = start(transport, new BindAddress("127.0.0.1", 0));
        EventLoopGroup second = new MultiThreadIoEventLoopGroup(1, ServerTransport.nio().ioHandlerFactory());
        try {
            var workers = new WorkersConfig("app:app", Path.of("."), Path.of("python"), Path.of("."), 1, 1,
                    Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), false);
            var config = new ServerConfig(List.of(new BindAddress("127.0.0.1", taken.getPort())),
                    Http1Config.DEFAULT, workers, new LoggingConfig(false), true);
            var other = new Server(config, ServerTransport.nio(), second, new CeilingDispatcher(), null);
            var failure = assertThrows(Server.BindFailure.class, other::bind);
            assertEquals("cannot bind 127.0.0.1:" + taken.getPort() + ": address already in use", failure.getMessage());
        } finally {
            second.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
