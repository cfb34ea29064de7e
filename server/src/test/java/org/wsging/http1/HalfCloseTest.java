package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.FakeDispatcher.FakeStream;

/** A client's end of input (TCP FIN, shutdown(SHUT_WR)) on an HTTP/1.x connection. */
class HalfCloseTest {

    private static final String GET = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";

    private static void inputEnds(EmbeddedChannel channel) {
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        channel.runPendingTasks();
    }

    // -- the whole pipeline, the fake worker answering --

    @Test
    void aCompleteRequestIsStillAnsweredAfterTheInputEndsThenTheConnectionCloses() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        inputEnds(t.channel);
        assertTrue(t.open(), "closed before the response");
        assertNull(s.reset, "the worker was told the client left");
        t.respond(200, "hello", "content-length", "5");
        String out = t.received();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("\r\n\r\nhello"), out);
        assertFalse(t.open(), "the connection stays open although no request can come");
        t.finish();
    }

    @Test
    void everyPipelinedRequestIsAnsweredBeforeTheClose() {
        var t = new Http1TestChannel();
        t.send(GET + GET.replace("/a", "/b"));
        inputEnds(t.channel);
        assertEquals(2, t.dispatcher.streams.size());
        t.respond(t.dispatcher.streams.get(0), 200, "one", "content-length", "3");
        assertTrue(t.open(), "closed before the second response");
        t.respond(t.dispatcher.streams.get(1), 200, "two", "content-length", "3");
        String out = t.received();
        assertTrue(out.contains("one") && out.endsWith("two"), out);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void informationalResponsesDoNotEndTheWait() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        inputEnds(t.channel);
        s.listener.onInformational(103, Http1TestChannel.headers("link", "</a.css>"));
        t.channel.runPendingTasks();
        assertTrue(t.open(), "a 103 is not the response");
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("streamed"), false);
        t.channel.runPendingTasks();
        assertTrue(t.open(), "the body is still coming");
        s.listener.onData(t.data("!"), true);
        String out = t.received();
        assertTrue(out.contains("103 Early Hints") && out.contains("streamed") && out.endsWith("0\r\n\r\n"), out);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void inputEndingInTheMiddleOfABodyIsAClientThatLeft() {
        var t = new Http1TestChannel();
        t.send("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
        FakeStream s = t.dispatcher.last();
        inputEnds(t.channel);
        assertFalse(t.open());
        assertNotNull(s.reset, "the worker must learn that the client left");
        t.finish();
    }

    @Test
    void inputEndingWhileTheOnlyResponseStreamsIsAClientThatLeft() {
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onResponse(200, List.of(), false);
        s.listener.onData(t.data("event: 1\n\n"), false);
        t.channel.runPendingTasks();
        inputEnds(t.channel);
        assertFalse(t.open(), "a client that leaves while it reads a stream is gone");
        assertNotNull(s.reset, "the worker must learn that the client left");
        t.finish();
    }

    @Test
    void inputEndingOnAnIdleConnectionClosesIt() {
        var t = new Http1TestChannel();
        t.send(GET);
        t.respond(200, "x", "content-length", "1");
        assertTrue(t.open());
        inputEnds(t.channel);
        assertFalse(t.open());
        t.finish();
    }

    @Test
    void inputEndingInsideARequestLineClosesAtOnce() {
        var t = new Http1TestChannel();
        t.send("GET /a HT");
        inputEnds(t.channel);
        assertFalse(t.open());
        assertTrue(t.dispatcher.streams.isEmpty());
        t.finish();
    }

    // -- the handler alone --

    @Test
    void handlerCountsRequestsAgainstFinalResponses() {
        var ch = new EmbeddedChannel(new HalfCloseHandler());
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/1"));
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/2"));
        inputEnds(ch);
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        assertTrue(ch.isOpen(), "100 Continue is not an answer");
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        assertTrue(ch.isOpen(), "one request is still unanswered");
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND));
        assertTrue(ch.isOpen(), "the second response has only its head");
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void handlerClosesWhenTheInputEndsWithARequestBodyOpen() {
        var ch = new EmbeddedChannel(new HalfCloseHandler());
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/"));
        inputEnds(ch);
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void handlerLeavesAnOpenInputAlone() {
        var ch = new EmbeddedChannel(new HalfCloseHandler());
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER));
        ch.runPendingTasks();
        assertTrue(ch.isOpen(), "keep-alive: without an end of input the connection stays");
        ch.finishAndReleaseAll();
    }
}
