package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.FakeDispatcher;

/** Small body pieces decoded from one read go to the worker as one piece; large ones pass as they are. */
class RequestBodyCoalescingTest {

    private static final String HEAD = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    @Test
    void oneByteChunksOfOneReadBecomeOnePiece() {
        var t = new Http1TestChannel();
        t.send(HEAD);
        FakeDispatcher.FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(1 << 20);
        t.send("1\r\na\r\n".repeat(1000) + "3;x=y\r\nbcd\r\n");
        t.send("1\r\ne\r\n".repeat(10) + "0\r\nX-T: 1\r\n\r\n");
        assertEquals(List.of(1003, 10), s.dataSizes);
        assertEquals("a".repeat(1000) + "bcd" + "e".repeat(10), s.bodyText());
        assertEquals(1, s.trailers.size());
        t.respond(200, "ok", "content-length", "2");
        assertEquals(List.of(200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void largePiecesAreNotCopiedTogether() {
        var t = new Http1TestChannel();
        t.send(HEAD);
        FakeDispatcher.FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(1 << 20);
        String big = "b".repeat(RequestDecoderLimits.COALESCE_BELOW);
        t.send("2\r\nab\r\n" + Integer.toHexString(big.length()) + "\r\n" + big + "\r\n1\r\nc\r\n0\r\n\r\n");
        assertEquals(List.of(2, big.length(), 1), s.dataSizes.subList(0, 3));
        assertTrue(s.ended);
        t.finish();
    }

    @Test
    void mergingStopsAtTheEndOfTheBodyAndThePipelinedRequestIsItsOwn() {
        var t = new Http1TestChannel();
        t.send(HEAD + "1\r\na\r\n1\r\nb\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        FakeDispatcher.FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100);
        assertEquals("ab", s.bodyText());
        t.respond(200, "ok", "content-length", "2");
        assertEquals(2, t.dispatcher.streams.size());
        assertEquals("/next", t.dispatcher.last().head.rawPath());
        t.respond(200, "ok", "content-length", "2");
        assertEquals(List.of(200, 200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    /** The threshold, from the decoder. */
    private static final class RequestDecoderLimits {
        static final int COALESCE_BELOW = Http1RequestDecoder.COALESCE_BELOW;
    }
}
