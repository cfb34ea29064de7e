package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsging.websocket.frames.MessagePiece;
import org.wsging.websocket.frames.OutboundPiece;
import org.wsging.websocket.frames.PeerPong;

/** Spec 9.5: a session without a message either way for the idle timeout is told to close. */
class IdleSessionTimeoutTest {
    private EmbeddedChannel ch;
    private final List<Object> events = new ArrayList<>();

    @BeforeEach
    void start() {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new IdleSessionTimeout(Duration.ofSeconds(60)), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        });
    }

    @AfterEach
    void finish() {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
    }

    private void advance(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    @Test
    void aSessionWithoutMessagesExpiresOnce() {
        advance(59);
        assertEquals(List.of(), events);
        advance(1);
        assertEquals(1, events.size());
        assertSame(IdleSessionTimeout.EXPIRED, events.get(0));
        advance(120);
        assertEquals(1, events.size(), "told once");
    }

    @Test
    void aMessageEitherWayRestartsIt() {
        advance(50);
        ch.writeInbound(new MessagePiece(true, Unpooled.copiedBuffer(new byte[] {'a'}), true));
        advance(50);
        ch.writeOutbound(new OutboundPiece(true, Unpooled.copiedBuffer(new byte[] {'b'}), true, false));
        advance(59);
        assertEquals(List.of(), events, "59 s since the application's message");
        advance(1);
        assertEquals(1, events.size());
    }

    @Test
    void pingsAndPongsDoNotCount() {
        advance(30);
        ch.writeInbound(new PeerPong(Unpooled.copyLong(1)));
        advance(30);
        assertEquals(1, events.size(), "a live client that says nothing is still idle");
    }

    @Test
    void timeTheServerDoesNotReadIsNotIdle() {
        ch.config().setAutoRead(false); // the application holds the client's messages
        advance(120);
        assertEquals(List.of(), events);
        ch.config().setAutoRead(true);
        advance(60);
        assertEquals(1, events.size());
    }

    @Test
    void theTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new IdleSessionTimeout(Duration.ZERO));
    }
}
