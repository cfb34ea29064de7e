package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server's frames (RFC 6455 §5.2): unmasked, pieces as fragments, nothing after close. */
class FrameEncoderTest {

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    @Test
    void aOnePieceTextMessageIsOneFinalTextFrame() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundPiece(true, bytes("hello"), true, false));
        ws.channel.flushOutbound();
        Object raw = ws.channel.readOutbound();
        ByteBuf wire = (ByteBuf) raw;
        assertArrayEquals(new byte[] {(byte) 0x81, 5, 'h', 'e', 'l', 'l', 'o'}, ByteBufUtil.getBytes(wire));
        wire.release();
        ws.frames();
        ws.finish();
    }

    @Test
    void piecesBecomeFragmentsWithControlFramesBetween() {
        WsChannel ws = WsChannel.plain();
        ws.channel.write(new OutboundPiece(false, bytes("a"), false, false));
        ws.channel.write(new OutboundPing(bytes("p")));
        ws.channel.write(new OutboundPiece(false, bytes("b"), false, false));
        ws.channel.write(new OutboundPiece(false, bytes("c"), true, false));
        ws.channel.writeAndFlush(new OutboundPiece(true, bytes("next"), true, false));
        List<ServerFrame> frames = ws.frames();
        assertEquals(List.of(
                new ServerFrame(false, false, Opcodes.BINARY, "a".getBytes()),
                new ServerFrame(true, false, Opcodes.PING, "p".getBytes()),
                new ServerFrame(false, false, Opcodes.CONTINUATION, "b".getBytes()),
                new ServerFrame(true, false, Opcodes.CONTINUATION, "c".getBytes()),
                new ServerFrame(true, false, Opcodes.TEXT, "next".getBytes())).toString(), frames.toString());
        ws.finish();
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 125, 126, 1024, 1025, 65535, 65536, 200_000})
    void everyLengthIsEncodedInItsShortestForm(int length) {
        WsChannel ws = WsChannel.plain();
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) i;
        }
        ws.channel.writeAndFlush(new OutboundPiece(false, Unpooled.wrappedBuffer(payload), true, false));
        List<ServerFrame> frames = ws.frames();   // checks the shortest form
        assertEquals(1, frames.size());
        assertArrayEquals(payload, frames.get(0).payload());
        ws.finish();
    }

    @Test
    void aPiecesWriteCompletesWhenItsBytesAreWritten() {
        WsChannel ws = WsChannel.plain();
        ChannelFuture small = ws.channel.write(new OutboundPiece(true, bytes("x"), true, false));
        ChannelFuture large = ws.channel.write(new OutboundPiece(false, Unpooled.wrappedBuffer(new byte[5000]), true, false));
        assertFalse(small.isDone(), "done before the flush");
        assertFalse(large.isDone(), "done before the flush");
        ws.channel.flush();
        assertTrue(small.isSuccess());
        assertTrue(large.isSuccess());
        ws.frames();
        ws.finish();
    }

    @Test
    void framesWrittenAfterTheCloseFrameAreDroppedAndReleased() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundClose(1000, ""));
        ByteBuf data = bytes("late");
        ByteBuf ping = bytes("p");
        ChannelFuture piece = ws.channel.writeAndFlush(new OutboundPiece(true, data, true, false));
        ChannelFuture pingWrite = ws.channel.writeAndFlush(new OutboundPing(ping));
        assertInstanceOf(FrameEncoder.FramesAfterCloseException.class, piece.cause());
        assertInstanceOf(FrameEncoder.FramesAfterCloseException.class, pingWrite.cause());
        assertEquals(0, data.refCnt());
        assertEquals(0, ping.refCnt());
        List<ServerFrame> frames = ws.frames();
        assertEquals(1, frames.size());
        assertEquals(1000, frames.get(0).closeCode());
        ws.finish();
    }

    @Test
    void otherMessagesPassThrough() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) 0x8A, 0}));
        assertEquals(List.of(new ServerFrame(true, false, Opcodes.PONG, new byte[0])).toString(),
                ws.frames().toString());
        ws.finish();
    }
}
