package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;

/** Requests through the whole pipeline to a fake worker and back. */
class ExchangeTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void simpleGetBuildsTheRequestHeadAndKeepsTheConnection() {
        var t = new Http1TestChannel();
        t.send("GET /a%20b/../c?q=%41&x HTTP/1.1\r\nHost: example\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Forwarded-For: z\r\n\r\n");
        RequestHead head = t.dispatcher.last().head;
        assertEquals("GET", head.method());
        assertEquals("/a%20b/../c", head.rawPath());
        assertEquals("q=%41&x", head.rawQuery());
        assertEquals(HttpVersion.HTTP_1_1, head.version());
        assertEquals("http", head.scheme());
        assertFalse(head.hasBody());
        assertFalse(head.expectContinue());
        assertEquals(0, head.contentLength());
        // WEBSOCKET: HTTP/1.1 can carry sessions (the link clears it for a worker that cannot)
        assertEquals(Capabilities.EARLY_HINTS | Capabilities.WEBSOCKET, head.capabilities());
        assertFalse(head.websocket(), "not an offer");
        assertEquals(List.of("Host", "X-Dup", "x-dup", "X-Forwarded-For"),
                head.headers().stream().map(h -> h.name().toString()).toList());
        assertEquals("2", head.headers().get(2).value().toString());

