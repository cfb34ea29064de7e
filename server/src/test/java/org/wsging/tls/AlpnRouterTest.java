package org.wsging.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.config.TlsConfig;

/** A client and the server's pipeline handshake over two embedded channels, bytes pumped between them. */
class AlpnRouterTest {
    @TempDir
    static Path dir;
    static ServerTls tls;

    @BeforeAll
    static void context() throws Exception {
        TestCertificates.Pair server = TestCertificates.make(dir, "server", null, 30);
        tls = ServerTls.create(new TlsConfig(server.cert(), server.key(), null, null, TlsConfig.ClientCerts.NONE), false);
    }

    private final List<String> branches = new ArrayList<>();
    private final Consumer<ChannelPipeline> http1 = p -> branches.add("http/1.1");

    private static SslHandler client(String sni, String... alpn) throws Exception {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE);
        if (alpn.length > 0) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
        SslContext context = builder.build();
        return sni == null ? context.newHandler(Unpooled.EMPTY_BUFFER.alloc())
                : context.newHandler(Unpooled.EMPTY_BUFFER.alloc(), sni, 443);
    }

    /** Moves bytes both ways until neither side has anything more to say. */
    private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        for (int round = 0; round < 50; round++) {
            boolean moved = move(a, b) | move(b, a);
            if (!moved) {
                return;
            }
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (Object o; (o = from.readOutbound()) != null; ) {
            moved = true;
            if (to.isOpen()) {
                to.writeInbound(o);
            } else {
                ((ByteBuf) o).release();
            }
        }
        from.runPendingTasks();
        return moved;
    }

    private EmbeddedChannel server(Consumer<ChannelPipeline> h2) {
        EmbeddedChannel server = new EmbeddedChannel();
        AlpnRouter.addTo(server.pipeline(), tls, http1, h2);
        return server;
    }

    @Test
    void http11ChosenByAlpnGoesToTheHttp1BranchWithItsFacts() throws Exception {
        EmbeddedChannel server = server(null);
        SslHandler clientSsl = client("Example.TEST", "h2", "http/1.1");
        EmbeddedChannel client = new EmbeddedChannel(clientSsl);
        pump(client, server);
        assertEquals(List.of("http/1.1"), branches);
        assertEquals("http/1.1", clientSsl.applicationProtocol());
        assertNull(server.pipeline().get(AlpnRouter.class), "the router removes itself");
        TlsFacts facts = TlsFacts.of(server.pipeline().get(SslHandler.class));
        assertEquals("TLSv1.3", facts.version());
        assertTrue(facts.cipher().startsWith("TLS_"), facts.cipher());
        assertEquals("example.test", facts.serverName());
        assertEquals("http/1.1", facts.alpn());
        assertNull(facts.clientCert());
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void aClientWithoutAlpnOrSniGetsHttp11() throws Exception {
        EmbeddedChannel server = server(null);
        EmbeddedChannel client = new EmbeddedChannel(client(null));
        pump(client, server);
        assertEquals(List.of("http/1.1"), branches);
        TlsFacts facts = TlsFacts.of(server.pipeline().get(SslHandler.class));
        assertNull(facts.alpn());
        assertNull(facts.serverName());
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void h2IsNotChosenWithoutAnHttp2Branch() throws Exception {
        EmbeddedChannel server = server(null);
        EmbeddedChannel client = new EmbeddedChannel(client("localhost", "h2"));
        pump(client, server);
        assertEquals(List.of("http/1.1"), branches, "offered only h2, served HTTP/1.1 without ALPN");
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void h2GoesToTheHttp2BranchWhenOffered() throws Exception {
        TestCertificates.Pair pair = TestCertificates.make(dir, "h2", null, 30);
        ServerTls withH2 = ServerTls.create(new TlsConfig(pair.cert(), pair.key(), null, null,
                TlsConfig.ClientCerts.NONE), true);
        EmbeddedChannel server = new EmbeddedChannel();
        AlpnRouter.addTo(server.pipeline(), withH2, http1, p -> branches.add("h2"));
        EmbeddedChannel client = new EmbeddedChannel(client("localhost", "h2", "http/1.1"));
        pump(client, server);
        assertEquals(List.of("h2"), branches);
        assertThrows(IllegalArgumentException.class, () -> AlpnRouter.addTo(new EmbeddedChannel().pipeline(), withH2, http1, null));
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void plainHttpClosesTheConnectionWithoutABranch() {
        EmbeddedChannel server = server(null);
        server.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        server.runPendingTasks();
        assertFalse(server.isOpen());
        assertTrue(branches.isEmpty());
        server.finishAndReleaseAll();
    }
}
