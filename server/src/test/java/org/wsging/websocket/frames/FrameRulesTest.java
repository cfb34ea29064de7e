package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.concat;
import static org.wsging.websocket.frames.ClientFrame.of;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule a client frame can break (RFC 6455 §5), each with its close code: the close frame is
 * written, then the connection closed, and the session told once.
 */
class FrameRulesTest {

    private static final byte[] INVALID_UTF8 = {(byte) 0xCE, (byte) 0xBA, (byte) 0xED, (byte) 0xA0, (byte) 0x80};

    static Stream<Arguments> violations() {
        return Stream.of(
                Arguments.of("unmasked frame", of(Opcodes.TEXT).payload("hi").unmasked().bytes(), 1002),
                Arguments.of("reserved opcode 3", of(3).bytes(), 1002),
                Arguments.of("reserved opcode 7", of(7).bytes(), 1002),
                Arguments.of("reserved opcode 0xB", of(0xB).bytes(), 1002),
                Arguments.of("reserved opcode 0xF", of(0xF).bytes(), 1002),
                Arguments.of("RSV1 without deflate", of(Opcodes.TEXT).rsv(0x40).payload("hi").bytes(), 1002),
                Arguments.of("RSV2", of(Opcodes.TEXT).rsv(0x20).payload("hi").bytes(), 1002),
                Arguments.of("RSV3", of(Opcodes.BINARY).rsv(0x10).bytes(), 1002),
                Arguments.of("RSV on a ping", of(Opcodes.PING).rsv(0x70).bytes(), 1002),
                Arguments.of("ping of 126 bytes", of(Opcodes.PING).payload(new byte[126]).bytes(), 1002),
                Arguments.of("fragmented ping", of(Opcodes.PING).fin(false).payload("a").bytes(), 1002),
                Arguments.of("fragmented close", of(Opcodes.CLOSE).fin(false).bytes(), 1002),
                Arguments.of("continuation without a message", of(Opcodes.CONTINUATION).payload("a").bytes(), 1002),
                Arguments.of("continuation after a finished message",
                        concat(ClientFrame.text("done"), of(Opcodes.CONTINUATION).payload("a").bytes()), 1002),
                Arguments.of("text inside a fragmented message",
                        concat(of(Opcodes.TEXT).fin(false).payload("a").bytes(), ClientFrame.text("b")), 1002),
                Arguments.of("binary inside a fragmented message",
                        concat(of(Opcodes.BINARY).fin(false).bytes(), of(Opcodes.BINARY).bytes()), 1002),
                Arguments.of("16-bit length under 126", of(Opcodes.BINARY).payload(new byte[5]).lengthBytes(2).bytes(), 1002),
                Arguments.of("64-bit length under 65536", of(Opcodes.BINARY).payload(new byte[200]).lengthBytes(8).bytes(), 1002),
                Arguments.of("64-bit length with its high bit set", of(Opcodes.BINARY).announce(Long.MIN_VALUE).header(), 1002),
                Arguments.of("invalid UTF-8", of(Opcodes.TEXT).payload(INVALID_UTF8).bytes(), 1007),
                Arguments.of("text ending inside a code point", of(Opcodes.TEXT).payload(new byte[] {'a', (byte) 0xE2, (byte) 0x82}).bytes(), 1007),
                Arguments.of("frame longer than the maximum", of(Opcodes.BINARY).announce(1025).header(), 1009));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("violations")
    void aViolationClosesWithItsCode(String name, byte[] bytes, int code) {
        WsChannel ws = WsChannel.plain(1024, 512);
        ws.send(bytes);
        ws.assertFailed(code);
        ws.finish();
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("violations")
    void aViolationIsFoundOneByteAtATime(String name, byte[] bytes, int code) {
        WsChannel ws = WsChannel.plain(1024, 512);
        ws.sendByteByByte(bytes);
        ws.assertFailed(code);
        ws.finish();
    }

    @Test
    void invalidUtf8IsRefusedAsSoonAsTheBadByteArrivesNotAtTheFrameEnd() {
        WsChannel ws = WsChannel.plain();
        byte[] frame = of(Opcodes.TEXT).payload(concat("valid then ".getBytes(), INVALID_UTF8, new byte[100])).bytes();
        int badByte = frame.length - 100 - 3;   // ED, in the middle of the frame
        ws.send(java.util.Arrays.copyOf(frame, badByte));
        assertTrue(ws.channel.isOpen(), "the bytes so far were valid");
        ws.send(java.util.Arrays.copyOfRange(frame, badByte, badByte + 2));
        String why = ws.assertFailed(1007);
        assertTrue(why.contains("UTF-8"), why);
        ws.finish();
    }

    @Test
    void nothingReachesTheSessionAfterAFailure() {
        WsChannel ws = WsChannel.plain();
        ws.send(concat(of(Opcodes.PING).fin(false).bytes(), ClientFrame.text("after"),
                of(Opcodes.PING).payload("p").bytes(), of(9).bytes()));
        ws.assertFailed(1002);   // one close frame: no pong, no second close, no message
        ws.finish();
    }

    @Test
    void messagesBeforeTheViolationAreDelivered() {
        WsChannel ws = WsChannel.plain();
        ws.send(concat(ClientFrame.text("first"), of(Opcodes.TEXT).rsv(0x20).payload("bad").bytes()));
        var events = ws.events();
        assertEquals("MessagePiece", events.get(0).getClass().getSimpleName());
        assertEquals("first", ((MessagePiece) events.get(0)).data().toString(java.nio.charset.StandardCharsets.UTF_8));
        events.forEach(io.netty.util.ReferenceCountUtil::release);
        assertEquals(1002, ws.frames().get(0).closeCode());
        ws.finish();
    }

    @Test
    void theCloseFrameReasonIsCutToWhatACloseFrameHolds() {
        String why = "é".repeat(100);
        String reason = ProtocolFailureHandler.reason(why);
        assertTrue(reason.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 123);
        assertEquals("é".repeat(61), reason);
    }
}
