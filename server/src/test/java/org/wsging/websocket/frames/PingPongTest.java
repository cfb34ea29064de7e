package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.of;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pings and pongs (RFC 6455 §5.5.2, §5.5.3). */
class PingPongTest {

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 4, 125})
    void aPingIsAnsweredAtOnceWithAPongOfItsPayload(int length) {
        WsChannel ws = WsChannel.plain();
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (i * 7);
        }
        ws.send(of(Opcodes.PING).payload(payload).bytes());
        List<ServerFrame> frames = ws.frames();
        assertEquals(1, frames.size());
        assertEquals(Opcodes.PONG, frames.get(0).opcode());
        assertTrue(frames.get(0).fin());
        assertArrayEquals(payload, frames.get(0).payload());
        assertEquals(List.of(), ws.events(), "the session does not see pings");
        ws.finish();
    }

    @Test
    void everyPingIsAnswered() {
        WsChannel ws = WsChannel.plain();
        byte[] pings = new byte[0];
        for (int i = 0; i < 10; i++) {
            pings = ClientFrame.concat(pings, of(Opcodes.PING).payload("p" + i).bytes());
        }
        ws.send(pings);
        List<ServerFrame> frames = ws.frames();
        assertEquals(10, frames.size());
        assertEquals("p9", frames.get(9).text());
        ws.finish();
    }

    @Test
    void aPongGoesUpToTheSession() {
        WsChannel ws = WsChannel.plain();
        ws.send(of(Opcodes.PONG).payload("rtt-1").bytes());
        List<Object> events = ws.events();
        PeerPong pong = assertInstanceOf(PeerPong.class, events.get(0));
        assertEquals("rtt-1", new String(ByteBufUtil.getBytes(pong.payload())));
        pong.release();
        assertEquals(List.of(), ws.frames(), "a pong is not answered");
        ws.finish();
    }

    @Test
    void theSessionPingsTheClient() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundPing(Unpooled.copiedBuffer(new byte[] {1, 2, 3})));
        assertEquals(List.of(new ServerFrame(true, false, Opcodes.PING, new byte[] {1, 2, 3})).toString(),
                ws.frames().toString());
        ws.finish();
    }

    @Test
    void aPingOver125BytesFailsItsWrite() {
        WsChannel ws = WsChannel.plain();
        var payload = Unpooled.buffer(126).writeZero(126);
        ChannelFuture write = ws.channel.writeAndFlush(new OutboundPing(payload));
        assertInstanceOf(IllegalArgumentException.class, write.cause());
        assertEquals(0, payload.refCnt());
        assertEquals(List.of(), ws.frames());
        ws.finish();
    }

    @Test
    void noPongAfterTheServersCloseFrame() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundClose(1001, ""));
        ws.send(of(Opcodes.PING).payload("late").bytes());
        List<ServerFrame> frames = ws.frames();
        assertEquals(1, frames.size(), "frames: " + frames);
        assertEquals(1001, frames.get(0).closeCode());
        ws.finish();
    }
}
