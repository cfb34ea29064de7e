package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.websocket.frames.OutboundPing;
import org.wsging.websocket.frames.PeerPong;

/** Spec 9.5: an idle client is pinged, and dropped when nothing comes back in time. */
class KeepAlivePingsTest {
    private EmbeddedChannel ch;

    private void start() {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new KeepAlivePings(Duration.ofSeconds(20), Duration.ofSeconds(10)));
    }

    @AfterEach
    void finish() {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ((OutboundPing) o).payload().release();
        }
        ch.finishAndReleaseAll();
    }

    private void advance(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    private void expectPing() {
        OutboundPing ping = assertInstanceOf(OutboundPing.class, ch.readOutbound());
        assertEquals(8, ping.payload().readableBytes());
        ping.payload().release();
    }

    @Test
    void anIdleClientIsPingedAndDroppedWithoutAnAnswer() {
        start();
        advance(19);
        assertNull(ch.readOutbound());
        advance(1);
        expectPing();
        advance(9);
        assertTrue(ch.isOpen());
        advance(1);
        assertFalse(ch.isOpen(), "no answer within the ping timeout: closed without a close frame");
        assertNull(ch.readOutbound());
    }

    @Test
    void aPongKeepsTheClientAndPassesOn() {
        start();
        advance(20);
        expectPing();
        advance(5);
        ch.writeInbound(new PeerPong(Unpooled.copyLong(1)));
        PeerPong passed = ch.readInbound();
        passed.payload().release();
        advance(15);
        assertTrue(ch.isOpen());
        assertNull(ch.readOutbound(), "silent for 15 s since its pong");
        advance(5);
        expectPing();
    }

    @Test
    void anythingFromTheClientCountsAsLife() {
        start();
        advance(15);
        ch.writeInbound("a message");
        assertEquals("a message", ch.readInbound());
        advance(15);
        assertNull(ch.readOutbound(), "not silent for the interval yet");
        advance(5);
        expectPing();
    }

    @Test
    void timeTheServerDoesNotReadIsNotTheClients() {
        start();
        ch.config().setAutoRead(false);
        advance(60);
        assertNull(ch.readOutbound());
        assertTrue(ch.isOpen());
        ch.config().setAutoRead(true);
        advance(20);
        expectPing();
    }

    @Test
    void intervalsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new KeepAlivePings(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new KeepAlivePings(Duration.ofSeconds(1), Duration.ZERO));
        ch = new EmbeddedChannel();
    }
}
