package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.websocket.frames.MessagePiece;
import org.wsging.websocket.frames.OutboundClose;
import org.wsging.websocket.frames.OutboundPiece;
import org.wsging.websocket.frames.OutboundPing;
import org.wsging.websocket.frames.PeerClose;
import org.wsging.websocket.frames.PeerPong;
import org.wsging.websocket.frames.ProtocolFailure;

/**
 * The session alone on an EmbeddedChannel: the test plays the frame layer (it fires the inbound
 * events and reads the outbound writes) and the worker (the session's {@code on...} methods and a
 * recording stream).
 */
class WebSocketSessionTest {
    private final RecordingStream stream = new RecordingStream();
    private final List<ByteBuf> given = new ArrayList<>();
    private EmbeddedChannel ch;
    private WebSocketSession session;
    private ChannelPromise handshake;

    /** A session whose handshake response is still being written. */
    private void opening(boolean deflate) {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        session = new WebSocketSession(stream, deflate ? "permessage-deflate" : "", deflate, Duration.ofSeconds(5));
        ch.pipeline().addLast(WebSocketPipeline.SESSION, session);
        handshake = ch.newPromise();
        session.start(handshake);
    }

    /** An open session with {@code credit} bytes of credit from the worker. */
    private void open(int credit) {
        opening(false);
        session.onRequestWindow(credit);
        handshake.setSuccess();
        assertEquals(List.of("open "), stream.take());
    }

    @AfterEach
    void finish() {
        if (ch != null) {
            for (Object o; (o = ch.readOutbound()) != null; ) {
                release(o);
            }
            ch.finishAndReleaseAll();
        }
        for (ByteBuf b : given) {
            assertEquals(0, b.refCnt(), "every buffer given to the session is released: " + b);
        }
    }

    private ByteBuf bytes(String latin1) {
        ByteBuf b = Unpooled.copiedBuffer(latin1, StandardCharsets.ISO_8859_1);
        given.add(b);
        return b;
    }

    private void client(Object event) {
        ch.writeInbound(event);
        ch.runPendingTasks();
    }

    /** The next thing the session wrote, as a string, its buffer released. */
    private String written() {
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        if (o == null) {
            return null;
        }
        String s = switch (o) {
            case OutboundPiece p -> "piece " + (p.text() ? "text " : "binary ") + (p.last() ? "" : "continues ")
                    + (p.compress() ? "compressed " : "") + p.data().toString(StandardCharsets.ISO_8859_1);
            case OutboundClose c -> "close " + c.code() + (c.reason().isEmpty() ? "" : " " + c.reason());
            case OutboundPing p -> "ping " + p.payload().toString(StandardCharsets.ISO_8859_1);
            default -> throw new AssertionError("unexpected write " + o);
        };
        release(o);
        return s;
    }

    private static void release(Object o) {
        switch (o) {
            case OutboundPiece p -> p.data().release();
            case OutboundPing p -> p.payload().release();
            default -> io.netty.util.ReferenceCountUtil.release(o);
        }
    }

