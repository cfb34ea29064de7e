package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.ResetCode;

/**
 * Response fields from the worker go out under the rules of FieldRules (spec 7.2, MUST-RESP-14),
 * the same rules as the Python API's: whitespace around a value is removed, a control character
 * or a malformed content-length turns the head into a 500.
 */
class ResponseFieldsTest {
    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void valuesAreSentWithoutTheWhitespaceAroundThem() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        t.respond(s, 200, "ok", "Set-Cookie", " csrftoken=abc; Path=/", "X-Padded", "\tpadded \t", "content-length", " 2 ");
        String out = t.received();
        assertTrue(out.contains("\r\nSet-Cookie: csrftoken=abc; Path=/\r\n"), out);
        assertTrue(out.contains("\r\nX-Padded: padded\r\n"), out);
        var response = Http1TestChannel.parse(out).get(0);
        assertEquals(200, response.status());
        assertEquals("ok", response.body());
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void aControlCharacterInAValueIs500() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("x-ctl", "bell\u0007"), true);
        String out = t.received();
        assertEquals(List.of(500), Http1TestChannel.statuses(out));
        assertFalse(out.contains("bell"), out);
        assertEquals(ResetCode.PROTOCOL_ERROR, s.reset);
        t.finish();
    }

    @Test
    void aContentLengthThatIsNotOneNumberIs500() {
        for (String length : List.of("abc", "5, 5", "+5", "-1")) {
            var t = new Http1TestChannel();
            t.send(GET);
            FakeStream s = t.dispatcher.last();
            s.listener.onResponse(200, Http1TestChannel.headers("content-length", length), false);
            assertEquals(List.of(500), Http1TestChannel.statuses(t.received()), length);
            assertEquals(ResetCode.PROTOCOL_ERROR, s.reset, length);
            t.finish();
        }
    }

    @Test
    void trailerValuesFollowTheSameRules() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("body"), false);
        s.listener.onTrailers(Http1TestChannel.headers("x-checksum", " abc ", "x-bad", "a\u0001b"));
        String out = t.received();
        assertTrue(out.contains("\r\nx-checksum: abc\r\n"), out);
        assertFalse(out.contains("x-bad"), out);
        t.finish();
    }
}
