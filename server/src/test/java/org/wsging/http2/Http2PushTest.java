package org.wsging.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.Header;

/** Server push on the HTTP/2 front end (spec 8.5), driven by Netty's HTTP/2 client codec. */
class Http2PushTest {
    private Http2TestPair pair;

    @AfterEach
    void close() {
        pair.close();
    }

    private int parentId;

    private FakeStream parent(Http2Settings clientSettings) {
        pair = new Http2TestPair(Http1Config.DEFAULT, Http2Config.DEFAULT, clientSettings);
        parentId = pair.send(Http2TestPair.request("GET", "/page").add("user-agent", "ua/1").add("accept-language", "fr"), true);
        return pair.dispatcher.last();
    }

    private boolean push(FakeStream parent, String path, List<Header> headers) {
        boolean accepted = parent.listener.onPush(path, headers);
        pair.exchange();
        return accepted;
    }

    @Test
    void aPromisedRequestIsDispatchedAsAPushedGetAndItsResponseReachesTheClient() {
        FakeStream parent = parent(new Http2Settings());
        assertEquals(Capabilities.PUSH, parent.head.capabilities() & Capabilities.PUSH);
        assertTrue(push(parent, "/app.css?v=3", List.of(new Header("Accept", "text/css"))));
        assertEquals("true true", pair.server.isOpen() + " " + pair.client.isOpen());
        FakeStream pushed = pair.dispatcher.last();
        assertTrue(pushed.head.pushed());
        assertEquals("GET", pushed.head.method());
        assertEquals("/app.css", pushed.head.rawPath());
        assertEquals("v=3", pushed.head.rawQuery());
        assertEquals(0, pushed.head.capabilities() & Capabilities.PUSH, "a pushed request is never offered push");
        assertFalse(pushed.head.hasBody());
        assertEquals("[host: example.test, accept: text/css, user-agent: ua/1, accept-language: fr]",
                text(pushed.head.headers()));
        pushed.listener.onResponse(200, List.of(new Header("content-type", "text/css")), false);
        pushed.listener.onData(Unpooled.copiedBuffer("h1{}", java.nio.charset.StandardCharsets.US_ASCII), true);
        pair.exchange();
        parent.listener.onResponse(204, List.of(), true);
        pair.exchange();
        Http2TestPair.Received promised = pair.stream(2);
        assertEquals(200, promised.status());
        assertEquals("h1{}", promised.body.toString());
        assertTrue(promised.ended);
        assertEquals(204, pair.stream(parentId).status());
    }

    @Test
    void aClientThatDisabledPushIsNotOfferedItAndAPushIsDeclined() {
        FakeStream parent = parent(new Http2Settings().pushEnabled(false));
        assertEquals(0, parent.head.capabilities() & Capabilities.PUSH);
        assertFalse(push(parent, "/a", List.of()));
        assertEquals(1, pair.dispatcher.streams.size());
    }

    @Test
    void noPushOnceTheParentsResponseEnded() {
        FakeStream parent = parent(new Http2Settings());
        parent.listener.onResponse(200, List.of(), true);
        pair.exchange();
        assertFalse(push(parent, "/a", List.of()));
        assertEquals(1, pair.dispatcher.streams.size());
    }

    @Test
    void theClientsStreamLimitBoundsThePromises() {
        FakeStream parent = parent(new Http2Settings().maxConcurrentStreams(1));
        assertTrue(push(parent, "/a", List.of()));
        // The first promised stream becomes active once its response starts.
        pair.dispatcher.last().listener.onResponse(200, List.of(), false);
        pair.exchange();
        assertFalse(push(parent, "/b", List.of()));
        assertEquals(2, pair.dispatcher.streams.size());
    }

    @Test
    void atMostSixteenPromisesPerConnection() {
        FakeStream parent = parent(new Http2Settings());
        for (int i = 0; i < Http2Pushes.MAX_PROMISED; i++) {
            assertTrue(push(parent, "/a" + i, List.of()), "push " + i);
        }
        assertFalse(push(parent, "/more", List.of()));
        // One promised stream completes: there is room again.
        pair.dispatcher.streams.get(1).listener.onResponse(204, List.of(), true);
        pair.exchange();
        assertTrue(push(parent, "/again", List.of()));
    }

    @Test
    void pathsAndFieldsAPushCannotCarryAreDeclined() {
        FakeStream parent = parent(new Http2Settings());
        assertFalse(push(parent, "/a", List.of(new Header("connection", "close"))));
        assertFalse(push(parent, "/a", List.of(new Header("bad name", "x"))));
        assertFalse(push(parent, "/a", List.of(new Header("x", "a\r\nb"))));
        assertFalse(push(parent, "/a b", List.of()));
        assertFalse(push(parent, "//host/a", List.of()));
        assertFalse(push(parent, "/a#f", List.of()));
        assertEquals(1, pair.dispatcher.streams.size());
        assertNull(pair.goAway);
    }

    @Test
    void aPushedRequestCannotPushAgain() {
        FakeStream parent = parent(new Http2Settings());
        assertTrue(push(parent, "/a", List.of()));
        FakeStream pushed = pair.dispatcher.last();
        assertFalse(push(pushed, "/b", List.of()));
    }

    @Test
    void priorityUpdatesReachTheWorkerAndEarlyOnesFollowTheRequest() {
        pair = new Http2TestPair();
        priorityUpdate(3, "u=6");
        int id = pair.send(Http2TestPair.request("GET", "/r").add("priority", "u=1"), true);
        assertEquals(3, id);
        FakeStream s = pair.dispatcher.last();
        assertEquals(List.of("u=6"), s.priorities);
        priorityUpdate(3, "u=0, i");
        assertEquals(List.of("u=6", "u=0, i"), s.priorities);
        priorityUpdate(5, "u=2"); // a stream the client has not opened yet: kept for it
        assertEquals(List.of("u=6", "u=0, i"), s.priorities);
        assertNull(pair.goAway);
    }

    @Test
    void aPriorityUpdateForStreamZeroIsAConnectionError() {
        pair = new Http2TestPair();
        priorityUpdate(0, "u=1");
        assertEquals(1L, pair.goAway, "PROTOCOL_ERROR");
    }

    private void priorityUpdate(int streamId, String value) {
        var payload = Unpooled.buffer().writeInt(streamId).writeBytes(value.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        pair.clientHandler.encoder().frameWriter().writeFrame(pair.clientCtx(), Http2PriorityUpdates.FRAME_TYPE, 0,
                new Http2Flags(), payload, pair.clientCtx().newPromise());
        pair.clientHandler.flush(pair.clientCtx());
        pair.exchange();
    }

    private static String text(List<Header> headers) {
        StringBuilder sb = new StringBuilder("[");
        for (Header h : headers) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(h.name()).append(": ").append(h.value());
        }
        return sb.append(']').toString();
    }
}
