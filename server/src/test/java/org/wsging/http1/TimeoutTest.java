package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.ResetCode;

/** The client timeouts, on the EmbeddedChannel's controlled clock (defaults: head 10 s, idle 5 s, body 30 s). */
class TimeoutTest {

    @Test
    void slowHeadIs408() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\n");
        t.advance(9);
        assertTrue(t.open());
        t.advance(2);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(408, r.status());
        assertEquals("close", r.header("connection"));
        assertFalse(t.open());
        assertTrue(t.dispatcher.streams.isEmpty());
        t.finish();
    }

    @Test
    void silentConnectionIs408AfterTheHeadTimeout() {
        var t = new Http1TestChannel();
        t.advance(11);
        assertEquals(List.of(408), Http1TestChannel.statuses(t.received()));
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void idleKeepAliveConnectionCloses() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        t.advance(20); // the application may take its time: no client clock runs
        assertTrue(t.open());
        t.respond(200, "x", "content-length", "1");
        t.received();
        t.advance(4);
        assertTrue(t.open());
        t.advance(2);
        assertEquals("", t.received(), "an idle close sends nothing");
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void aNewRequestStopsTheIdleClock() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        t.respond(200, "x", "content-length", "1");
        t.advance(4);
        t.send("GET /2 HTTP/1.1\r\n");
        t.advance(4);
        assertTrue(t.open());
        t.send("Host: a\r\n\r\n");
        assertEquals(2, t.dispatcher.streams.size());
        t.finish();
    }

    @Test
    void stalledBodyIs408AndCancelsTheStream() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100);
        t.advance(20);
        t.send("de");
        t.advance(20);
        assertTrue(t.open(), "progress restarted the clock");
        t.advance(11);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(408, r.status());
        assertEquals(ResetCode.CANCEL, s.reset);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void bodyClockPausesWhileTheApplicationHasNotAskedForMore() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        FakeStream s = t.dispatcher.last();
        assertFalse(t.autoRead());
        t.advance(120);
        assertTrue(t.open(), "the server, not the client, is waiting");
        s.listener.onRequestWindow(100);
        t.advance(29);
        assertTrue(t.open());
        t.send("defghij");
        assertEquals("abcdefghij", s.bodyText());
        t.respond(200, "", "content-length", "0");
        t.finish();
    }

    @Test
    void stalledBodyAfterTheResponseStartedAborts() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100);
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("streaming"), false);
        t.advance(31);
        String out = t.received();
        assertEquals(List.of(200), Http1TestChannel.statuses(out), "no 408 after a response head");
        assertFalse(Http1TestChannel.parse(out).get(0).complete());
        assertEquals(ResetCode.CANCEL, s.reset);
        assertFalse(t.open());
        t.finish();
    }
}