    private void advance(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    // ---- opening

    @Test
    void theSessionOpensOnceTheHandshakeIsWritten() {
        opening(false);
        session.onRequestWindow(100);
        client(new MessagePiece(true, bytes("early"), true));
        assertEquals(List.of(), stream.take(), "nothing before the 101 is written");
        handshake.setSuccess();
        assertEquals(List.of("open ", "message text early"), stream.take());
        assertEquals(WebSocketSession.State.OPEN, session.state());
    }

    @Test
    void aClientGoneBeforeTheHandshakeWasWrittenIsReportedAs1006() {
        opening(false);
        handshake.setFailure(new java.io.IOException("reset by peer"));
        ch.runPendingTasks();
        assertEquals(List.of("close 1006"), stream.take(), "WS_CLOSE 1006 instead of WS_OPEN");
        assertFalse(ch.isOpen());
    }

    @Test
    void theNegotiatedExtensionsGoWithWsOpen() {
        opening(true);
        handshake.setSuccess();
        assertEquals(List.of("open permessage-deflate"), stream.take());
    }

    // ---- client messages, within the worker's credit (MUST-WS-10)

    @Test
    void clientMessagesGoOnlyWithinCreditAndReadingStopsWithoutIt() {
        open(5);
        assertTrue(ch.config().isAutoRead());
        client(new MessagePiece(true, bytes("abcdefgh"), true));
        assertEquals(List.of("message text continues abcde"), stream.take(), "the credit's worth, marked as continuing");
        assertFalse(ch.config().isAutoRead(), "no credit: the client is not read");
        client(new MessagePiece(false, bytes("ij"), true));
        assertEquals(List.of(), stream.take());
        session.onRequestWindow(4);
        assertEquals(List.of("message text fgh", "message binary continues i"), stream.take());
        assertFalse(ch.config().isAutoRead());
        session.onRequestWindow(10);
        assertEquals(List.of("message binary j"), stream.take());
        assertTrue(ch.config().isAutoRead(), "credit again: reading resumes");
    }

    @Test
    void piecesOfOneMessageKeepItsTypeAndOnlyTheLastEndsIt() {
        open(100);
        client(new MessagePiece(false, bytes("ab"), false));
        client(new MessagePiece(false, bytes("cd"), true));
        assertEquals(List.of("message binary continues ab", "message binary cd"), stream.take());
    }

    @Test
    void anEmptyMessageNeedsNoCredit() {
        open(1);
        client(new MessagePiece(false, bytes("x"), true));
        client(new MessagePiece(true, Unpooled.EMPTY_BUFFER, true));
        assertEquals(List.of("message binary x", "message text "), stream.take());
    }

    @Test
    void aPongFromTheClientGoesToTheWorker() {
        open(1);
        client(new PeerPong(bytes("p1")));
        assertEquals(List.of("pong p1"), stream.take());
    }

    // ---- the client closes

    @Test
    void aClientCloseIsAnsweredWithItsCodeAndTheConnectionClosed() {
        open(10);
        client(new PeerClose(1001, "away"));
        assertEquals("close 1001", written());
        assertEquals(List.of("close 1001 away"), stream.take());
        assertFalse(ch.isOpen(), "the server closes TCP first (RFC 6455 section 7.1.1)");
    }

    @Test
    void aClientCloseWithoutACodeIsAnsweredWithoutOne() {
        open(10);
        client(new PeerClose(CloseCodes.NO_STATUS, ""));
        assertEquals("close 0", written(), "an empty close frame");
        assertEquals(List.of("close -1"), stream.take(), "WS_CLOSE with an empty payload");
    }

    @Test
    void messagesBeforeTheClientsCloseReachTheWorkerFirst() {
        open(2);
        client(new MessagePiece(true, bytes("abcd"), true));
        client(new PeerClose(1000, ""));
        assertEquals("close 1000", written());
        assertEquals(List.of("message text continues ab"), stream.take());
        assertFalse(ch.isOpen());
        session.onRequestWindow(2);
        assertEquals(List.of("message text cd", "close 1000"), stream.take());
    }

    @Test
    void messagesThatGetNoCreditInTimeAreDroppedAndTheCloseReported() {
        open(1);
        // An EmbeddedChannel cancels its timers when it closes, an event loop does not: the close
        // is held back here so the session's clock runs as it would.
        ch.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void close(io.netty.channel.ChannelHandlerContext ctx, ChannelPromise promise) {
                promise.setSuccess();
            }
        });
        client(new MessagePiece(true, bytes("abcd"), true));
        client(new PeerClose(4001, "done"));
        stream.take();
        advance(5);
        assertEquals(List.of("close 4001 done"), stream.take());
    }

    @Test
    void aDroppedConnectionIs1006() {
        open(10);
        ch.close();
        ch.runPendingTasks();
        assertEquals(List.of("close 1006"), stream.take());
    }

    @Test
    void aFinWithoutACloseFrameIsADrop() {
        open(10);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(List.of("close 1006"), stream.take());
    }

    @Test
    void aProtocolFailureIsTheOutcome() {
        open(10);
        client(new MessagePiece(true, bytes("ab"), false));
        client(new ProtocolFailure(1007, "invalid UTF-8"));
        ch.close();
        ch.runPendingTasks();
        assertEquals(List.of("message text continues ab", "close 1007"), stream.take(), "reported once, with its code");
    }

    // ---- the application's messages

    @Test
    void applicationMessagesAreWrittenAndCreditedOnceWritten() {
        open(10);
        session.onWebSocketMessage(bytes("h\u00c3\u00a9"), true, false, false);
        assertEquals("piece text h\u00c3\u00a9", written());
        assertEquals(List.of("grant 3"), stream.take(), "credit once the bytes are written");
        session.onWebSocketMessage(bytes("ab"), false, true, false);
        session.onWebSocketMessage(bytes("cd"), false, false, false);
        assertEquals("piece binary continues ab", written());
        assertEquals("piece binary cd", written());
    }

    @Test
    void aCodePointMaySpanPiecesButMustEndTheMessage() {
        open(10);
        session.onWebSocketMessage(bytes("\u00c3"), true, true, false);
        session.onWebSocketMessage(bytes("\u00a9"), true, false, false);
        assertEquals("piece text continues \u00c3", written());
        assertEquals("piece text \u00a9", written());
        session.onWebSocketMessage(bytes("a\u00c3"), true, false, false);
        assertEquals("close 1011", written(), "a message that ends inside a code point");
        assertEquals(List.of("grant 1", "grant 1", "reset PROTOCOL_ERROR"), stream.take());
    }

    @Test
    void applicationTextThatIsNotUtf8IsAStreamError() {
        open(10);
        session.onWebSocketMessage(bytes("\u00ff"), true, false, false);
        assertEquals("close 1011", written());
        assertEquals(List.of("reset PROTOCOL_ERROR"), stream.take());
        assertEquals(WebSocketSession.State.CLOSING, session.state());
        client(new PeerClose(1011, ""));
        assertFalse(ch.isOpen());
        assertEquals(List.of(), stream.take(), "the reset stream hears nothing more");
    }

    @Test
    void piecesThatDisagreeOnTextAreAStreamError() {
        open(10);
        session.onWebSocketMessage(bytes("a"), true, true, false);
        session.onWebSocketMessage(bytes("b"), false, false, false);
        assertEquals("piece text continues a", written());
        assertEquals("close 1011", written());
        assertTrue(stream.take().contains("reset PROTOCOL_ERROR"));
    }

    @Test
    void withDeflateAMessageIsCompressedUnlessTheApplicationAsksNot() {
        opening(true);
        handshake.setSuccess();
        session.onWebSocketMessage(bytes("a"), true, true, true);
        session.onWebSocketMessage(bytes("b"), true, false, false);
        session.onWebSocketMessage(bytes("c"), true, false, false);
        assertEquals("piece text continues a", written(), "UNCOMPRESSED on the first piece");
        assertEquals("piece text b", written(), "the first piece decides for the message");
        assertEquals("piece text compressed c", written());
    }

    @Test
    void theApplicationsPingsGoToTheClient() {
        open(10);
        session.onWebSocketPing(new byte[] {'x', 'y'});
        assertEquals("ping xy", written());
    }

    // ---- the application closes

    @Test
    void theApplicationsCloseWaitsForTheClientsAndReportsItsCode() {
        open(10);
        session.onWebSocketMessage(bytes("last"), true, false, false);
        session.onWebSocketClose(1000, "done");
        assertEquals("piece text last", written());
        assertEquals("close 1000 done", written(), "after the messages before it");
        assertEquals(WebSocketSession.State.CLOSING, session.state());
        client(new MessagePiece(true, bytes("ignored"), true));
        client(new PeerClose(1000, "ok"));
        assertEquals(List.of("grant 4", "close 1000 ok"), stream.take(), "the client's code is the outcome");
        assertFalse(ch.isOpen());
    }

    @Test
    void aClientThatDoesNotAnswerTheCloseIsReportedAs1006() {
        open(10);
        session.onWebSocketClose(CloseCodes.NONE, "");
        assertEquals("close 0", written());
        advance(4);
        assertTrue(ch.isOpen());
        advance(1);
        assertFalse(ch.isOpen());
        assertEquals(List.of("close 1006"), stream.take());
    }

    @Test
    void aCloseCodeTheApplicationMayNotSendIsAStreamError() {
        open(10);
        session.onWebSocketClose(1005, "");
        assertEquals("close 1011", written());
        assertEquals(List.of("reset PROTOCOL_ERROR"), stream.take());
    }

    @Test
    void theApplicationClosingAfterTheClientReportsTheClientsClose() {
        open(1);
        client(new MessagePiece(true, bytes("abc"), true));
        client(new PeerClose(1000, ""));
        stream.take();
        session.onWebSocketClose(1000, "");
        assertEquals(List.of("close 1000"), stream.take(), "the pending messages are no longer wanted");
    }

    // ---- the worker fails

    @Test
    void aWorkerResetClosesWith1011() {
        open(10);
        session.onReset(ResetCode.INTERNAL_ERROR);
        assertEquals("close 1011", written());
        client(new PeerClose(1011, ""));
        assertFalse(ch.isOpen());
        assertEquals(List.of(), stream.take(), "a reset stream gets no WS_CLOSE");
    }

    @Test
    void aWorkerCrashClosesWith1011AndTheClientHasTheCloseTimeout() {
        open(10);
        session.onFailure(StreamFailure.WORKER_CRASHED);
        assertEquals("close 1011", written());
        advance(5);
        assertFalse(ch.isOpen());
        assertEquals(List.of(), stream.take());
    }

    // ---- the idle timeout (spec 9.5)

    @Test
    void anIdleSessionStartsACloseHandshakeWith1001AndTheClientsAnswerIsTheOutcome() {
        open(10);
        ch.pipeline().fireUserEventTriggered(IdleSessionTimeout.EXPIRED);
        assertEquals("close 1001", written());
        assertTrue(ch.isOpen(), "the client answers first");
        assertEquals(List.of(), stream.take());
        client(new PeerClose(1001, ""));
        assertEquals(List.of("close 1001"), stream.take());
        assertFalse(ch.isOpen());
    }

    // ---- shutdown (spec 9.5, 11.5)

    @Test
    void sessionsCloseWith1001WhenTheGracefulTimeoutEnds() {
        open(10);
        ch.pipeline().fireUserEventTriggered(GracefulShutdown.INSTANCE);
        assertNull(written(), "not at the start of shutdown");
        assertTrue(ch.isOpen());
        ch.pipeline().fireUserEventTriggered(GracefulShutdown.DEADLINE);
        assertEquals("close 1001 server shutting down", written());
        assertEquals(List.of("close 1001"), stream.take());
        assertFalse(ch.isOpen());
    }

    @Test
    void afterTheClientsCloseTheApplicationsMessagesAreDropped() {
        open(10);
        client(new PeerClose(1000, ""));
        written();
        stream.take();
        session.onWebSocketMessage(bytes("late"), true, false, false);
        session.onWebSocketPing(new byte[] {1});
        assertNull(written());
        assertEquals(List.of(), stream.take(), "nothing written, nothing to credit");
    }
}
