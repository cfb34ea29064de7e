package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;
import org.wsging.config.WebSocketConfig;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.Header;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WebSocketAccept;

/**
 * WebSocket over HTTP/1.1 through the whole pipeline (spec 9.1, 9.3; RFC 6455 section 4): the
 * offer, a refusal, the 101 and the switch to the session's handlers, and frames both ways
 * with the fake dispatcher playing the worker.
 */
class WebSocketUpgradeTest {
    static final String OFFER = "GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: chat.v1, chat.v2\r\nOrigin: https://example.com\r\n\r\n";

    /** The head of the first response in {@code text}, and what follows it. */
    private record Split(Http1TestChannel.Response head, String rest) {}

    private static Split split(String text) {
        int end = text.indexOf("\r\n\r\n");
        assertTrue(end > 0, "no response head in: " + text);
        return new Split(Http1TestChannel.parse(text.substring(0, end + 4)).get(0), text.substring(end + 4));
    }

    /** An accepted session: the 101 is read, WS_OPEN went, the worker granted {@code credit}. */
    private static FakeStream accepted(Http1TestChannel t, int credit) {
        t.send(OFFER);
        FakeStream s = t.dispatcher.last();
        s.listener.onWebSocketAccept(new WebSocketAccept(false, 1000, "chat.v2", List.of()));
        s.listener.onRequestWindow(credit);
        Split r = split(t.received());
        assertEquals(101, r.head().status());
        assertEquals("", r.rest());
        assertEquals(List.of("open "), s.webSocket);
        s.webSocket.clear();
        return s;
    }

    @Test
    void aValidOfferGoesToTheWorkerAsAnOffer() {
        var t = new Http1TestChannel();
        t.send(OFFER);
        FakeStream s = t.dispatcher.last();
        assertTrue(s.head.websocket());
        assertFalse(s.head.hasBody());
        assertEquals("GET", s.head.method());
        assertEquals("/chat", s.head.rawPath());
        assertTrue((s.head.capabilities() & Capabilities.WEBSOCKET) != 0);
        assertTrue(s.head.headers().stream().anyMatch(h -> h.name().toString().equals("Sec-WebSocket-Key")),
                "the handshake fields stay for applications that check them");
        t.finish();
    }

    @Test
    void aRefusalIsAnOrdinaryResponseAndTheConnectionStaysHttp() {
        var t = new Http1TestChannel();
        t.send(OFFER);
        t.respond(403, "no", "content-length", "2");
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(403, r.status());
        assertEquals("no", r.body());
        assertTrue(t.open());
        t.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("/next", t.dispatcher.last().head.rawPath());
        assertFalse(t.dispatcher.last().head.websocket());
        t.respond(200, "", "content-length", "0");
        assertEquals(200, Http1TestChannel.parse(t.received()).get(0).status());
        t.finish();
    }

    @Test
    void anAcceptanceIsAnswered101AndThePipelineTurnsToWebSocket() {
        var t = new Http1TestChannel();
        t.send(OFFER);
        FakeStream s = t.dispatcher.last();
        s.listener.onWebSocketAccept(new WebSocketAccept(false, 1000, "chat.v2",
                List.of(new Header("set-cookie", "sid=1"))));
        Split r = split(t.received());
        assertEquals(101, r.head().status());
        assertEquals("websocket", r.head().header("upgrade"));
        assertEquals("upgrade", r.head().header("connection").toLowerCase());
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.head().header("sec-websocket-accept"));
        assertEquals("chat.v2", r.head().header("sec-websocket-protocol"));
        assertEquals("sid=1", r.head().header("set-cookie"));
        assertNull(r.head().header("sec-websocket-extensions"), "the client offered no compression");
        assertNull(r.head().header("content-length"));
        assertNull(r.head().header("transfer-encoding"));
        assertEquals(List.of("open "), s.webSocket, "WS_OPEN once the 101 is written");

