package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.concat;
import static org.wsging.websocket.frames.ClientFrame.of;

import org.junit.jupiter.api.Test;

/** The maximum message size (spec 9.3, 14.5; close 1009), checked before anything is allocated. */
class MessageSizeTest {

    @Test
    void aFrameLongerThanTheMaximumIsRefusedFromItsHeaderAlone() {
        WsChannel ws = WsChannel.plain(1000, 100);
        ws.send(of(Opcodes.BINARY).announce(1001).header());
        ws.assertFailed(1009);
        ws.finish();
    }

    @Test
    void aLengthOf2To63Minus1IsRefusedWithoutAllocating() {
        WsChannel ws = WsChannel.plain(1 << 20, 1 << 16);
        ws.send(of(Opcodes.BINARY).announce(Long.MAX_VALUE).header());
        ws.assertFailed(1009);
        ws.finish();
    }

    @Test
    void aLengthOf2To63IsAProtocolError() {
        WsChannel ws = WsChannel.plain(Long.MAX_VALUE, 1 << 16);
        ws.send(of(Opcodes.BINARY).announce(Long.MIN_VALUE).header());
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void fragmentsAddUpAndTheFrameThatCrossesTheMaximumIsRefusedAtItsHeader() {
        WsChannel ws = WsChannel.plain(1000, 1000);
        ws.send(of(Opcodes.TEXT).fin(false).payload("a".repeat(600)).bytes());
        ws.send(of(Opcodes.CONTINUATION).fin(false).payload("b".repeat(400)).bytes());
        assertTrue(ws.channel.isOpen(), "1000 bytes fit");
        ws.send(of(Opcodes.CONTINUATION).announce(1).header());
        ws.assertFailed(1009);
        ws.finish();
    }

    @Test
    void aMessageOfExactlyTheMaximumIsDelivered() {
        WsChannel ws = WsChannel.plain(1000, 300);
        ws.send(concat(of(Opcodes.BINARY).fin(false).payload(new byte[500]).bytes(),
                of(Opcodes.CONTINUATION).payload(new byte[500]).bytes()));
        assertEquals(1000, ws.message().length);
        ws.send(ClientFrame.binary(new byte[1000]));
        assertEquals(1000, ws.message().length, "each message has its own count");
        ws.finish();
    }

    @Test
    void controlFramesDoNotCountTowardsTheMessage() {
        WsChannel ws = WsChannel.plain(10, 10);
        ws.send(concat(of(Opcodes.TEXT).fin(false).payload("12345").bytes(),
                of(Opcodes.PING).payload("x".repeat(100)).bytes(),
                of(Opcodes.CONTINUATION).payload("67890").bytes()));
        assertEquals(1, ws.frames().size(), "the pong");
        assertEquals("1234567890", new String(ws.message()));
        ws.finish();
    }
}
