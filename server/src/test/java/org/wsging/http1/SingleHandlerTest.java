package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;

/** Handlers one at a time on an EmbeddedChannel. */
class SingleHandlerTest {

    @Test
    void codecAnswersHeadWithoutBodyAndInformationalsDoNotCount() {
        var ch = new EmbeddedChannel(new Http1ServerCodec(Http1Config.Limits.DEFAULT));
        ch.writeInbound(Unpooled.copiedBuffer("HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                StandardCharsets.US_ASCII));
        for (Object o; (o = ch.readInbound()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.EARLY_HINTS));
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("transfer-encoding", "chunked");
        ch.writeOutbound(head, new DefaultHttpContent(Unpooled.copiedBuffer("xyz", StandardCharsets.US_ASCII)),
                LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse get = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        get.headers().set("content-length", "3");
        ch.writeOutbound(get, new DefaultLastHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)));
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ((ByteBuf) o).release();
        }
        String text = out.toString();
        assertFalse(text.contains("xyz"), text);
        assertFalse(text.contains("0\r\n\r\n"), text);
        assertTrue(text.endsWith("\r\n\r\nabc"), text);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void bodySizeGuardCountsChunksPerRequest() {
        var ch = new EmbeddedChannel(new BodySizeLimitHandler(4));
        ch.writeInbound(request(), content("abc"), new DefaultLastHttpContent());
        ch.writeInbound(request(), content("abc"));
        assertEquals(6, drain(ch), "each request has its own budget");
        ch.writeInbound(content("de"));
        RequestRejected r = assertInstanceOf(RequestRejected.class, ch.readInbound());
        assertEquals(413, r.status().code());
        ch.writeInbound(content("ignored"), request());
        assertNull(ch.readInbound(), "everything after a rejection is dropped");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void responseHeadersAreAddedOnlyWhenMissing() {
        var ch = new EmbeddedChannel(ResponseHeadersHandler.INSTANCE);
        HttpResponse own = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        own.headers().set("server", "mine");
        HttpResponse plain = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ch.writeOutbound(own, plain);
        HttpResponse a = ch.readOutbound();
        HttpResponse b = ch.readOutbound();
        assertEquals("mine", a.headers().get("server"));
        assertEquals("wsging", b.headers().get("server"));
        assertNotNull(b.headers().get("date"));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void timeoutHandlerFiresHeadTimeoutAsARejection() {
        var ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new Http1TimeoutHandler(Http1Config.Timeouts.DEFAULT));
        ch.advanceTimeBy(11, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        RequestRejected r = assertInstanceOf(RequestRejected.class, ch.readInbound());
        assertEquals(408, r.status().code());
        assertFalse(ch.finishAndReleaseAll());
    }

    private static HttpRequest request() {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
    }

    private static DefaultHttpContent content(String s) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    private static int drain(EmbeddedChannel ch) {
        int bytes = 0;
        for (Object o; (o = ch.readInbound()) != null; ) {
            if (o instanceof io.netty.handler.codec.http.HttpContent c) {
                bytes += c.content().readableBytes();
            }
            io.netty.util.ReferenceCountUtil.release(o);
        }
        return bytes;
    }
}
