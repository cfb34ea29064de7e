package org.wsging.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.StreamFailure;

class Http2ExchangeTest {

    private Http2TestPair pair = new Http2TestPair();

    @AfterEach
    void tearDown() {
        pair.close();
    }

    private static String field(List<Header> headers, String name) {
        String found = null;
        for (Header h : headers) {
            if (h.name().toString().equals(name)) {
                if (found != null) {
                    throw new AssertionError("two " + name + " fields");
                }
                found = h.value().toString();
            }
        }
        return found;
    }

    private static List<Header> fields(String... nameValues) {
        java.util.ArrayList<Header> list = new java.util.ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            list.add(new Header(nameValues[i], nameValues[i + 1]));
        }
        return list;
    }

    @Test
    void aRequestReachesTheWorkerAsAnHttp2RequestWithoutPseudoHeaders() {
        Http2Headers h = Http2TestPair.request("GET", "/a%20b?x=1");
        h.add("cookie", "a=1").add("x-one", "1").add("cookie", "b=2");
        pair.send(h, true);
        FakeStream s = pair.dispatcher.last();
        assertEquals(HttpVersion.HTTP_2, s.head.version());
        assertEquals("GET", s.head.method());
        assertEquals("/a%20b", s.head.rawPath());
        assertEquals("x=1", s.head.rawQuery());
        assertEquals("http", s.head.scheme());
        assertEquals("example.test", field(s.head.headers(), "host"));
        assertEquals("a=1; b=2", field(s.head.headers(), "cookie"));
        assertEquals("1", field(s.head.headers(), "x-one"));
        assertTrue(s.head.headers().stream().noneMatch(f -> f.name().toString().startsWith(":")));
        // Push too: the client has not sent SETTINGS_ENABLE_PUSH = 0 (spec 8.5); WebSocket: the
        // server announced SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441).
        assertEquals(Capabilities.RESPONSE_TRAILERS | Capabilities.EARLY_HINTS | Capabilities.REQUEST_TRAILERS
                | Capabilities.PUSH | Capabilities.WEBSOCKET, s.head.capabilities());
        assertFalse(s.head.hasBody());
        assertEquals(0, s.head.contentLength());
    }

    @Test
    void aBodyOfUnknownLengthIsMinusOneAndAKnownOneIsItsLength() {
        pair.send(Http2TestPair.request("POST", "/u"), false);
        assertEquals(-1, pair.dispatcher.last().head.contentLength());
        assertTrue(pair.dispatcher.last().head.hasBody());
        pair.send(Http2TestPair.request("POST", "/k").add("content-length", "5"), false);
        assertEquals(5, pair.dispatcher.last().head.contentLength());
    }

    @Test
    void theResponseGoesOutInLowerCaseWithoutConnectionFieldsAndWithDateAndServer() {
        int id = pair.send(Http2TestPair.request("GET", "/"), true);
        FakeStream s = pair.dispatcher.last();
        s.listener.onResponse(200, fields("Content-Type", "text/plain", "Connection", "close", "X-A", "b"), false);
        s.listener.onData(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII), true);
        pair.exchange();
        Http2TestPair.Received r = pair.stream(id);
        assertEquals(200, r.status());
        Http2Headers head = r.finalHead();
        assertEquals("text/plain", head.get("content-type").toString());
        assertEquals("b", head.get("x-a").toString());
        assertNull(head.get("connection"));
        assertNotNull(head.get("date"));
        assertEquals("wsging", head.get("server").toString());
        assertEquals("hello", r.body.toString());
        assertTrue(r.ended);
    }

    @Test
    void concurrentStreamsAreConcurrentWorkerStreams() {
        int a = pair.send(Http2TestPair.request("GET", "/a"), true);
        int b = pair.send(Http2TestPair.request("GET", "/b"), true);
        assertEquals(2, pair.dispatcher.streams.size());
        // the second answers first: no stream waits for another
        pair.dispatcher.streams.get(1).listener.onResponse(200, fields("content-length", "1"), false);
        pair.dispatcher.streams.get(1).listener.onData(Unpooled.copiedBuffer("b", StandardCharsets.US_ASCII), true);
        pair.exchange();
        assertTrue(pair.stream(b).ended);
        assertFalse(pair.stream(a).ended);
    }

    @Test
    void requestBodyGoesToTheWorkerWithinItsCreditAndTheWindowGrowsOnlyAsItIsGranted() throws Exception {
        int id = pair.send(Http2TestPair.request("POST", "/up"), false);
        FakeStream s = pair.dispatcher.last();
        int window = pair.clientWindow(id);
        assertEquals(Http2Config.DEFAULT.initialWindowSize(), window);
        String piece = "x".repeat(16000);
        for (int i = 0; i < 10; i++) {
            pair.data(id, piece, false);
        }
        assertEquals(0, s.body.size(), "no credit, nothing forwarded");
        assertEquals(window - 160000, pair.clientWindow(id), "no window returned while the app reads nothing");
        s.listener.onRequestWindow(40000);
        pair.exchange();
        assertEquals(40000, s.body.size());
        s.listener.onRequestWindow(200000);
        pair.exchange();
        assertEquals(160000, s.body.size());
        // Netty returns window in batches of at least half the window: more than half is back
        assertTrue(pair.clientWindow(id) > window / 2 + 1 && pair.clientWindow(id) > window - 160000,
                "the window grew back with the credit: " + pair.clientWindow(id));
    }

    @Test
    void theConnectionWindowHasRoomForEveryStreamsWindow() throws Exception {
        int connectionWindow = pair.clientHandler.encoder().flowController()
                .windowSize(pair.clientHandler.connection().connectionStream());
        assertEquals(Http2Config.DEFAULT.connectionWindowSize(), connectionWindow);
    }

    @Test
    void responseCreditGoesBackOnlyWhenTheClientsWindowLetTheDataOut() {
        Http2Settings small = new Http2Settings().initialWindowSize(1000);
        pair.close();
        pair = new Http2TestPair(Http1Config.DEFAULT, Http2Config.DEFAULT, small);
        pair.autoConsume = false;
        int id = pair.send(Http2TestPair.request("GET", "/big"), true);
        FakeStream s = pair.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(Unpooled.wrappedBuffer(new byte[800]), false);
        s.listener.onData(Unpooled.wrappedBuffer(new byte[800]), false);
        pair.exchange();
        assertEquals(800, s.responseCredit, "only the first write went out whole");
        assertEquals(1000, pair.stream(id).body.length(), "the client's window, and no more");
        // the client reads: its WINDOW_UPDATE lets the rest go, and the credit follows
        pair.clientHandler.connection().local().flowController();
        try {
            pair.clientHandler.decoder().flowController().consumeBytes(pair.clientHandler.connection().stream(id), 800);
            pair.clientHandler.flush(pair.clientCtx());
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new AssertionError(e);
        }
        pair.exchange();
        assertEquals(1600, s.responseCredit);
        assertEquals(1600, pair.stream(id).body.length());
    }

    @Test
    void requestTrailersAndResponseTrailersAndEarlyHints() {
        int id = pair.send(Http2TestPair.request("POST", "/t"), false);
        FakeStream s = pair.dispatcher.last();
        s.listener.onRequestWindow(65536);
        pair.data(id, "body", false);
        pair.trailers(id, new DefaultHttp2Headers().add("x-check", "42"));
        assertEquals("body", s.bodyText());
        assertEquals("42", field(s.trailers, "x-check"));
        s.listener.onInformational(103, fields("link", "</a.css>; rel=preload"));
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII), false);
        s.listener.onTrailers(fields("X-Sum", "7", "Content-Length", "9"));
        pair.exchange();
        Http2TestPair.Received r = pair.stream(id);
        assertEquals("103", r.heads.get(0).status().toString());
        assertEquals("</a.css>; rel=preload", r.heads.get(0).get("link").toString());
        assertEquals(200, r.status());
        Http2Headers trailers = r.heads.get(2);
        assertEquals("7", trailers.get("x-sum").toString());
        assertNull(trailers.get("content-length"), "a framing field is no trailer");
        assertTrue(r.ended);
    }

    @Test
    void aClientResetCancelsTheWorkerStream() {
        int id = pair.send(Http2TestPair.request("GET", "/long"), true);
        FakeStream s = pair.dispatcher.last();
        pair.reset(id, Http2Error.CANCEL.code());
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, s.reset);
    }

    @Test
    void aStreamResetInTheSameReadAsItsHeadersNeverStartsAWorkerCall() {
        int id = pair.clientHandler.connection().local().incrementAndGetNextStreamId();
        var ctx = pair.clientCtx();
        pair.clientHandler.encoder().writeHeaders(ctx, id, Http2TestPair.request("POST", "/x"), 0, false,
                ctx.newPromise());
        pair.clientHandler.resetStream(ctx, id, Http2Error.CANCEL.code(), ctx.newPromise());
        pair.clientHandler.flush(ctx);
        pair.exchange();
        assertTrue(pair.dispatcher.streams.isEmpty());
    }

    @Test
    void anAppThatAnswersWithoutReadingTheBodyEndsTheStreamWithNoError() {
        int id = pair.send(Http2TestPair.request("POST", "/ignore"), false);
        pair.data(id, "unread", false);
        FakeStream s = pair.dispatcher.last();
        s.listener.onResponse(401, fields("content-length", "0"), true);
        pair.exchange();
        assertEquals(401, pair.stream(id).status());
        assertEquals(Http2Error.NO_ERROR.code(), pair.stream(id).reset);
    }

    @Test
    void workerFailureBeforeTheHeadIsAnErrorStatusAndAfterItAReset() {
        int a = pair.send(Http2TestPair.request("GET", "/a"), true);
        pair.dispatcher.last().listener.onFailure(StreamFailure.WORKER_CRASHED);
        int b = pair.send(Http2TestPair.request("GET", "/b"), true);
        FakeStream sb = pair.dispatcher.last();
        sb.listener.onResponse(200, List.of(), false);
        sb.listener.onFailure(StreamFailure.WORKER_CRASHED);
        pair.exchange();
        assertEquals(502, pair.stream(a).status());
        assertTrue(pair.stream(a).body.toString().startsWith("502 Bad Gateway"));
        assertEquals(Http2Error.INTERNAL_ERROR.code(), pair.stream(b).reset);
    }

    @Test
    void anInvalidResponseHeadIsA500() {
        int id = pair.send(Http2TestPair.request("GET", "/bad"), true);
        pair.dispatcher.last().listener.onResponse(200, fields("bad name", "x"), true);
        pair.exchange();
        assertEquals(500, pair.stream(id).status());
    }

    @Test
    void aMalformedRequestIsAStreamErrorAndNoCall() {
        Http2Headers noPath = new DefaultHttp2Headers().method("GET").scheme("http").authority("a");
        int id = pair.send(noPath, true);
        assertEquals(Http2Error.PROTOCOL_ERROR.code(), pair.stream(id).reset);
        assertTrue(pair.dispatcher.streams.isEmpty());
        int ok = pair.send(Http2TestPair.request("GET", "/"), true);
        assertEquals(1, pair.dispatcher.streams.size(), "the connection serves on: stream " + ok);
    }

    @Test
    void limitsOfHttp1ApplyToo() {
        Http2Headers many = Http2TestPair.request("GET", "/");
        for (int i = 0; i <= Http1Config.Limits.DEFAULT.maxHeaders(); i++) {
            many.add("x-" + i, "v");
        }
        assertEquals(431, pair.stream(pair.send(many, true)).status());
        int big = pair.send(Http2TestPair.request("POST", "/").add("content-length",
                Long.toString(Http1Config.Limits.DEFAULT.maxBodySize() + 1)), false);
        assertEquals(413, pair.stream(big).status());
        assertTrue(pair.dispatcher.streams.isEmpty());
    }

    @Test
    void gracefulShutdownSendsGoAwayLetsTheStreamFinishThenCloses() {
        int id = pair.send(Http2TestPair.request("GET", "/slow"), true);
        FakeStream s = pair.dispatcher.last();
        pair.server.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        pair.exchange();
        assertEquals(Http2Error.NO_ERROR.code(), pair.goAway);
        assertEquals(id, pair.goAwayLastStream);
        assertTrue(pair.server.isOpen(), "the stream in flight still runs");
        s.listener.onResponse(200, fields("content-length", "2"), false);
        s.listener.onData(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII), true);
        pair.exchange();
        assertEquals("ok", pair.stream(id).body.toString());
        assertFalse(pair.server.isOpen());
    }

    /** A 500-byte response (its last frame when {@code end}) to a client whose 100-byte window
     * stays shut, on a server with a 2 s send timeout; returns the stream id. */
    private int respondToAClientThatDoesNotRead(String path, boolean end) {
        Http2Settings small = new Http2Settings().initialWindowSize(100);
        pair.close();
        Http1Config http1 = new Http1Config(Http1Config.Limits.DEFAULT, new Http1Config.Timeouts(
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(30), 500, Duration.ofSeconds(2),
                null));
        pair = new Http2TestPair(http1, Http2Config.DEFAULT, small);
        pair.autoConsume = false;
        int id = pair.send(Http2TestPair.request("GET", path), true);
        FakeStream s = pair.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(Unpooled.wrappedBuffer(new byte[500]), end);
        pair.exchange();
        return id;
    }

    @Test
    void aResponseTheClientDoesNotReadIsResetAfterTheSendTimeout() {
        int id = respondToAClientThatDoesNotRead("/stuck", false);
        FakeStream s = pair.dispatcher.last();
        pair.server.advanceTimeBy(3, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertEquals(Http2Error.CANCEL.code(), pair.stream(id).reset);
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, s.reset);
        assertTrue(pair.server.isOpen(), "only the stream ends");
    }

    @Test
    void aLastFrameTheClientDoesNotReadIsResetAfterTheSendTimeout() {
        // The response's last DATA frame has no write listener of its own: its promise is watched.
        int id = respondToAClientThatDoesNotRead("/stuck-end", true);
        FakeStream s = pair.dispatcher.last();
        pair.server.advanceTimeBy(1, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertNull(pair.stream(id).reset, "not before the send timeout");
        pair.server.advanceTimeBy(2, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertEquals(Http2Error.CANCEL.code(), pair.stream(id).reset);
        assertTrue(pair.server.isOpen(), "only the stream ends");
    }

    @Test
    void aRequestBodyThatStopsArrivingIsAnsweredWith408() {
        int id = pair.send(Http2TestPair.request("POST", "/slow-upload"), false);
        FakeStream s = pair.dispatcher.last();
        s.listener.onRequestWindow(65536);
        pair.data(id, "a", false);
        pair.server.advanceTimeBy(31, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertEquals(408, pair.stream(id).status());
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, s.reset);
    }

    @Test
    void anIdleConnectionIsClosedAfterTheKeepAliveTimeout() {
        int id = pair.send(Http2TestPair.request("GET", "/"), true);
        pair.dispatcher.last().listener.onResponse(204, List.of(), true);
        pair.exchange();
        assertTrue(pair.stream(id).ended);
        pair.server.advanceTimeBy(6, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertEquals(Http2Error.NO_ERROR.code(), pair.goAway);
        assertFalse(pair.server.isOpen());
    }

    @Test
    void eachAnsweredStreamGetsAnAccessLogLine() {
        int id = pair.send(Http2TestPair.request("GET", "/logged?q=1").add("user-agent", "tester"), true);
        pair.dispatcher.last().listener.onResponse(200, fields("content-length", "2"), false);
        pair.dispatcher.last().listener.onData(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII), true);
        pair.exchange();
        assertTrue(pair.stream(id).ended);
        assertEquals(1, pair.accessLog.size());
        String line = pair.accessLog.get(0);
        assertTrue(line.contains("\"GET /logged?q=1 HTTP/2.0\" 200 2 \"-\" \"tester\""), line);
    }

    @Test
    void whenTheClientSendsNoMoreIncompleteRequestsEndAndCompleteOnesAreAnswered() {
        int complete = pair.send(Http2TestPair.request("GET", "/done"), true);
        int incomplete = pair.send(Http2TestPair.request("POST", "/half"), false);
        FakeStream done = pair.dispatcher.streams.get(0);
        FakeStream half = pair.dispatcher.streams.get(1);
        pair.server.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        pair.exchange();
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, half.reset);
        assertEquals(Http2Error.CANCEL.code(), pair.stream(incomplete).reset);
        assertNull(done.reset);
        assertTrue(pair.server.isOpen(), "the complete request is still answered");
        done.listener.onResponse(204, List.of(), true);
        pair.exchange();
        assertTrue(pair.stream(complete).ended);
        assertFalse(pair.server.isOpen());
    }

    @Test
    void afterAClientGoAwayTheStreamsInFlightFinishThenTheConnectionCloses() {
        int id = pair.send(Http2TestPair.request("GET", "/in-flight"), true);
        FakeStream s = pair.dispatcher.last();
        pair.clientHandler.goAway(pair.clientCtx(), 0, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                pair.clientCtx().newPromise());
        pair.clientHandler.flush(pair.clientCtx());
        pair.exchange();
        assertTrue(pair.server.isOpen());
        assertNull(s.reset);
        s.listener.onResponse(204, List.of(), true);
        pair.exchange();
        assertTrue(pair.stream(id).ended);
        assertFalse(pair.server.isOpen());
    }

    @Test
    void theRequestTimeoutAnswers504OrResetsOnceTheHeadWentOut() {
        pair.close();
        Http1Config http1 = new Http1Config(Http1Config.Limits.DEFAULT, new Http1Config.Timeouts(
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(30), 500, Duration.ofSeconds(30),
                Duration.ofSeconds(2)));
        pair = new Http2TestPair(http1, Http2Config.DEFAULT, new Http2Settings());
        int before = pair.send(Http2TestPair.request("GET", "/never"), true);
        int after = pair.send(Http2TestPair.request("GET", "/half"), true);
        pair.dispatcher.streams.get(1).listener.onResponse(200, List.of(), false);
        pair.exchange();
        pair.server.advanceTimeBy(3, TimeUnit.SECONDS);
        pair.server.runScheduledPendingTasks();
        pair.exchange();
        assertEquals(504, pair.stream(before).status());
        assertEquals(Http2Error.INTERNAL_ERROR.code(), pair.stream(after).reset);
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, pair.dispatcher.streams.get(0).reset);
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, pair.dispatcher.streams.get(1).reset);
    }

    @Test
    void aFileBodyGoesOutAsDataFramesAndAVanishedFileIsA500(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("body.bin");
        byte[] content = new byte[200_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) ('a' + i % 26);
        }
        java.nio.file.Files.write(file, content);
        var attributes = java.nio.file.Files.readAttributes(file, "unix:dev,ino");
        org.wsging.exchange.FileBody body = new org.wsging.exchange.FileBody(file.toString(), 1000, 150_000,
                (Long) attributes.get("dev"), (Long) attributes.get("ino"));
        int id = pair.send(Http2TestPair.request("GET", "/file"), true);
        pair.dispatcher.last().listener.onFileResponse(200, fields("content-type", "text/plain"), body);
        for (int i = 0; i < 50 && !pair.stream(id).ended; i++) {
            pair.exchange();
        }
        Http2TestPair.Received r = pair.stream(id);
        assertEquals(200, r.status());
        assertEquals("150000", r.finalHead().get("content-length").toString());
        assertEquals(new String(content, 1000, 150_000, StandardCharsets.ISO_8859_1), r.body.toString());
        assertTrue(r.ended);

        java.nio.file.Files.delete(file);
        int gone = pair.send(Http2TestPair.request("GET", "/file"), true);
        pair.dispatcher.last().listener.onFileResponse(200, List.of(), body);
        pair.exchange();
        assertEquals(500, pair.stream(gone).status());
    }

    @Test
    void atTheGracefulDeadlineTheStreamsStillRunningAreCutOff() {
        pair.send(Http2TestPair.request("GET", "/forever"), true);
        FakeStream s = pair.dispatcher.last();
        pair.server.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        pair.exchange();
        assertTrue(pair.server.isOpen());
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            pair.server.pipeline().fireUserEventTriggered(GracefulShutdown.DEADLINE);
            pair.exchange();
        } finally {
            System.setErr(err);
        }
        assertFalse(pair.server.isOpen());
        assertEquals(org.wsging.exchange.ResetCode.CANCEL, s.reset);
        assertTrue(captured.toString(StandardCharsets.UTF_8).startsWith(
                "wsging: error: graceful timeout expired: dropped GET /forever from "), captured.toString());
    }
}