        t.respond(200, "hi", "content-type", "text/plain", "content-length", "2");
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(200, r.status());
        assertEquals("hi", r.body());
        assertNotNull(r.header("date"));
        assertEquals("wsging", r.header("server"));
        assertNull(r.header("connection"));
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void absoluteFormTargetsGiveThePath() {
        var t = new Http1TestChannel();
        t.send("GET http://example.com/p/a?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals("/p/a", t.dispatcher.last().head.rawPath());
        assertEquals("x=1", t.dispatcher.last().head.rawQuery());
        t.respond(204, "");
        t.send("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals("/", t.dispatcher.last().head.rawPath());
        t.respond(200, "", "content-length", "0");
        t.finish();
    }

    @Test
    void noContentLengthOnHttp11IsChunked() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("abc"), false);
        s.listener.onData(t.data("de"), true);
        String out = t.received();
        assertTrue(out.endsWith("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), out);
        var r = Http1TestChannel.parse(out).get(0);
        assertEquals("chunked", r.header("transfer-encoding"));
        assertEquals("abcde", r.body());
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void responseWindowIsGrantedWhenWritesComplete() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("abcd"), false);
        t.received();
        assertEquals(4, s.responseCredit);
        s.listener.onData(t.data("xyz"), true);
        t.finish();
    }

    @Test
    void emptyResponseGetsContentLengthZero() {
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onResponse(200, List.of(), true);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals("0", r.header("content-length"));
        t.finish();
    }

    @Test
    void http10WithoutLengthIsCloseDelimited() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.0\r\n\r\n");
        assertEquals(HttpVersion.HTTP_1_0, t.dispatcher.last().head.version());
        assertEquals(0, t.dispatcher.last().head.capabilities());
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("abc"), true);
        String out = t.received();
        var r = Http1TestChannel.parse(out).get(0);
        assertNull(r.header("transfer-encoding"));
        assertEquals("close", r.header("connection"));
        assertEquals("abc", r.body());
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void http10KeepAliveOnlyWhenAsked() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        t.respond(200, "abc", "content-length", "3");
        assertEquals("keep-alive", Http1TestChannel.parse(t.received()).get(0).header("connection"));
        assertTrue(t.open());
        t.send("GET / HTTP/1.0\r\n\r\n");
        t.respond(200, "abc", "content-length", "3");
        assertEquals("close", Http1TestChannel.parse(t.received()).get(0).header("connection"));
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void http10GetsNoInformationalResponses() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.0\r\n\r\n");
        t.dispatcher.last().listener.onInformational(103, Http1TestChannel.headers("link", "</a>; rel=preload"));
        t.respond(200, "x", "content-length", "1");
        assertEquals(List.of(200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void earlyHintsOnHttp11() {
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onInformational(103, Http1TestChannel.headers("link", "</a>; rel=preload"));
        t.respond(200, "x", "content-length", "1");
        var rs = Http1TestChannel.parse(t.received());
        assertEquals(List.of(103, 200), rs.stream().map(Http1TestChannel.Response::status).toList());
        assertEquals("</a>; rel=preload", rs.get(0).header("link"));
        t.finish();
    }

    @Test
    void connectionCloseFromTheClient() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        t.respond(200, "x", "content-length", "1");
        assertEquals("close", Http1TestChannel.parse(t.received()).get(0).header("connection"));
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void connectionCloseFromTheApplication() {
        var t = new Http1TestChannel();
        t.send(GET);
        t.respond(200, "x", "content-length", "1", "Connection", "close", "Transfer-Encoding", "gzip");
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals("close", r.header("connection"));
        assertNull(r.header("transfer-encoding"), "hop-by-hop field from the application");
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void headKeepsContentLengthAndSendsNoBody() {
        var t = new Http1TestChannel();
        t.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("HEAD", t.dispatcher.streams.get(0).head.method());
        t.respond(t.dispatcher.streams.get(0), 200, "hello", "content-length", "5");
        t.respond(t.dispatcher.streams.get(1), 200, "world", "content-length", "5");
        String out = t.received();
        var rs = Http1TestChannel.parse(out, true, false);
        assertEquals(2, rs.size(), out);
        assertEquals("5", rs.get(0).header("content-length"));
        assertEquals("world", rs.get(1).body());
        assertFalse(out.contains("hello"));
        t.finish();
    }

    @Test
    void headWithStreamedBodySendsNeitherBodyNorChunks() {
        var t = new Http1TestChannel();
        t.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("abc"), false);
        s.listener.onData(t.data("def"), true);
        String out = t.received();
        assertTrue(out.endsWith("\r\n\r\n") && !out.contains("abc") && !out.contains("0\r\n\r\n"), out);
        assertEquals(3, s.responseCredit, "the application must not stall on an unsent HEAD body");
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void pipelinedGetsRunEarlyButAreAnsweredInOrder() {
        var t = new Http1TestChannel();
        t.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(3, t.dispatcher.streams.size(), "bodiless GET and HEAD go to the worker at once");
        assertTrue(t.autoRead(), "nothing waits unstarted: keep reading");
        FakeStream first = t.dispatcher.streams.get(0);
        FakeStream second = t.dispatcher.streams.get(1);
        FakeStream third = t.dispatcher.streams.get(2);
        // The later answers come first: they are held until their turn.
        third.listener.onResponse(200, Http1TestChannel.headers("content-length", "5"), false);
        third.listener.onData(t.data("three"), true);
        second.listener.onResponse(200, List.of(), false); // chunked
        second.listener.onData(t.data("two"), false);
        assertEquals("", t.received(), "nothing overtakes the first response");
        first.listener.onResponse(200, Http1TestChannel.headers("content-length", "3"), false);
        first.listener.onData(t.data("one"), true);
        var responses = Http1TestChannel.parse(t.received(), false, false, true);
        assertEquals(List.of("one", "two"), responses.stream().map(Http1TestChannel.Response::body).toList());
        assertFalse(responses.get(1).complete(), "the second response is still streaming");
        assertEquals(3, second.responseCredit, "credit for what reached the client");
        second.listener.onData(t.data("!"), true);
        String rest = t.received();
        String lastChunk = "1\r\n!\r\n0\r\n\r\n";
        assertTrue(rest.startsWith(lastChunk), "the second response ends: " + rest);
        var head = Http1TestChannel.parse(rest.substring(lastChunk.length()), true);
        assertEquals(1, head.size(), "then the held HEAD answer, without its body");
        assertEquals("5", head.get(0).header("content-length"));
        assertEquals("/1", first.head.rawPath());
        assertEquals("/3", third.head.rawPath());
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void pipelinedRequestsWithBodiesWaitTheirTurnWithBoundedReadAhead() {
        var t = new Http1TestChannel();
        t.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx"
                + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(1, t.dispatcher.streams.size(), "a request with a body is not started early, nor what follows");
        assertFalse(t.autoRead(), "stops reading while requests wait");
        t.respond(200, "one", "content-length", "3");
        assertEquals(2, t.dispatcher.streams.size());
        assertEquals("/2", t.dispatcher.last().head.rawPath());
        t.dispatcher.last().listener.onRequestWindow(10);
        assertEquals("x", t.dispatcher.last().bodyText());
        t.respond(200, "two", "content-length", "3");
        assertEquals("/3", t.dispatcher.last().head.rawPath());
        assertTrue(t.autoRead());
        t.respond(200, "three", "content-length", "5");
        var bodies = Http1TestChannel.parse(t.received()).stream().map(Http1TestChannel.Response::body).toList();
        assertEquals(List.of("one", "two", "three"), bodies);
        t.finish();
    }

    @Test
    void readAheadStopsAtTheEarlyLimit() {
        var t = new Http1TestChannel();
        String get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        t.send(get.repeat(Http1ExchangeHandler.MAX_EARLY + 3));
        assertEquals(Http1ExchangeHandler.MAX_EARLY + 1, t.dispatcher.streams.size(),
                "the one being answered and MAX_EARLY more");
        assertFalse(t.autoRead());
        for (int i = 0; i < Http1ExchangeHandler.MAX_EARLY + 3; i++) {
            t.dispatcher.streams.get(i).listener.onResponse(200, Http1TestChannel.headers("content-length", "1"), false);
            t.dispatcher.streams.get(i).listener.onData(t.data("x"), true);
        }
        assertEquals(Http1ExchangeHandler.MAX_EARLY + 3, Http1TestChannel.parse(t.received()).size());
        assertTrue(t.autoRead());
        t.finish();
    }

    @Test
    void earlyExchangesAreCancelledWhenTheConnectionEnds() {
        var t = new Http1TestChannel();
        t.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        FakeStream second = t.dispatcher.streams.get(1);
        FakeStream third = t.dispatcher.streams.get(2);
        third.listener.onResponse(200, Http1TestChannel.headers("content-length", "5"), false);
        third.listener.onData(t.data("three"), true); // held, then released unsent
        FakeStream first = t.dispatcher.streams.get(0);
        first.listener.onResponse(200, Http1TestChannel.headers("content-length", "3", "connection", "close"), false);
        first.listener.onData(t.data("one"), true);
        assertEquals(ResetCode.CANCEL, second.reset, "its answer will never be read");
        assertEquals(null, third.reset, "it had ended already");
        assertEquals(1, Http1TestChannel.parse(t.received()).size());
        t.finish();
    }

    @Test
    void requestBodyOnlyWithinCredit() {
        var t = new Http1TestChannel();
        t.send("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n0123456789");
        FakeStream s = t.dispatcher.last();
        assertTrue(s.head.hasBody());
        assertEquals(12, s.head.contentLength());
        assertEquals(0, s.body.size(), "no credit yet");
        assertFalse(t.autoRead(), "stops reading while out of credit");
        s.listener.onRequestWindow(4);
        assertEquals("0123", s.bodyText());
        assertFalse(s.ended);
        assertFalse(t.autoRead());
        s.listener.onRequestWindow(100);
        assertEquals("0123456789", s.bodyText());
        assertFalse(s.ended);
        assertTrue(t.autoRead(), "credit left: read the rest");
        t.send("ab");
        assertEquals("0123456789ab", s.bodyText());
        assertTrue(s.ended);
        t.respond(200, "ok", "content-length", "2");
        assertEquals(200, Http1TestChannel.parse(t.received()).get(0).status());
        t.finish();
    }

    @Test
    void readingResumesWhenCreditArrives() {
        var t = new Http1TestChannel();
        t.send("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(3);
        assertTrue(t.autoRead(), "credit and nothing buffered: read");
        t.send("abcdef");
        assertEquals("abc", s.bodyText());
        assertFalse(t.autoRead(), "out of credit with bytes buffered");
        s.listener.onRequestWindow(5);
        assertEquals("abcdef", s.bodyText());
        assertTrue(t.autoRead());
        t.send("gh");
        assertEquals("abcdefgh", s.bodyText());
        assertTrue(s.ended);
        t.respond(200, "", "content-length", "0");
        t.finish();
    }

    @Test
    void chunkedRequestWithTrailers() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        assertEquals(-1, s.head.contentLength());
        assertTrue((s.head.capabilities() & Capabilities.REQUEST_TRAILERS) != 0);
        s.listener.onRequestWindow(65536);
        assertEquals("abcde", s.bodyText());
        assertEquals(List.of(new Header("X-Sum", "5")),
                s.trailers.stream().map(h -> new Header(h.name().toString(), h.value().toString())).toList());
        t.respond(200, "", "content-length", "0");
        t.finish();
    }

    @Test
    void responseTrailersWhenTheClientAcceptsThem() {
        var t = new Http1TestChannel();
        t.send("GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        assertTrue((s.head.capabilities() & Capabilities.RESPONSE_TRAILERS) != 0);
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("x"), false);
        s.listener.onTrailers(Http1TestChannel.headers("grpc-status", "0"));
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertTrue(r.complete());
        assertEquals("grpc-status: 0\r\n", r.trailers());
        t.finish();
    }

    @Test
    void responseTrailersDroppedWithoutTE() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        assertEquals(0, s.head.capabilities() & Capabilities.RESPONSE_TRAILERS);
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("x"), false);
        s.listener.onTrailers(Http1TestChannel.headers("grpc-status", "0"));
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertTrue(r.complete());
        assertEquals("", r.trailers());
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void expectContinueIsSentOnTheFirstWindow() {
        var t = new Http1TestChannel();
        t.send("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        assertTrue(s.head.expectContinue());
        assertEquals("", t.received(), "no 100 before the application reads");
        s.listener.onRequestWindow(65536);
        assertEquals(List.of(100), Http1TestChannel.statuses(t.received()));
        t.send("hello");
        assertEquals("hello", s.bodyText());
        s.listener.onRequestWindow(5);
        t.respond(201, "", "content-length", "0");
        assertEquals(List.of(201), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    private static void writable(Http1TestChannel t, boolean writable) {
        // What the transport does when the queued output crosses the water marks.
        t.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        t.channel.runPendingTasks();
    }

    @Test
    void aClientThatDoesNotReadStopsReadingAndStartingRequests() {
        var t = new Http1TestChannel();
        t.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(t.autoRead());
        writable(t, false);
        assertFalse(t.autoRead(), "no more requests are read while the client reads nothing");
        // Already received: a pipelined GET that would otherwise start early, and a DELETE.
        t.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\nDELETE /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(1, t.dispatcher.streams.size(), "nothing starts early while unwritable");
        t.respond(t.dispatcher.streams.get(0), 200, "1", "content-length", "1");
        assertEquals(1, t.dispatcher.streams.size(), "nor in its turn");
        assertFalse(t.autoRead());
        writable(t, true);
        assertEquals(2, t.dispatcher.streams.size(), "the client reads again: the next one starts");
        t.respond(t.dispatcher.streams.get(1), 200, "2", "content-length", "1");
        assertEquals(3, t.dispatcher.streams.size());
        t.respond(t.dispatcher.streams.get(2), 200, "3", "content-length", "1");
        assertEquals(List.of(200, 200, 200), Http1TestChannel.statuses(t.received()));
        assertTrue(t.autoRead());
        t.finish();
    }

    @Test
    void theUploadBeingServedIsStillReadWhileTheClientDoesNotRead() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100);
        s.listener.onResponse(200, List.of(), false);
        writable(t, false);
        // Many clients send the whole body before they read: the application's credit bounds it.
        assertTrue(t.autoRead());
        t.send("defghij");
        assertEquals("abcdefghij", s.bodyText());
        assertFalse(t.autoRead(), "the request is complete: nothing more is read");
        writable(t, true);
        assertTrue(t.autoRead());
        s.listener.onData(t.data("ok"), true);
        assertEquals(List.of(200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void expectContinueGoesBeforeAStreamedHead() {
        var t = new Http1TestChannel();
        t.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        FakeStream s = t.dispatcher.last();
        // A streamed echo: head first, then it reads the body.
        s.listener.onResponse(200, List.of(), false);
        String out = t.received();
        assertTrue(out.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), out);
        s.listener.onRequestWindow(65536);
        assertEquals("", t.received(), "one 100 only");
        t.send("hello");
        assertEquals("hello", s.bodyText());
        s.listener.onData(t.data("hello"), true);
        assertTrue(t.received().endsWith("5\r\nhello\r\n0\r\n\r\n"));
        t.finish();
    }

    @Test
    void expectContinueWithoutReadingSendsNo100() {
        var t = new Http1TestChannel();
        t.send("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        t.respond(413, "no", "content-length", "2");
        assertEquals(List.of(413), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void unreadBodyIsDrainedToKeepTheConnection() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234");
        t.respond(200, "early", "content-length", "5");
        assertTrue(t.open());
        t.send("56789" + GET);
        assertEquals(2, t.dispatcher.streams.size());
        assertEquals("", t.dispatcher.streams.get(0).bodyText(), "no credit was ever given");
        t.respond(200, "next", "content-length", "4");
        assertEquals(List.of(200, 200), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void largeUnreadBodyClosesTheConnection() {
        var t = new Http1TestChannel();
        t.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n01234");
        t.respond(200, "early", "content-length", "5");
        assertEquals(200, Http1TestChannel.parse(t.received()).get(0).status());
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        var t = new Http1TestChannel(Http1TestChannel.limits(8192, 16384, 100, 5));
        t.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        FakeStream s = t.dispatcher.last();
        s.listener.onRequestWindow(100);
        t.send("3\r\ndef\r\n0\r\n\r\n");
        assertEquals(ResetCode.CANCEL, s.reset);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(413, r.status());
        assertEquals("close", r.header("connection"));
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void failuresBeforeTheHeadBecomeGatewayStatuses() {
        for (StreamFailure f : StreamFailure.values()) {
            var t = new Http1TestChannel();
            t.send(GET);
            t.dispatcher.last().listener.onFailure(f);
            var r = Http1TestChannel.parse(t.received()).get(0);
            assertEquals(f.status, r.status());
            assertEquals("text/plain; charset=utf-8", r.header("content-type"));
            assertTrue(t.open(), "the request was complete: the connection stays usable");
            t.finish();
        }
    }

    @Test
    void resetBeforeTheHeadIs502() {
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onReset(ResetCode.INTERNAL_ERROR);
        assertEquals(List.of(502), Http1TestChannel.statuses(t.received()));
        t.finish();
    }

    @Test
    void resetAfterTheHeadTruncatesAndCloses() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("partial"), false);
        s.listener.onReset(ResetCode.INTERNAL_ERROR);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertFalse(r.complete(), "the client must see a truncated response");
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void failureAfterTheHeadWithContentLengthCloses() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("content-length", "10"), false);
        s.listener.onData(t.data("12345"), false);
        s.listener.onFailure(StreamFailure.WORKER_CRASHED);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertFalse(r.complete());
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void moreBodyThanContentLengthIsCutAndCloses() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("content-length", "3"), false);
        s.listener.onData(t.data("abcdef"), false);
        String out = t.received();
        assertEquals("abc", Http1TestChannel.parse(out).get(0).body());
        assertFalse(out.contains("def"));
        assertEquals(ResetCode.PROTOCOL_ERROR, s.reset);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void invalidResponseHeaderIs500() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("bad name", "x"), true);
        // Spec MUST-RESP-3: an application error like any other, so 500 (never the broken head).
        assertEquals(List.of(500), Http1TestChannel.statuses(t.received()));
        assertEquals(ResetCode.PROTOCOL_ERROR, s.reset);
        t.finish();
    }

    @Test
    void clientDisconnectCancelsTheStream() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        t.channel.close();
        assertEquals(ResetCode.CANCEL, s.reset);
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("late"), true); // released, not written
        t.finish();
    }

    @Test
    void accessLogLine() {
        var t = new Http1TestChannel();
        t.send("GET /p?q=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t/1 \"x\"\r\n\r\n");
        t.respond(200, "hello", "content-length", "5");
        assertEquals(1, t.accessLog.size());
        // Combined Log Format, then the duration in seconds.
        assertTrue(t.accessLog.get(0).matches("- - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\\] "
                + "\"GET /p\\?q=1 HTTP/1.1\" 200 5 \"-\" \"t/1 \\\\x22x\\\\x22\" \\d+\\.\\d{6}"), t.accessLog.get(0));
        t.finish();
    }

    @Test
    void gracefulShutdownClosesIdleConnections() {
        var t = new Http1TestChannel();
        t.channel.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void gracefulShutdownFinishesTheExchangeInFlight() {
        var t = new Http1TestChannel();
        t.send(GET);
        t.channel.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        assertTrue(t.open());
        t.respond(200, "bye", "content-length", "3");
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals("bye", r.body());
        assertEquals("close", r.header("connection"));
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void aHeadWithContentLengthLeavesWithItsBodyOrAtTheLatestAtTheFlush() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("content-length", "6"), false);
        String head = t.received();
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"),
                "no body in this turn: the head goes out alone: " + head);
        s.listener.onData(t.data("abc"), false);
        s.listener.onData(t.data("def"), true);
        t.channel.runPendingTasks();
        assertEquals("abcdef", t.received());
        assertTrue(t.open());

        t.send(GET);
        s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("content-length", "4"), false);
        s.listener.onData(t.data("ab"), false); // the held head must go before this piece
        s.listener.onData(t.data("cd"), true);
        t.channel.runPendingTasks();
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals("abcd", r.body());
        assertTrue(r.complete());
        t.finish();
    }

    @Test
    void aHeldHeadStillPrecedesAnAbortedBody() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, Http1TestChannel.headers("content-length", "10"), false);
        s.listener.onFailure(StreamFailure.WORKER_CRASHED);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(200, r.status());
        assertFalse(r.complete(), "the client sees a response cut short, not a 502 after a head");
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void unusableContentLengthsFromTheApplicationAre500() {
        for (String[] lengths : new String[][] {{"x"}, {"-1"}, {" "}, {"2", "2"}, {"+"}}) {
            var t = new Http1TestChannel();
            t.send(GET);
            String[] pairs = new String[lengths.length * 2];
            for (int i = 0; i < lengths.length; i++) {
                pairs[2 * i] = i == 0 ? "content-length" : "Content-Length";
                pairs[2 * i + 1] = lengths[i];
            }
            t.respond(200, "hi", pairs);
            var r = Http1TestChannel.parse(t.received()).get(0);
            assertEquals(500, r.status(), String.join(",", lengths));
            t.finish();
        }
    }

    @Test
    void parseTrimmedLongMatchesParseLongOfTheTrimmedString() {
        for (String s : new String[] {"0", " 12 ", "\t7", "+5", "-3", "9223372036854775807"}) {
            assertEquals(Long.parseLong(s.trim()), Http1ExchangeHandler.parseTrimmedLong(s), s);
        }
        for (String s : new String[] {"", "  ", "1 2", "a", "9223372036854775808"}) {
            assertThrows(NumberFormatException.class, () -> Http1ExchangeHandler.parseTrimmedLong(s), s);
        }
    }
}
