package org.wsging.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.config.WebSocketConfig;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.WebSocketAccept;

/** WebSocket over HTTP/2 (RFC 8441): the extended CONNECT, its refusals, and a session on a stream. */
class Http2WebSocketTest {

    private static final byte[] MASK = {(byte) 0x5A, (byte) 0x11, (byte) 0xC3, (byte) 0x07};

    private Http2TestPair pair = new Http2TestPair();

    @AfterEach
    void tearDown() {
        pair.close();
    }

    private static Http2Headers offer(String path) {
        Http2Headers h = Http2TestPair.request("CONNECT", path);
        h.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
        h.add("sec-websocket-version", "13");
        return h;
    }

    /** A masked client frame (RFC 6455 §5.3), payload under 126 bytes. */
    private static byte[] clientFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80 | opcode);
        out.write(0x80 | payload.length);
        out.writeBytes(MASK);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ MASK[i % 4]);
        }
        return out.toByteArray();
    }

    private static byte[] text(String s) {
        return clientFrame(0x1, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] close(int code) {
        return clientFrame(0x8, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /** The server's frames on a stream, as "opcode payload" (a close as "8 CODE"). */
    private static List<String> serverFrames(String body) {
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        List<String> frames = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            int opcode = b[i] & 0x0F;
            int len = b[i + 1] & 0x7F;
            int at = i + 2;
            if (len == 126) {
                len = ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
                at += 2;
            }
            assertEquals(0, b[i + 1] & 0x80, "server frames are not masked");
            if (opcode == 0x8) {
                frames.add("8 " + (((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF)));
            } else {
                frames.add(opcode + " " + new String(b, at, len, StandardCharsets.ISO_8859_1));
            }
            i = at + len;
        }
        return frames;
    }

    private FakeStream accept(int id, String subprotocol, List<Header> extra) {
        FakeStream s = pair.dispatcher.last();
        s.listener.onWebSocketAccept(new WebSocketAccept(true, 1 << 20, subprotocol, extra));
        pair.exchange();
        return s;
    }

    /** An accepted session; the worker grants {@code credit} bytes of messages, as it does at WS_OPEN. */
    private int openSession(int credit) {
        int id = pair.send(offer("/chat?room=1"), false);
        FakeStream s = accept(id, null, List.of());
        assertEquals(List.of("open "), s.webSocket);
        if (credit > 0) {
            s.listener.onRequestWindow(credit);
            pair.exchange();
        }
        return id;
    }

    private int openSession() {
        return openSession(1 << 16);
    }

    @Test
    void theServerAnnouncesExtendedConnect() {
        assertEquals(Boolean.TRUE, pair.serverSettings.connectProtocolEnabled());
    }

    @Test
    void anOfferGoesToTheWorkerAsAGetWithoutBodyFlaggedWebSocket() {
        int id = pair.send(offer("/chat?room=1"), false);
        FakeStream s = pair.dispatcher.last();
        assertEquals(1, pair.dispatcher.streams.size());
        assertTrue(s.head.websocket());
        assertEquals("GET", s.head.method());
        assertEquals(HttpVersion.HTTP_2, s.head.version());
        assertEquals("/chat", s.head.rawPath());
        assertEquals("room=1", s.head.rawQuery());
        assertFalse(s.head.hasBody());
        assertEquals(0, s.head.contentLength());
        assertTrue((s.head.capabilities() & Capabilities.WEBSOCKET) != 0);
        assertTrue(s.head.headers().stream().anyMatch(h -> h.name().toString().equals("host")
                && h.value().toString().equals("example.test")), ":authority is the host field");
        assertTrue(s.head.headers().stream().anyMatch(h -> h.name().toString().equals("sec-websocket-version")),
                "the handshake's fields stay for the application");
        assertFalse(pair.stream(id).ended);
        assertTrue(pair.stream(id).heads.isEmpty());
    }

    @Test
    void everyHttp2RequestSaysTheConnectionCarriesWebSockets() {
        pair.send(Http2TestPair.request("GET", "/"), true);
        FakeStream s = pair.dispatcher.last();
        assertFalse(s.head.websocket());
        assertTrue((s.head.capabilities() & Capabilities.WEBSOCKET) != 0);
    }

    @Test
    void anotherVersionIs426WithTheVersionSpokenAndNoCall() {
        Http2Headers h = offer("/");
        h.set("sec-websocket-version", "8");
        int id = pair.send(h, false);
        assertEquals(426, pair.stream(id).status());
        assertEquals("13", pair.stream(id).finalHead().get("sec-websocket-version").toString());
        assertTrue(pair.stream(id).ended);
        Http2Headers none = offer("/");
        none.remove("sec-websocket-version");
        int id2 = pair.send(none, false);
        assertEquals(426, pair.stream(id2).status());
        assertTrue(pair.dispatcher.streams.isEmpty());
    }

    @Test
    void anotherProtocolIs501AndAnOfferThatEndsItsStreamIs400() {
        Http2Headers h = offer("/");
        h.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "connect-udp");
        int id = pair.send(h, false);
        assertEquals(501, pair.stream(id).status());
        int id2 = pair.send(offer("/"), true);
        assertEquals(400, pair.stream(id2).status());
        assertTrue(pair.dispatcher.streams.isEmpty());
    }

    @Test
    void aProtocolOnAnotherMethodOrAnExtendedConnectWithoutItsPseudoHeadersIsMalformed() {
        Http2Headers get = Http2TestPair.request("GET", "/");
        get.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
        Http2Headers noAuthority = offer("/");
        noAuthority.remove(Http2Headers.PseudoHeaderName.AUTHORITY.value());
        Http2Headers noPath = offer("/");
        noPath.remove(Http2Headers.PseudoHeaderName.PATH.value());
        Http2Headers noScheme = offer("/");
        noScheme.remove(Http2Headers.PseudoHeaderName.SCHEME.value());
        Http2Headers empty = new io.netty.handler.codec.http2.DefaultHttp2Headers(false).method("CONNECT")
                .scheme("http").path("/").authority("example.test");
        empty.add(Http2Headers.PseudoHeaderName.PROTOCOL.value(), ""); // what a client's own checks refuse
        empty.add("sec-websocket-version", "13");
        for (Http2Headers h : List.of(get, noAuthority, noPath, noScheme, empty)) {
            int id = pair.send(h, false);
            assertEquals(Long.valueOf(Http2Error.PROTOCOL_ERROR.code()), pair.stream(id).reset, h.toString());
            assertTrue(pair.stream(id).heads.isEmpty());
        }
        assertTrue(pair.dispatcher.streams.isEmpty());
        assertNull(pair.goAway, "stream errors: the connection goes on");
    }

    @Test
    void aPlainConnectIsStill501() {
        Http2Headers h = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("CONNECT")
                .authority("example.test:443");
        int id = pair.send(h, false);
        assertEquals(501, pair.stream(id).status());
        assertTrue(pair.dispatcher.streams.isEmpty());
    }

    @Test
    void aRefusalIsAnOrdinaryResponseAndTheStreamEnds() {
        int id = pair.send(offer("/"), false);
        FakeStream s = pair.dispatcher.last();
        s.listener.onResponse(403, List.of(new Header("content-length", "2")), false);
        s.listener.onData(Unpooled.copiedBuffer("no", StandardCharsets.US_ASCII), true);
        pair.exchange();
        assertEquals(403, pair.stream(id).status());
        assertEquals("no", pair.stream(id).body.toString());
        assertTrue(pair.stream(id).ended);
        assertEquals(Long.valueOf(Http2Error.NO_ERROR.code()), pair.stream(id).reset,
                "the client's side, still open, is told to stop");
    }

    @Test
    void theAcceptanceIs200WithTheNegotiatedFieldsAndNoAcceptKey() {
        Http2Headers h = offer("/");
        h.add("sec-websocket-protocol", "chat, superchat");
        h.add("sec-websocket-extensions", "permessage-deflate; client_max_window_bits");
        int id = pair.send(h, false);
        FakeStream s = accept(id, "superchat", List.of(new Header("set-cookie", "a=b"),
                new Header("sec-websocket-accept", "forged")));
        Http2Headers head = pair.stream(id).finalHead();
        assertEquals("200", head.status().toString());
        assertEquals("superchat", head.get("sec-websocket-protocol").toString());
        assertTrue(head.get("sec-websocket-extensions").toString().startsWith("permessage-deflate"));
        assertEquals("a=b", head.get("set-cookie").toString());
        assertNull(head.get("sec-websocket-accept"));
        assertFalse(pair.stream(id).ended);
        assertTrue(s.webSocket.get(0).startsWith("open permessage-deflate"));
    }

    @Test
    void aSubprotocolTheClientDidNotOfferIs500() {
        int id = pair.send(offer("/"), false);
        FakeStream s = accept(id, "nope", List.of());
        assertEquals(500, pair.stream(id).status());
        assertEquals(ResetCode.PROTOCOL_ERROR, s.reset);
        assertTrue(s.webSocket.isEmpty());
    }

    @Test
    void messagesGoBothWaysWithinTheWorkersCredit() {
        int id = openSession(0);
        FakeStream s = pair.dispatcher.last();
        pair.data(id, text("hello"), false);
        assertEquals(List.of("open "), s.webSocket, "no credit yet: the message waits");
        s.listener.onRequestWindow(1000);
        pair.exchange();
        assertEquals(List.of("open ", "message text hello"), s.webSocket);
        s.listener.onWebSocketMessage(Unpooled.copiedBuffer("hi there", StandardCharsets.US_ASCII), false, false,
                true);
        pair.exchange();
        assertEquals(List.of("2 hi there"), serverFrames(pair.stream(id).body.toString()));
        assertEquals(8, s.responseCredit, "credit returns once the frame went out");
    }

    @Test
    void aClientWithoutCreditIsHeldByItsStreamWindow() throws Exception {
        int id = openSession(0);
        FakeStream s = pair.dispatcher.last();
        int before = pair.clientWindow(id);
        for (int i = 0; i < 4; i++) {
            pair.data(id, text("x".repeat(100)), false);
        }
        assertTrue(pair.clientWindow(id) < before - 200, "what waits for credit is not returned to the client");
        Http2ServerHandler server = pair.server.pipeline().get(Http2ServerHandler.class);
        assertTrue(server.connection().local().flowController().unconsumedBytes(server.connection().stream(id)) > 200);
        s.listener.onRequestWindow(1 << 16);
        pair.exchange();
        assertEquals(5, s.webSocket.size());
        Http2ServerHandler h = pair.server.pipeline().get(Http2ServerHandler.class);
        assertEquals(0, h.connection().local().flowController().unconsumedBytes(h.connection().stream(id)),
                "all read: the window comes back");
    }

    @Test
    void aClientThatDoesNotReadStallsTheApplicationsSends() {
        pair.close();
        pair = new Http2TestPair(Http1Config.DEFAULT, Http2Config.DEFAULT, new Http2Settings().initialWindowSize(20));
        pair.autoConsume = false;
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        s.listener.onWebSocketMessage(Unpooled.copiedBuffer("y".repeat(100), StandardCharsets.US_ASCII), true, false,
                true);
        pair.exchange();
        assertEquals(20, pair.stream(id).body.length(), "only the client's window went out");
        assertEquals(0, s.responseCredit, "no credit for what has not gone out");
    }

    @Test
    void theClientsCloseIsAnsweredAndEndsTheStream() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        pair.data(id, close(1000), false);
        assertEquals(List.of("8 1000"), serverFrames(pair.stream(id).body.toString()));
        assertTrue(pair.stream(id).ended);
        assertEquals(List.of("open ", "close 1000"), s.webSocket);
    }

    @Test
    void theApplicationsCloseWaitsForTheClientsAnswer() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        s.listener.onWebSocketClose(4000, "bye");
        pair.exchange();
        assertEquals(List.of("8 4000"), serverFrames(pair.stream(id).body.toString()));
        assertFalse(pair.stream(id).ended);
        pair.data(id, close(4000), true);
        assertEquals(List.of("open ", "close 4000"), s.webSocket);
        assertTrue(pair.stream(id).ended);
    }

    @Test
    void aResetFromTheClientIs1006() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        pair.reset(id, Http2Error.CANCEL.code());
        pair.exchange();
        assertEquals(List.of("open ", "close 1006"), s.webSocket);
        assertNull(s.reset, "the session reports its end; the stream is not reset on top");
    }

    @Test
    void endStreamWithoutACloseFrameIs1006() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        pair.data(id, new byte[0], true);
        assertEquals(List.of("open ", "close 1006"), s.webSocket);
        assertTrue(pair.stream(id).ended);
    }

    @Test
    void aWorkerResetClosesWith1011() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        s.listener.onReset(ResetCode.INTERNAL_ERROR);
        pair.exchange();
        assertEquals(List.of("8 1011"), serverFrames(pair.stream(id).body.toString()));
    }

    @Test
    void aProtocolErrorFromTheClientClosesWith1002() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        pair.data(id, new byte[] {(byte) 0x81, 0x02, 'h', 'i'}, false); // unmasked
        assertEquals(List.of("8 1002"), serverFrames(pair.stream(id).body.toString()));
        assertEquals(List.of("open ", "close 1002"), s.webSocket);
        assertTrue(pair.stream(id).ended);
    }

    @Test
    void theGracefulDeadlineClosesSessionsWith1001() {
        int id = openSession();
        FakeStream s = pair.dispatcher.last();
        pair.server.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        pair.exchange();
        assertEquals(List.of("open "), s.webSocket, "a session runs on until the graceful timeout ends");
        pair.server.pipeline().fireUserEventTriggered(GracefulShutdown.DEADLINE);
        pair.exchange();
        assertEquals(List.of("8 1001"), serverFrames(pair.stream(id).body.toString()));
        assertEquals(List.of("open ", "close 1001"), s.webSocket);
    }

    @Test
    void anOrdinaryRequestIsServedBesideAnOpenSession() {
        int ws = openSession();
        int id = pair.send(Http2TestPair.request("GET", "/plain"), true);
        FakeStream s = pair.dispatcher.last();
        s.listener.onResponse(204, List.of(), true);
        pair.exchange();
        assertEquals(204, pair.stream(id).status());
        assertFalse(pair.stream(ws).ended);
        pair.data(ws, close(1000), false);
        assertTrue(pair.stream(ws).ended);
    }

    @Test
    void aSessionOutlivesTheBodyAndRequestTimeouts() {
        pair.close();
        Http1Config http1 = Http1Config.DEFAULT;
        pair = new Http2TestPair(http1, Http2Config.DEFAULT,
                new WebSocketConfig(null, Duration.ofSeconds(20), Duration.ofSeconds(5)), new Http2Settings());
        int id = openSession();
        pair.server.advanceTimeBy(http1.timeouts().body().toNanos() * 3, java.util.concurrent.TimeUnit.NANOSECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertTrue(pair.stream(id).body.isEmpty());
        assertNull(pair.stream(id).reset);
    }
}
