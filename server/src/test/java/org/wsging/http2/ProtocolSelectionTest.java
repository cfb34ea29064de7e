package org.wsging.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.ServerInitializer;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.exchange.FakeDispatcher;

/** The cleartext port: HTTP/1.1, HTTP/2 by prior knowledge, and the h2c upgrade, told apart. */
class ProtocolSelectionTest {

    private final FakeDispatcher dispatcher = new FakeDispatcher();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void configure(Http2Config http2) {
        channel.freezeTime();
        ServerInitializer.configureCleartext(channel.pipeline(), Http1Config.DEFAULT, http2, dispatcher, null);
    }

    private void send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
    }

    private String received() {
        channel.runPendingTasks();
        StringBuilder b = new StringBuilder();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) o;
            b.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return b.toString();
    }

    @Test
    void anHttp1RequestIsServedByTheHttp1HandlersEvenInPieces() {
        configure(Http2Config.DEFAULT);
        send("P");      // could still be the preface
        assertTrue(dispatcher.streams.isEmpty());
        send("OST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
        assertEquals(org.wsging.exchange.HttpVersion.HTTP_1_1, dispatcher.last().head.version());
        assertNull(channel.pipeline().get("protocol"));
        assertNull(channel.pipeline().get(Http2Pipeline.HANDLER));
    }

    @Test
    void thePrefaceTurnsTheConnectionToHttp2() {
        configure(Http2Config.DEFAULT);
        send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assertNotNull(channel.pipeline().get(Http2Pipeline.HANDLER));
        assertNull(channel.pipeline().get("codec"), "no HTTP/1 handler is left");
        assertNull(channel.pipeline().get("exchange"));
        ByteBuf out = (ByteBuf) channel.readOutbound();
        assertEquals(0x4, out.getByte(3), "the server's SETTINGS frame comes first");
        out.release();
    }

    @Test
    void aPrefaceWithAWrongTailIsRefusedWith400AndClosed() {
        configure(Http2Config.DEFAULT);
        send("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n");
        assertTrue(received().startsWith("HTTP/1.1 400 Bad Request\r\n"));
        assertFalse(channel.isOpen());
        assertTrue(dispatcher.streams.isEmpty());
    }

    @Test
    void withHttp2OffThePrefaceIsJustABadHttp1Request() {
        configure(new Http2Config(false, 100, 65535, 16384, 65536));
        send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assertTrue(received().startsWith("HTTP/1.1 505 "));
        assertNull(channel.pipeline().get(Http2Pipeline.HANDLER));
    }

    private static String settingsValue(Http2Settings s) {
        ByteBuf b = Unpooled.buffer();
        for (char id = 1; id <= 6; id++) {
            Long v = s.get(id);
            if (v != null) {
                b.writeShort(id).writeInt(v.intValue());
            }
        }
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void anUpgradeWithABodyIsAnswered101AndBecomesStream1WithItsBody() {
        configure(Http2Config.DEFAULT);
        String settings = settingsValue(new Http2Settings().initialWindowSize(1 << 20));
        send("POST /up?x=1 HTTP/1.1\r\nHost: example.test\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: " + settings + "\r\nContent-Length: 5\r\n"
                + "Cookie: a=1\r\n\r\nhello");
        String out = received();
        assertTrue(out.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), out);
        assertNotNull(channel.pipeline().get(Http2Pipeline.HANDLER));
        FakeDispatcher.FakeStream s = dispatcher.last();
        assertEquals(org.wsging.exchange.HttpVersion.HTTP_2, s.head.version());
        assertEquals("/up", s.head.rawPath());
        assertEquals(5, s.head.contentLength());
        assertTrue(s.head.headers().stream().noneMatch(h -> h.name().toString().equals("upgrade")
                || h.name().toString().equals("http2-settings") || h.name().toString().equals("connection")));
        assertTrue(s.head.headers().stream().anyMatch(h -> h.name().toString().equals("host")));
        s.listener.onRequestWindow(65536);
        channel.runPendingTasks();
        assertEquals("hello", s.bodyText());
        assertTrue(s.ended);
    }

    @Test
    void anUpgradeThatDoesNotQualifyIsServedOnHttp1() {
        configure(Http2Config.DEFAULT);
        // no HTTP2-Settings: RFC 7540 §3.2.1 says a server must not upgrade
        send("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
        assertEquals(org.wsging.exchange.HttpVersion.HTTP_1_1, dispatcher.last().head.version());
        assertNull(channel.pipeline().get(Http2Pipeline.HANDLER));
    }

    @Test
    void upgradeSettingsAreDecodedOrRefused() {
        Http2Settings s = H2cUpgradeHandler.decodeSettings(settingsValue(new Http2Settings().maxFrameSize(20000)));
        assertEquals(20000, s.maxFrameSize());
        assertNull(H2cUpgradeHandler.decodeSettings("!!!"), "not base64url");
        assertNull(H2cUpgradeHandler.decodeSettings("AAMAAABk" + "AA"), "not whole settings");
        // SETTINGS_MAX_FRAME_SIZE below 16384 is out of range (RFC 9113 §6.5.2)
        assertNull(H2cUpgradeHandler.decodeSettings(Base64.getUrlEncoder().withoutPadding()
                .encodeToString(new byte[] {0, 5, 0, 0, 0, 1})));
        var request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        request.headers().set("connection", "upgrade, http2-settings").set("upgrade", "h2c")
                .add("http2-settings", "").add("http2-settings", "");
        assertNull(H2cUpgradeHandler.upgradeSettings(request), "two HTTP2-Settings fields");
    }
}
