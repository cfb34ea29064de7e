package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameCodec;
import org.wsging.worker.link.FrameDecoder;
import org.wsging.worker.link.FrameEncoder;
import org.wsging.worker.link.FrameType;

/** WebSocket sessions on the front end's side of the link (spec A.2 *WebSocket*, A.5, A.6). */
class WorkerLinkWebSocketTest {
    /** This side's window and MAX_FRAME: 16 bytes of application messages before a WINDOW. */
    private static final LinkSettings SETTINGS = new LinkSettings(16, 16, 0, Duration.ofSeconds(1),
            Duration.ofSeconds(3), 0);

    private WorkerLink link;
    private EmbeddedChannel ch;
    private final ByteBuf pendingOut = Unpooled.buffer();
    private final List<ByteBuf> given = new ArrayList<>();

    /** A worker that takes WebSocket (or not), with a window of 10 and a MAX_FRAME of 4. */
    private void connect(boolean workerWebSockets) {
        link = new WorkerLink(SETTINGS, new IgnoringOwner());
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        ch.freezeTime();
        List<Frame.Setting> settings = new ArrayList<>(List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 2),
                new Frame.Setting(FrameType.SETTING_PID, 4242), new Frame.Setting(FrameType.SETTING_INITIAL_WINDOW, 10),
                new Frame.Setting(FrameType.SETTING_MAX_FRAME, 4)));
        if (workerWebSockets) {
            settings.add(new Frame.Setting(FrameType.SETTING_WEBSOCKET, 1));
        }
        receive(new Frame.Hello(1, settings));
        assertInstanceOf(Frame.Hello.class, sent());
    }

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
            ch = null;
        }
        pendingOut.clear();
        for (ByteBuf b : given) {
            assertEquals(0, b.refCnt(), "every message buffer handed to the link is released");
        }
    }

    private void receive(Frame frame) {
        LinkFrames.receive(ch, frame);
    }

    /** The next frame the link wrote, or null; a message's bytes are copied out of the pending output. */
    private Frame sent() {
        ch.runPendingTasks();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            pendingOut.writeBytes(b);
            b.release();
        }
        Frame f = FrameCodec.decode(pendingOut);
        if (f instanceof Frame.WsMessage m) {
            f = new Frame.WsMessage(m.streamId(), Unpooled.copiedBuffer(m.data()), m.text(), m.continues(),
                    m.uncompressed());
            m.release();
        }
        pendingOut.discardReadBytes();
        return f;
    }

    private ByteBuf bytes(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
        given.add(b);
        return b;
    }

    private static RequestHead offer() {
        return new RequestHead(HttpVersion.HTTP_1_1, "http", "GET", "/ws", "", null, null, 0,
                Capabilities.EARLY_HINTS | Capabilities.WEBSOCKET, List.of(new Header("Host", "x"),
                new Header("Upgrade", "websocket"), new Header("Connection", "Upgrade")), false, false, null, false,
                true);
    }

    private static RequestHead get() {
        return new RequestHead(HttpVersion.HTTP_1_1, "http", "GET", "/", "", null, null, 0,
                Capabilities.EARLY_HINTS | Capabilities.WEBSOCKET, List.of(new Header("Host", "x")), false, false);
    }

    private LinkStream open(RecordingListener listener, RequestHead head) {
        LinkStream s = new LinkStream(head, ch.eventLoop(), listener);
        assertTrue(link.tryReserve());
        link.bind(s);
        return s;
    }

    /** An accepted and opened session on stream 1; the listener's events so far are drained. */
    private LinkStream session(RecordingListener l) {
        LinkStream s = open(l, offer());
        assertInstanceOf(Frame.Request.class, sent());
        receive(new Frame.WsAccept(1, 0, 1000, "", List.of()));
        s.openWebSocket("");
        assertEquals(new Frame.WsOpen(1, ""), sent());
        l.drain();
        return s;
    }

    private static String text(Frame.WsMessage m) {
        String s = m.data().toString(StandardCharsets.ISO_8859_1);
        m.release();
        return (m.text() ? "text " : "binary ") + (m.continues() ? "continues " : "") + s;
    }

    @Test
    void anOfferGoesWithEndStreamAndWebSocketToAWorkerThatTakesIt() {
        connect(true);
        open(new RecordingListener(), offer());
        Frame.Request r = assertInstanceOf(Frame.Request.class, sent());
        assertTrue(r.head().websocket());
        assertFalse(r.head().hasBody());
        assertEquals(Capabilities.EARLY_HINTS | Capabilities.WEBSOCKET, r.head().capabilities());
        open(new RecordingListener(), get());
        Frame.Request plain = assertInstanceOf(Frame.Request.class, sent());
        assertFalse(plain.head().websocket());
        assertEquals(Capabilities.EARLY_HINTS | Capabilities.WEBSOCKET, plain.head().capabilities(),
                "the capability bit is on for requests that are no offer too");
    }

    @Test
    void aWorkerWithoutWebSocketGetsNoOfferAndTheClient501() {
        connect(false);
        RecordingListener l = new RecordingListener();
        open(l, offer());
        assertNull(sent(), "no REQUEST for the offer");
        assertTrue(l.drain().stream().anyMatch(e -> e.startsWith("response 501 ")));
        open(new RecordingListener(), get());
        Frame.Request plain = assertInstanceOf(Frame.Request.class, sent());
        assertEquals(1, plain.streamId(), "the refused offer used no stream id");
        assertEquals(Capabilities.EARLY_HINTS, plain.head().capabilities(), "the WEBSOCKET bit is cleared");
        assertEquals(1, link.load(), "the offer's slot was given back");
    }

    @Test
    void anOffersResponseIsAnOrdinaryRefusal() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        open(l, offer());
        sent();
        receive(new Frame.Response(1, 403, List.of(), true));
        assertEquals("response 403 [] end", l.next());
        assertEquals(0, link.load());
    }

    @Test
    void anAcceptanceIsDeliveredWithTheWorkersWindowAsCredit() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, offer());
        sent();
        receive(new Frame.WsAccept(1, FrameType.WS_OPTION_COMPRESSION, 4096, "chat",
                List.of(new Header("set-cookie", "a=1"))));
        assertEquals("ws-accept compression 4096 chat [set-cookie: a=1]", l.next());
        assertEquals("window 10", l.next());
        assertNull(sent(), "nothing goes to the worker before the handshake is written");
        s.openWebSocket("permessage-deflate");
        assertEquals(new Frame.WsOpen(1, "permessage-deflate"), sent());
    }

    @Test
    void clientMessagesAreSplitAtTheWorkersMaxFrameWithinItsWindow() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = session(l);
        s.sendWebSocketMessage(bytes("abcdefghij"), true, false);
        assertEquals("text continues abcd", text(assertInstanceOf(Frame.WsMessage.class, sent())));
        assertEquals("text continues efgh", text(assertInstanceOf(Frame.WsMessage.class, sent())));
        assertEquals("text ij", text(assertInstanceOf(Frame.WsMessage.class, sent())));
        s.sendWebSocketMessage(bytes(""), false, false);
        assertEquals("binary ", text(assertInstanceOf(Frame.WsMessage.class, sent())), "an empty message needs no credit");
        s.sendWebSocketMessage(bytes("x"), false, false);
        assertEquals(new Frame.Reset(1, ResetCode.PROTOCOL_ERROR.code), sent(), "beyond the window: a bug here");
        assertEquals("reset PROTOCOL_ERROR", l.next());
    }

    @Test
    void aWindowOnASessionIsCreditForMessages() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = session(l);
        s.sendWebSocketMessage(bytes("0123456789"), false, false);
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Frame.WsMessage.class, sent()).release();
        }
        receive(new Frame.Window(1, 3));
        assertEquals("window 3", l.next());
        s.sendWebSocketMessage(bytes("abc"), false, true);
        assertEquals("binary continues abc", text(assertInstanceOf(Frame.WsMessage.class, sent())));
    }

    @Test
    void applicationMessagesCountAgainstThisSidesWindowAndComeBackAsGrants() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = session(l);
        receive(new Frame.WsMessage(1, Unpooled.copiedBuffer("héllo", StandardCharsets.ISO_8859_1), true, true, true));
        assertEquals("ws-message text continues uncompressed héllo", l.next());
        receive(new Frame.WsMessage(1, Unpooled.copiedBuffer("0123456789", StandardCharsets.ISO_8859_1), true, false, false));
        assertEquals("ws-message text 0123456789", l.next());
        s.grantResponseWindow(15);
        assertEquals(new Frame.Window(1, 15), sent());
        receive(new Frame.WsMessage(1, Unpooled.copiedBuffer("x".repeat(17), StandardCharsets.ISO_8859_1), false, false, false));
        assertEquals("reset PROTOCOL_ERROR", l.next(), "more than MAX_FRAME and the window");
        assertEquals(new Frame.Reset(1, ResetCode.PROTOCOL_ERROR.code), sent());
    }

    @Test
    void pingsAndPongsTravelOnAnOpenSession() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = session(l);
        receive(new Frame.WsPing(1, new byte[] {1, 2}));
        assertEquals("ws-ping \u0001\u0002", l.next());
        s.sendWebSocketPong(new byte[] {1, 2});
        Frame.WsPong pong = assertInstanceOf(Frame.WsPong.class, sent());
        assertArrayEquals(new byte[] {1, 2}, pong.payload());
    }

    @Test
    void anOpenSessionHoldsNoStreamSlot() throws Exception {
        link = new WorkerLink(SETTINGS, new IgnoringOwner());
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        ch.freezeTime();
        receive(new Frame.Hello(1, List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 2),
                new Frame.Setting(FrameType.SETTING_PID, 4242), new Frame.Setting(FrameType.SETTING_MAX_STREAMS, 1),
                new Frame.Setting(FrameType.SETTING_WEBSOCKET, 1))));
        assertInstanceOf(Frame.Hello.class, sent());
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, offer());
        assertInstanceOf(Frame.Request.class, sent());
        assertFalse(link.tryReserve(), "an offer in progress holds the worker's only slot");
        receive(new Frame.WsAccept(1, 0, 1000, "", List.of()));
        assertFalse(link.tryReserve(), "so does an accepted session not yet open");
        s.openWebSocket("");
        assertEquals(new Frame.WsOpen(1, ""), sent());
        assertEquals(0, link.load());
        assertTrue(link.tryReserve(), "an open session waits on its client: the slot is free again");
        link.unreserve();
        s.closeWebSocket(1000, "");
        assertEquals(new Frame.WsClose(1, 1000, ""), sent());
        assertEquals(0, link.load(), "completing the session frees nothing twice");
    }

    @Test
    void theApplicationsCloseLeavesTheStreamOpenUntilTheFrontEndReportsTheOutcome() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = session(l);
        receive(new Frame.WsClose(1, 1000, "bye"));
        assertEquals("ws-close 1000 bye", l.next());
        receive(new Frame.WsMessage(1, Unpooled.copiedBuffer("late", StandardCharsets.ISO_8859_1), false, false, false));
        assertTrue(l.drain().isEmpty(), "nothing follows the worker's WS_CLOSE");
        s.closeWebSocket(4000, "client's");
        assertEquals(new Frame.WsClose(1, 4000, "client's"), sent());
        assertEquals(0, link.load(), "WS_CLOSE completes the stream");
        s.sendWebSocketMessage(bytes("after"), false, false);
        assertNull(sent(), "nothing goes on a complete stream");
    }

    @Test
    void aClientGoneBeforeTheHandshakeWasWrittenIsReportedInsteadOfWsOpen() {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, offer());
        sent();
        receive(new Frame.WsAccept(1, 0, 1, "", List.of()));
        s.closeWebSocket(1006, "");
        assertEquals(new Frame.WsClose(1, 1006, ""), sent());
        assertEquals(0, link.load());
        s.openWebSocket("");
        assertNull(sent());
    }

    @Test
    void aCloseWithoutACodeTravelsEmpty() {
        connect(true);
        LinkStream s = session(new RecordingListener());
        s.closeWebSocket(Frame.WsClose.NO_CODE, "");
        assertEquals(new Frame.WsClose(1, Frame.WsClose.NO_CODE, ""), sent());
    }

    @Test
    void anAcceptanceWhereNoOfferWasMadeIsAnInvalidResponse() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        open(l, get());
        sent();
        receive(new Frame.WsAccept(1, 0, 1, "", List.of()));
        assertEquals("invalid WS_ACCEPT on a stream that was not a WebSocket offer", l.next());
        assertEquals(new Frame.Reset(1, ResetCode.PROTOCOL_ERROR.code), sent());
        assertEquals(0, link.load());
    }

    @Test
    void anAcceptanceAfterAResponseOrASecondOneIsAStreamError() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        open(l, offer());
        sent();
        receive(new Frame.Response(1, 200, List.of(), false));
        l.drain();
        receive(new Frame.WsAccept(1, 0, 1, "", List.of()));
        assertEquals("reset PROTOCOL_ERROR", l.next());
        assertEquals(new Frame.Reset(1, ResetCode.PROTOCOL_ERROR.code), sent());

        RecordingListener twice = new RecordingListener();
        open(twice, offer());
        sent();
        receive(new Frame.WsAccept(2, 0, 1, "", List.of()));
        twice.drain();
        receive(new Frame.WsAccept(2, 0, 1, "", List.of()));
        assertEquals("reset PROTOCOL_ERROR", twice.next());
    }

    @Test
    void sessionFramesBeforeWsOpenAreStreamErrors() throws Exception {
        for (Frame early : List.<Frame>of(new Frame.WsMessage(1, Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII),
                false, false, false), new Frame.WsPing(1, new byte[0]), new Frame.WsClose(1, 1000, ""))) {
            connect(true);
            RecordingListener l = new RecordingListener();
            open(l, offer());
            sent();
            receive(new Frame.WsAccept(1, 0, 1, "", List.of()));
            l.drain();
            receive(early);
            assertEquals("reset PROTOCOL_ERROR", l.next(), early.getClass().getSimpleName());
            assertEquals(new Frame.Reset(1, ResetCode.PROTOCOL_ERROR.code), sent());
            close();
        }
    }

    @Test
    void responseFramesOnASessionAreStreamErrors() throws Exception {
        for (Frame wrong : List.<Frame>of(new Frame.Response(1, 200, List.of(), true),
                new Frame.Data(1, Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII), true),
                new Frame.Trailers(1, List.of()), new Frame.Informational(1, 103, List.of()))) {
            connect(true);
            RecordingListener l = new RecordingListener();
            session(l);
            receive(wrong);
            assertEquals("reset PROTOCOL_ERROR", l.next(), wrong.getClass().getSimpleName());
            assertEquals(new Frame.Reset(1, ResetCode.PROTOCOL_ERROR.code), sent());
            close();
        }
    }

    @Test
    void frontEndFramesFromAWorkerAreLinkErrors() {
        for (Frame wrong : List.<Frame>of(new Frame.WsOpen(1, ""), new Frame.WsPong(1, new byte[0]))) {
            connect(true);
            session(new RecordingListener());
            receive(wrong);
            Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, sent(), wrong.toString());
            assertEquals(1, goAway.code());
            close();
        }
    }

    @Test
    void aSessionFailsWhenTheLinkCloses() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        session(l);
        ch.close();
        assertEquals("failure WORKER_CRASHED", l.next());
    }

    @Test
    void aWorkersResetEndsTheSession() throws Exception {
        connect(true);
        RecordingListener l = new RecordingListener();
        LinkStream s = session(l);
        receive(new Frame.Reset(1, ResetCode.INTERNAL_ERROR.code));
        assertEquals("reset INTERNAL_ERROR", l.next());
        assertEquals(0, link.load());
        s.closeWebSocket(1000, "");
        assertNull(sent(), "nothing goes on a reset stream");
    }
}
