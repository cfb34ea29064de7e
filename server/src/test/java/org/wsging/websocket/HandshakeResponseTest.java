package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.Header;
import org.wsging.exchange.WebSocketAccept;

/** The 101 of an accepted offer (RFC 6455 section 4.2.2, spec 9.3). */
class HandshakeResponseTest {
    private static final Offer OFFER = Offer.of(List.of(new Header("Host", "x"),
            new Header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            new Header("Sec-WebSocket-Protocol", "chat.v1, chat.v2"), new Header("sec-websocket-protocol", "json"),
            new Header("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")));

    @Test
    void theAcceptKeyIsTheRfcsExample() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", HandshakeResponse.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void theOfferListsSubprotocolsInClientOrderAndExtensionsAsReceived() {
        assertEquals(List.of("chat.v1", "chat.v2", "json"), OFFER.subprotocols());
        assertEquals(List.of("permessage-deflate; client_max_window_bits"), OFFER.extensions());
        assertEquals("dGhlIHNhbXBsZSBub25jZQ==", OFFER.key());
    }

    @Test
    void theResponseCarriesTheHandshakeFieldsThenTheExtraOnes() throws Exception {
        HandshakeResponse r = HandshakeResponse.of(OFFER, new WebSocketAccept(false, 4096, "chat.v2",
                List.of(new Header("set-cookie", "sid=1"), new Header("X-Trace", " t "))));
        assertEquals(101, r.response().status().code());
        HttpHeaders h = r.response().headers();
        assertEquals("websocket", h.get("upgrade"));
        assertEquals("upgrade", h.get("connection").toLowerCase());
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", h.get("sec-websocket-accept"));
        assertEquals("chat.v2", h.get("sec-websocket-protocol"));
        assertFalse(h.contains("sec-websocket-extensions"));
        assertEquals("sid=1", h.get("set-cookie"));
        assertEquals("t", h.get("x-trace"), "values lose surrounding space, as every response field's");
        assertEquals("", r.extensions());
        assertEquals(4096, r.frames().maxMessageSize());
        assertNull(r.frames().deflate());
        r.response().release();
    }

    @Test
    void withoutASubprotocolNoneIsNamed() throws Exception {
        HandshakeResponse r = HandshakeResponse.of(OFFER, new WebSocketAccept(true, 1, null, List.of()));
        assertFalse(r.response().headers().contains("sec-websocket-protocol"));
        r.response().release();
    }

    @Test
    void negotiatedCompressionIsNamedInTheResponseAndGivenToTheFrameLayer() throws Exception {
        HandshakeResponse allowed = HandshakeResponse.of(OFFER, new WebSocketAccept(true, 1, null, List.of()));
        String header = allowed.response().headers().get("sec-websocket-extensions");
        assertEquals(allowed.extensions().isEmpty() ? null : allowed.extensions(), header);
        assertEquals(allowed.frames().deflate() == null, allowed.extensions().isEmpty());
        allowed.response().release();
        HandshakeResponse refused = HandshakeResponse.of(OFFER, new WebSocketAccept(false, 1, null, List.of()));
        assertNull(refused.frames().deflate(), "the application did not allow compression");
        assertEquals("", refused.extensions());
        refused.response().release();
    }

    @Test
    void aSubprotocolTheClientDidNotOfferIsRefused() {
        assertThrows(HandshakeResponse.InvalidAcceptance.class,
                () -> HandshakeResponse.of(OFFER, new WebSocketAccept(false, 1, "chat.v3", List.of())));
        Offer none = Offer.of(List.of(new Header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")));
        assertThrows(HandshakeResponse.InvalidAcceptance.class,
                () -> HandshakeResponse.of(none, new WebSocketAccept(false, 1, "chat.v1", List.of())));
    }

    @Test
    void anInvalidExtraFieldIsRefused() {
        assertThrows(HandshakeResponse.InvalidAcceptance.class, () -> HandshakeResponse.of(OFFER,
                new WebSocketAccept(false, 1, null, List.of(new Header("bad name", "x")))));
        assertThrows(HandshakeResponse.InvalidAcceptance.class, () -> HandshakeResponse.of(OFFER,
                new WebSocketAccept(false, 1, null, List.of(new Header("x-a", "line\r\nbreak")))));
    }

    @Test
    void theServersOwnFieldsAreNotTakenFromTheApplication() throws Exception {
        HandshakeResponse r = HandshakeResponse.of(OFFER, new WebSocketAccept(false, 1, null, List.of(
                new Header("Sec-WebSocket-Accept", "forged"), new Header("Connection", "close"),
                new Header("Content-Length", "5"), new Header("Sec-WebSocket-Extensions", "x-made-up"))));
        HttpHeaders h = r.response().headers();
        assertEquals(List.of("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), h.getAll("sec-websocket-accept"));
        assertEquals(List.of("upgrade"), h.getAll("connection"));
        assertFalse(h.contains("content-length"));
        assertFalse(h.contains("sec-websocket-extensions"));
        r.response().release();
    }

    @Test
    void anOfferNeedsItsKey() {
        assertThrows(IllegalArgumentException.class, () -> Offer.of(List.of(new Header("Host", "x"))));
    }
}
