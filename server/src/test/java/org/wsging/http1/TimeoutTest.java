package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;
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

    private static Http1Config timeouts(long bodyMinRate, Duration request) {
        var d = Http1Config.Timeouts.DEFAULT;
        return new Http1Config(Http1Config.Limits.DEFAULT,
                new Http1Config.Timeouts(d.header(), d.keepAlive(), d.body(), bodyMinRate, d.send(), request));
    }

    @Test
    void stalledBodyIs408AndCancelsTheStream() {
        var t = new Http1TestChannel(timeouts(0, null)); // the idle rule alone
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

    @Test
    void tricklingBodyBelowTheMinimumRateIs408() {
        var t = new Http1TestChannel(); // defaults: 30 s, then 500 bytes/s
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100000);
        // 500 bytes every 2 s: never idle for the body timeout, but 250 bytes/s on average.
        for (int second = 0; second < 36; second += 2) {
            assertTrue(t.open(), "still open at " + second + " s");
            t.send("x".repeat(500));
            t.advance(2);
        }
        // 30 s + 9,000 bytes / 500 bytes/s = 48 s.
        t.advance(11);
        assertTrue(t.open(), "the bytes received earned their time");
        t.advance(2);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(408, r.status());
        assertTrue(r.body().contains("too slowly"), r.body());
        assertEquals(ResetCode.CANCEL, s.reset);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void bodyAtTheMinimumRateIsNotCutOff() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 60000\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100000);
        for (int second = 0; second < 100; second++) {
            t.send("x".repeat(600));
            t.advance(1);
            assertTrue(t.open(), "600 bytes/s is above the minimum, at " + second + " s");
        }
        assertEquals(60000, s.bodyText().length());
        t.respond(200, "", "content-length", "0");
        assertEquals(List.of(200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void timeTheServerDoesNotReadDoesNotCountAgainstTheRate() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(1000);
        t.send("x".repeat(1000));
        assertFalse(t.autoRead(), "out of credit");
        t.advance(200); // the application takes its time
        s.listener.onRequestWindow(19000);
        for (int second = 0; second < 19; second++) {
            t.send("x".repeat(1000));
            t.advance(1);
        }
        assertTrue(t.open());
        assertEquals(20000, s.bodyText().length());
        t.respond(200, "", "content-length", "0");
        t.finish();
    }

    @Test
    void requestTimeoutBeforeTheHeadIs504AndCancelsTheStream() {
        var t = new Http1TestChannel(timeouts(0, Duration.ofSeconds(60)));
        t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        t.advance(59);
        assertEquals("", t.received());
        t.advance(2);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(504, r.status());
        assertTrue(r.complete());
        assertEquals(ResetCode.CANCEL, s.reset);
        assertTrue(t.open(), "the request was complete: the connection stays usable");
        // the next request gets its own time
        t.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        t.advance(50);
        t.respond(200, "ok", "content-length", "2");
        assertEquals(List.of(200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void requestTimeoutAfterTheHeadAbortsTheResponse() {
        var t = new Http1TestChannel(timeouts(0, Duration.ofSeconds(60)));
        t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("part"), false);
        t.advance(61);
        String out = t.received();
        assertEquals(List.of(200), Http1TestChannel.statuses(out));
        assertFalse(Http1TestChannel.parse(out).get(0).complete(), "cut short, never made to look whole");
        assertEquals(ResetCode.CANCEL, s.reset);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void pipelinedRequestTimeIsCountedFromItsTurn() {
        var t = new Http1TestChannel(timeouts(0, Duration.ofSeconds(60)));
        t.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        t.advance(50);
        t.respond(t.dispatcher.streams.get(0), 200, "1", "content-length", "1");
        t.advance(50); // 100 s after the second arrived, 50 s after its turn came
        t.respond(t.dispatcher.streams.get(1), 200, "2", "content-length", "1");
        assertEquals(List.of(200, 200), Http1TestChannel.statuses(t.received()));
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void noRequestTimeoutByDefault() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        t.advance(3600);
        assertEquals("", t.received());
        assertTrue(t.open());
        t.respond(200, "late", "content-length", "4");
        assertEquals(List.of(200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }
}
