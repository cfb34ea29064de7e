package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.wsging.exchange.Header;

/** RFC 6455 section 4.2.1 and spec 9.1: what is an offer, and how a malformed one is answered. */
class HandshakeValidatorTest {
    private static HttpRequest offer() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
        r.headers().add("Host", "example.com").add("Upgrade", "websocket").add("Connection", "Upgrade")
                .add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").add("Sec-WebSocket-Version", "13");
        return r;
    }

    @Test
    void aCompleteOfferIsValid() {
        assertTrue(HandshakeValidator.isOffer(offer().headers()));
        assertNull(HandshakeValidator.check(offer()));
    }

    @Test
    void tokensAreFoundInListsWithoutRegardToCase() {
        HttpRequest r = offer();
        r.headers().set("Upgrade", "WebSocket").set("Connection", "keep-alive, UPGRADE");
        assertTrue(HandshakeValidator.isOffer(r.headers()));
        assertNull(HandshakeValidator.check(r));
    }

    @ParameterizedTest
    @CsvSource({"Upgrade,", "Connection,", "Connection,keep-alive", "Upgrade,h2c"})
    void withoutBothUpgradeAndConnectionItIsAnOrdinaryRequest(String name, String value) {
        HttpRequest r = offer();
        if (value == null) {
            r.headers().remove(name);
        } else {
            r.headers().set(name, value);
        }
        assertFalse(HandshakeValidator.isOffer(r.headers()));
        assertNull(HandshakeValidator.check(r), "not an offer: no refusal either");
    }

    @Test
    void http10IsRefused() {
        HttpRequest r = offer();
        r.setProtocolVersion(HttpVersion.HTTP_1_0);
        assertEquals(400, HandshakeValidator.check(r).status().code());
    }

    @Test
    void aMethodOtherThanGetIsRefused() {
        HttpRequest r = offer();
        r.setMethod(HttpMethod.POST);
        assertEquals(400, HandshakeValidator.check(r).status().code());
    }

    @Test
    void aBodyIsRefused() {
        HttpRequest withLength = offer();
        withLength.headers().set("Content-Length", "3");
        assertEquals(400, HandshakeValidator.check(withLength).status().code());
        HttpRequest chunked = offer();
        chunked.headers().set("Transfer-Encoding", "chunked");
        assertEquals(400, HandshakeValidator.check(chunked).status().code());
        HttpRequest empty = offer();
        empty.headers().set("Content-Length", "0");
        assertNull(HandshakeValidator.check(empty), "Content-Length: 0 is no body");
    }

    @ParameterizedTest
    @CsvSource(value = {"NONE", "8", "12", "14", "'13, 8'", "abc"}, nullValues = "NONE")
    void anotherVersionIs426WithTheOneSpoken(String version) {
        HttpRequest r = offer();
        r.headers().remove("Sec-WebSocket-Version");
        if (version != null) {
            r.headers().add("Sec-WebSocket-Version", version);
        }
        HandshakeValidator.Refusal refusal = HandshakeValidator.check(r);
        assertEquals(426, refusal.status().code());
        assertEquals(List.of(new Header(io.netty.handler.codec.http.HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13")),
                refusal.headers());
    }

    @Test
    void twoVersionFieldsAre426() {
        HttpRequest r = offer();
        r.headers().add("Sec-WebSocket-Version", "13");
        assertEquals(426, HandshakeValidator.check(r).status().code());
    }

    @ParameterizedTest
    @CsvSource(value = {"NONE", "''", "abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ===",
            "dGhlIHNhbXBsZSBub25jZXg=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "dGhlIHNhbXBsZSBub25j*Q=="},
            nullValues = "NONE")
    void aMissingOrMalformedKeyIs400(String key) {
        HttpRequest r = offer();
        r.headers().remove("Sec-WebSocket-Key");
        if (key != null) {
            r.headers().add("Sec-WebSocket-Key", key);
        }
        assertEquals(400, HandshakeValidator.check(r).status().code(), String.valueOf(key));
    }

    @Test
    void twoKeysAre400() {
        HttpRequest r = offer();
        r.headers().add("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==");
        assertEquals(400, HandshakeValidator.check(r).status().code());
    }
}
