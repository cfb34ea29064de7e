package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.concat;
import static org.wsging.websocket.frames.ClientFrame.of;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client's close frame (RFC 6455 §5.5.1, §7.4) and the server's. */
class CloseFrameTest {

    private static PeerClose peerClose(WsChannel ws) {
        List<Object> events = ws.events();
        assertEquals(1, events.size(), "events: " + events);
        return assertInstanceOf(PeerClose.class, events.get(0));
    }

    @Test
    void aCloseWithoutPayloadIsReportedAs1005() {
        WsChannel ws = WsChannel.plain();
        ws.send(of(Opcodes.CLOSE).bytes());
        assertEquals(new PeerClose(1005, ""), peerClose(ws));
        assertTrue(ws.channel.isOpen(), "the session answers the close, not the frame layer");
        assertEquals(List.of(), ws.frames());
        ws.finish();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
    void aCodeAPeerMaySendGoesUpWithItsReason(int code) {
        WsChannel ws = WsChannel.plain();
        ws.send(ClientFrame.close(code, "bye ✓"));
        assertEquals(new PeerClose(code, "bye ✓"), peerClose(ws));
        ws.finish();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void aCodeNoPeerMaySendIsAProtocolError(int code) {
        WsChannel ws = WsChannel.plain();
        ws.send(ClientFrame.close(code, ""));
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void aOneBytePayloadIsAProtocolError() {
        WsChannel ws = WsChannel.plain();
        ws.send(of(Opcodes.CLOSE).payload(new byte[] {3}).bytes());
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void aReasonThatIsNotUtf8Is1007() {
        WsChannel ws = WsChannel.plain();
        byte[] payload = {0x03, (byte) 0xE8, 'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        ws.send(of(Opcodes.CLOSE).payload(payload).bytes());
        ws.assertFailed(1007);
        ws.finish();
    }

    @Test
    void aReasonOf123BytesFitsAndOf124DoesNot() {
        WsChannel ws = WsChannel.plain();
        ws.send(ClientFrame.close(1000, "r".repeat(123)));
        assertEquals(123, peerClose(ws).reason().length());
        ws.finish();

        ws = WsChannel.plain();
        ws.send(ClientFrame.close(1000, "r".repeat(124)));
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void framesAfterTheClientsCloseAreIgnored() {
        WsChannel ws = WsChannel.plain();
        ws.send(concat(ClientFrame.close(1000, ""), ClientFrame.text("late"), of(Opcodes.PING).bytes(),
                of(3).bytes()));
        ws.send(ClientFrame.text("later"));
        assertEquals(new PeerClose(1000, ""), peerClose(ws));
        assertEquals(List.of(), ws.frames(), "no pong, no failure");
        ws.finish();
    }

    @Test
    void theSessionsCloseFrameIsWrittenAndNothingAfterIt() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundClose(1000, "done"));
        ws.channel.writeAndFlush(new OutboundClose(0, ""));
        List<ServerFrame> frames = ws.frames();
        assertEquals(1, frames.size(), "frames: " + frames);
        assertEquals(1000, frames.get(0).closeCode());
        assertEquals("done", new String(frames.get(0).payload(), 2, 4, java.nio.charset.StandardCharsets.UTF_8));
        ws.finish();
    }

    @Test
    void aCloseWithoutCodeHasNoPayload() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundClose(0, ""));
        assertEquals(List.of(new ServerFrame(true, false, Opcodes.CLOSE, new byte[0])).toString(),
                ws.frames().toString());
        ws.finish();
    }

    @Test
    void aCloseTheServerMayNotSendIsRefusedWhenMade() {
        assertThrows(IllegalArgumentException.class, () -> new OutboundClose(1005, ""));
        assertThrows(IllegalArgumentException.class, () -> new OutboundClose(1006, ""));
        assertThrows(IllegalArgumentException.class, () -> new OutboundClose(0, "reason without code"));
        assertThrows(IllegalArgumentException.class, () -> new OutboundClose(1000, "é".repeat(62)));
        assertEquals(123, new OutboundClose(4000, "x".repeat(123)).reason().length());
    }
}