        List<String> names = t.channel.pipeline().names();
        for (String http1 : List.of("codec", "half-close", "timeouts", "validation", "websocket-offer",
                "response-headers", "access-log", "exchange")) {
            assertFalse(names.contains(http1), http1 + " left in " + names);
        }
        assertTrue(names.containsAll(List.of("send-timeout", "ws-keepalive", "ws-session")), names.toString());
        assertEquals(1, t.accessLog.size(), "the 101 is logged, once");
        assertTrue(t.accessLog.get(0).contains("\"GET /chat?room=1 HTTP/1.1\" 101 "), t.accessLog.get(0));
        t.finish();
    }

    @Test
    void messagesTravelBothWays() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        t.send(WebSocketWire.clientText("h\u00e9llo"));
        assertEquals(List.of("message text h\u00c3\u00a9llo"), s.webSocket);
        s.listener.onWebSocketMessage(t.data("from app"), false, false, false);
        List<WebSocketWire.Frame> frames = WebSocketWire.serverFrames(t.received());
        assertEquals(1, frames.size());
        assertEquals(WebSocketWire.BINARY, frames.get(0).opcode());
        assertTrue(frames.get(0).fin());
        assertEquals("from app", frames.get(0).text());
        assertEquals(8, s.responseCredit, "credit back once written");
        t.finish();
    }

    @Test
    void theClientsPingIsAnsweredAndItsPongGoesToTheWorker() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        t.send(WebSocketWire.clientFrame(WebSocketWire.PING, true, "p".getBytes(StandardCharsets.US_ASCII)));
        List<WebSocketWire.Frame> frames = WebSocketWire.serverFrames(t.received());
        assertEquals(WebSocketWire.PONG, frames.get(0).opcode());
        assertEquals("p", frames.get(0).text());
        assertEquals(List.of(), s.webSocket, "the server answers pings itself");
        t.send(WebSocketWire.clientFrame(WebSocketWire.PONG, true, "q".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of("pong q"), s.webSocket);
        t.finish();
    }

    @Test
    void aClientCloseIsEchoedAndReported() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        t.send(WebSocketWire.clientClose(1001, "bye"));
        List<WebSocketWire.Frame> frames = WebSocketWire.serverFrames(t.received());
        assertEquals(WebSocketWire.CLOSE, frames.get(0).opcode());
        assertEquals(1001, frames.get(0).closeCode());
        assertEquals(List.of("close 1001 bye"), s.webSocket);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void anUnmaskedClientFrameIsAProtocolError() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        t.send("\u0081\u0002hi");
        List<WebSocketWire.Frame> frames = WebSocketWire.serverFrames(t.received());
        assertEquals(1002, frames.get(0).closeCode());
        assertEquals(List.of("close 1002"), s.webSocket);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void theWorkersCrashClosesTheSessionWith1011() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        s.listener.onFailure(StreamFailure.WORKER_CRASHED);
        assertEquals(1011, WebSocketWire.serverFrames(t.received()).get(0).closeCode());
        t.send(WebSocketWire.clientClose(1011, ""));
        assertFalse(t.open());
        assertEquals(List.of(), s.webSocket, "a failed stream gets no WS_CLOSE");
        t.finish();
    }

    @Test
    void theWorkersResetClosesTheSessionWith1011() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        s.listener.onReset(ResetCode.INTERNAL_ERROR);
        assertEquals(1011, WebSocketWire.serverFrames(t.received()).get(0).closeCode());
        t.finish();
    }

    @Test
    void noHttpClockRunsOnASession() {
        var t = new Http1TestChannel(Http1Config.DEFAULT,
                new WebSocketConfig(null, Duration.ofSeconds(20), Duration.ofSeconds(5)));
        FakeStream s = accepted(t, 100);
        assertFalse(t.channel.pipeline().names().contains("ws-keepalive"), "pings off");
        t.advance(120);
        assertTrue(t.open(), "no keep-alive, header or request timeout applies");
        assertEquals("", t.received());
        assertEquals(List.of(), s.webSocket);
        t.finish();
    }

    @Test
    void anIdleClientIsPingedThenDroppedAs1006() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        t.advance(20);
        assertEquals(WebSocketWire.PING, WebSocketWire.serverFrames(t.received()).get(0).opcode());
        t.advance(20);
        assertFalse(t.open());
        assertEquals(List.of("close 1006"), s.webSocket);
        t.finish();
    }

    @Test
    void theSessionClosesWith1001WhenTheGracefulTimeoutEnds() {
        var t = new Http1TestChannel();
        FakeStream s = accepted(t, 100);
        t.channel.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        t.channel.runPendingTasks();
        assertTrue(t.open(), "the session runs on during the graceful time");
        t.channel.pipeline().fireUserEventTriggered(GracefulShutdown.DEADLINE);
        assertEquals(1001, WebSocketWire.serverFrames(t.received()).get(0).closeCode());
        assertEquals(List.of("close 1001"), s.webSocket);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void aSubprotocolTheClientDidNotOfferIs500() {
        var t = new Http1TestChannel();
        t.send(OFFER);
        FakeStream s = t.dispatcher.last();
        s.listener.onWebSocketAccept(new WebSocketAccept(false, 1, "chat.v3", List.of()));
        assertEquals(500, Http1TestChannel.parse(t.received()).get(0).status());
        assertEquals(ResetCode.PROTOCOL_ERROR, s.reset);
        assertEquals(List.of(), s.webSocket);
        assertTrue(t.channel.pipeline().names().contains("exchange"), "still HTTP/1.1");
        t.finish();
    }

    @Test
    void anAcceptanceOfNoOfferIs500() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        t.dispatcher.last().listener.onInvalidResponse("WS_ACCEPT on a stream that was not a WebSocket offer");
        assertEquals(500, Http1TestChannel.parse(t.received()).get(0).status());
        t.finish();
    }

    @Test
    void requestsPipelinedBehindARefusedOfferAreServedAfterIt() {
        var t = new Http1TestChannel();
        t.send(OFFER + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(1, t.dispatcher.streams.size(), "what follows an offer waits for its answer");
        assertFalse(t.autoRead(), "and nothing more is read meanwhile");
        t.respond(404, "", "content-length", "0");
        assertEquals(2, t.dispatcher.streams.size());
        assertEquals("/after", t.dispatcher.last().head.rawPath());
        t.respond(200, "ok", "content-length", "2");
        assertEquals(List.of(404, 200), Http1TestChannel.statuses(t.received()));
        assertTrue(t.autoRead());
        t.finish();
    }

    @Test
    void bytesPipelinedBehindAnAcceptedOfferAreFrames() {
        var t = new Http1TestChannel();
        t.send(OFFER + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(1, t.dispatcher.streams.size(), "an offer never runs early, nor what follows it");
        FakeStream s = t.dispatcher.last();
        s.listener.onWebSocketAccept(new WebSocketAccept(false, 100, null, List.of()));
        Split r = split(t.received());
        assertEquals(101, r.head().status());
        assertEquals(1002, WebSocketWire.serverFrames(r.rest()).get(0).closeCode(), "after a 101, HTTP is no frame");
        assertEquals(1, t.dispatcher.streams.size());
        assertFalse(t.open());
        t.finish();
    }

    // ---- malformed offers never reach the application (spec 9.1)

    private static void refused(String request, int status) {
        var t = new Http1TestChannel();
        t.send(request);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(status, r.status(), request);
        assertTrue(t.dispatcher.streams.isEmpty());
        if (status == 426) {
            assertEquals("13", r.header("sec-websocket-version"));
        }
        assertEquals("close", r.header("connection"));
        t.finish();
    }

    @Test
    void malformedOffersAreAnsweredByTheServer() {
        refused(OFFER.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), 400);
        refused(OFFER.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="), 400);
        refused(OFFER.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"), 426);
        refused(OFFER.replace("Sec-WebSocket-Version: 13\r\n", ""), 426);
        refused(OFFER.replace("GET ", "POST "), 400);
        refused(OFFER.replace("HTTP/1.1", "HTTP/1.0"), 400);
        refused(OFFER.replace("Origin:", "Content-Length: 2\r\nOrigin:") + "ab", 400);
    }

    @Test
    void whatFollowsAMalformedOfferIsReadAndDropped() {
        var t = new Http1TestChannel();
        t.send(OFFER.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 7")
                + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n" + "x".repeat(10_000));
        assertEquals(List.of(426), Http1TestChannel.statuses(t.received()));
        assertTrue(t.dispatcher.streams.isEmpty(), "nothing after a refused handshake is served");
        t.finish();
    }

    @Test
    void garbageAfterARefusedOfferIsAnsweredAsHttp() {
        var t = new Http1TestChannel();
        t.send(OFFER + "\u0081\u0085 not a request\r\n\r\n");
        t.respond(403, "", "content-length", "0");
        t.channel.runPendingTasks();
        assertEquals(List.of(403, 400), Http1TestChannel.statuses(t.received()));
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void withoutConnectionUpgradeItIsAnOrdinaryRequest() {
        var t = new Http1TestChannel();
        t.send(OFFER.replace("Connection: Upgrade", "Connection: keep-alive"));
        assertFalse(t.dispatcher.last().head.websocket());
        t.finish();
    }

    @Test
    void http10RequestsHaveNoWebSocketCapability() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.0\r\n\r\n");
        assertEquals(0, t.dispatcher.last().head.capabilities() & Capabilities.WEBSOCKET);
        t.finish();
    }

    @Test
    void bytesReadWithTheOfferReachTheFrameLayer() {
        var t = new Http1TestChannel();
        t.send(OFFER);
        FakeStream s = t.dispatcher.last();
        // A client that sends a frame before the 101 (RFC 6455 section 4.1 says it must wait):
        // its bytes stay undecoded in the HTTP decoder until the switch hands them on.
        t.channel.writeInbound(Unpooled.copiedBuffer(WebSocketWire.clientText("early"), StandardCharsets.ISO_8859_1));
        s.listener.onWebSocketAccept(new WebSocketAccept(false, 100, null, List.of()));
        s.listener.onRequestWindow(100);
        t.channel.runPendingTasks();
        assertNotNull(split(t.received()).head());
        assertEquals(List.of("open ", "message text early"), s.webSocket);
        t.finish();
    }
}
