package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsging.Server;
import org.wsging.ServerTransport;
import org.wsging.config.BindAddress;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.config.LoggingConfig;
import org.wsging.config.ServerConfig;
import org.wsging.config.TlsConfig;
import org.wsging.config.WebSocketConfig;
import org.wsging.config.WorkersConfig;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.Header;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.exchange.WorkerStream;
import org.wsging.tls.ServerTls;
import org.wsging.tls.TestCertificates;

/**
 * The real server on 127.0.0.1, in clear text (ws://) and over TLS (wss://), with the JDK's
 * WebSocket client and a worker played in Java that accepts every offer and echoes messages.
 */
@Timeout(60)
class WebSocketSocketTest {
    @TempDir
    static Path dir;
    static TestCertificates.Pair certificate;

    private EventLoopGroup group;
    private Server server;
    private final EchoWorker worker = new EchoWorker();

    @BeforeAll
    static void makeCertificate() throws Exception {
        certificate = TestCertificates.make(dir, "localhost", null, 30);
    }

    /** Accepts every offer (with the client's first subprotocol) and echoes what it receives. */
    static final class EchoWorker implements WorkerDispatcher {
        final BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();

        @Override
        public WorkerStream open(RequestHead head, EventExecutor executor, ExchangeListener listener) {
            if (!head.websocket()) {
                executor.execute(() -> listener.onResponse(404, List.of(new Header("content-length", "0")), true));
                return new Echo(executor, listener);
            }
            List<String> offered = Offer.of(head.headers()).subprotocols();
            executor.execute(() -> {
                listener.onWebSocketAccept(new WebSocketAccept(false, 1 << 20, offered.isEmpty() ? null : offered.get(0),
                        List.of(new Header("x-session", "1"))));
                listener.onRequestWindow(1 << 20);
            });
            return new Echo(executor, listener);
        }

        private final class Echo implements WorkerStream {
            private final EventExecutor executor;
            private final ExchangeListener listener;

            Echo(EventExecutor executor, ExchangeListener listener) {
                this.executor = executor;
                this.listener = listener;
            }

            @Override
            public void sendData(ByteBuf data, boolean endStream) {
                data.release();
            }

            @Override
            public void sendTrailers(List<Header> trailers) {}

            @Override
            public void grantResponseWindow(int increment) {}

            @Override
            public void reset(ResetCode code) {
                outcomes.add("reset " + code);
            }

            @Override
            public void openWebSocket(String extensions) {
                outcomes.add("open");
            }

            @Override
            public void sendWebSocketMessage(ByteBuf data, boolean text, boolean continues) {
                int n = data.readableBytes();
                boolean closeMe = text && !continues && data.toString(StandardCharsets.UTF_8).equals("close me");
                executor.execute(() -> {
                    if (closeMe) {
                        data.release();
                        listener.onWebSocketClose(4000, "asked");
                        return;
                    }
                    listener.onWebSocketMessage(data, text, continues, false);
                    if (n > 0) {
                        listener.onRequestWindow(n); // taken at once: the credit comes back
                    }
                });
            }

            @Override
            public void sendWebSocketPong(byte[] payload) {}

            @Override
            public void closeWebSocket(int code, String reason) {
                outcomes.add("close " + code + (reason.isEmpty() ? "" : " " + reason));
            }
        }
    }

    /** Collects what the client receives: whole messages and the close. */
    static final class Received implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            messages.add("closed " + code + (reason.isEmpty() ? "" : " " + reason));
            return null; // the client answers with the same code
        }

        Object next() throws InterruptedException {
            Object o = messages.poll(20, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("nothing received within 20 s");
            }
            return o;
        }
    }

    private InetSocketAddress start(boolean tls) throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, ServerTransport.best().ioHandlerFactory());
        var workers = new WorkersConfig("app:app", Path.of("."), Path.of("python"), Path.of("."), 1, 1,
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(1), false);
        TlsConfig tlsConfig = tls ? new TlsConfig(certificate.cert(), certificate.key(), null, null,
                TlsConfig.ClientCerts.NONE) : null;
        var config = new ServerConfig(List.of(new BindAddress("127.0.0.1", 0)), Http1Config.DEFAULT, workers,
                new LoggingConfig(false), false, 1, Http2Config.DEFAULT, tlsConfig, WebSocketConfig.DEFAULT);
        ServerTls serverTls = tls ? ServerTls.create(tlsConfig, true) : null; // h2 offered too, as by default
        server = new Server(config, ServerTransport.best(), group, worker, null, serverTls);
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

    private static HttpClient client(boolean tls) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder();
        if (tls) {
            X509Certificate cert;
            try (InputStream in = Files.newInputStream(certificate.cert())) {
                cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("server", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            b.sslContext(ssl);
        }
        return b.build();
    }

    private WebSocket connect(boolean tls, InetSocketAddress address, Received received) throws Exception {
        URI uri = URI.create((tls ? "wss" : "ws") + "://localhost:" + address.getPort() + "/chat");
        CompletableFuture<WebSocket> ws = client(tls).newWebSocketBuilder().subprotocols("chat.v1", "chat.v2")
                .buildAsync(uri, received);
        return ws.get(20, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void messagesEchoAndTheClientsCloseIsTheOutcome(boolean tls) throws Exception {
        InetSocketAddress address = start(tls);
        Received received = new Received();
        WebSocket ws = connect(tls, address, received);
        assertEquals("chat.v1", ws.getSubprotocol());
        assertEquals("open", worker.outcomes.poll(20, TimeUnit.SECONDS));

        ws.sendText("h\u00e9llo \u2713", true).get(20, TimeUnit.SECONDS);
        assertEquals("h\u00e9llo \u2713", received.next());

        byte[] large = new byte[300_000]; // several frames, pieces and link windows' worth
        new Random(7).nextBytes(large);
        ws.sendBinary(ByteBuffer.wrap(large), true).get(20, TimeUnit.SECONDS);
        assertArrayEquals(large, (byte[]) received.next());

        ws.sendText("part one, ", false).get(20, TimeUnit.SECONDS);
        ws.sendText("part two", true).get(20, TimeUnit.SECONDS);
        assertEquals("part one, part two", received.next(), "a fragmented message arrives whole");

        ws.sendClose(1000, "bye").get(20, TimeUnit.SECONDS);
        assertEquals("closed 1000", received.next(), "the server answers with the client's code");
        assertEquals("close 1000 bye", worker.outcomes.poll(20, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shutdownClosesSessionsWith1001WhenTheGracefulTimeoutEnds(boolean tls) throws Exception {
        InetSocketAddress address = start(tls);
        Received received = new Received();
        WebSocket ws = connect(tls, address, received);
        assertEquals("open", worker.outcomes.poll(20, TimeUnit.SECONDS));
        long started = System.nanoTime();
        server.shutdownGracefully(Duration.ofMillis(800));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis >= 700 && tookMillis < 5_000, "the session had the graceful time, no more: " + tookMillis);
        server = null;
        assertEquals("closed 1001 server shutting down", received.next());
        assertEquals("close 1001", worker.outcomes.poll(20, TimeUnit.SECONDS));
        ws.abort();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theApplicationsCloseIsAnsweredByTheClient(boolean tls) throws Exception {
        InetSocketAddress address = start(tls);
        Received received = new Received();
        WebSocket ws = connect(tls, address, received);
        assertEquals("open", worker.outcomes.poll(20, TimeUnit.SECONDS));
        ws.sendText("close me", true).get(20, TimeUnit.SECONDS);
        assertEquals("closed 4000 asked", received.next());
        String outcome = (String) worker.outcomes.poll(20, TimeUnit.SECONDS);
        assertTrue(outcome != null && outcome.startsWith("close 4000"), "the client's answer: " + outcome);
    }
}
