package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.concat;
import static org.wsging.websocket.frames.ClientFrame.of;

import io.netty.buffer.ByteBufUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Messages in fragments and frames in pieces (RFC 6455 §5.4): incremental decoding, pieces handed
 * on as they arrive, control frames between fragments, UTF-8 across frame boundaries.
 */
class FragmentationTest {

    private static final byte[] EURO = "€".getBytes(StandardCharsets.UTF_8);   // E2 82 AC

    @Test
    void aFragmentedMessageWithAPingBetweenArrivesWholeOneByteAtATime() {
        WsChannel ws = WsChannel.plain(1 << 20, 7);
        String text = "κόσμε, one piece after another, with a € and a 😀 in it";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] stream = concat(
                of(Opcodes.TEXT).fin(false).payload(Arrays.copyOfRange(bytes, 0, 3)).bytes(),   // splits 'ό'
                of(Opcodes.PING).payload("between").bytes(),
                of(Opcodes.CONTINUATION).fin(false).payload(Arrays.copyOfRange(bytes, 3, 50)).bytes(),
                of(Opcodes.PONG).payload("pong").bytes(),
                of(Opcodes.CONTINUATION).fin(false).bytes(),   // an empty fragment
                of(Opcodes.CONTINUATION).payload(Arrays.copyOfRange(bytes, 50, bytes.length)).bytes());
        ws.sendByteByByte(stream);

        List<Object> events = ws.events();
        StringBuilder seen = new StringBuilder();
        byte[] joined = new byte[0];
        for (int i = 0; i < events.size(); i++) {
            Object event = events.get(i);
            if (event instanceof MessagePiece piece) {
                assertTrue(piece.text());
                assertTrue(piece.data().readableBytes() <= 7, "piece larger than the piece size");
                joined = concat(joined, ByteBufUtil.getBytes(piece.data()));
                assertEquals(joined.length == bytes.length, piece.last());
                seen.append('m');
            } else {
                assertInstanceOf(PeerPong.class, event);
                seen.append('P');
            }
            ReferenceCountUtil.release(event);
        }
        assertEquals(text, new String(joined, StandardCharsets.UTF_8));
        assertTrue(seen.toString().matches("m*Pm+"), "the pong arrives between the pieces: " + seen);
        List<ServerFrame> frames = ws.frames();
        assertEquals(1, frames.size());
        assertEquals("between", frames.get(0).text());
        ws.finish();
    }

    @Test
    void payloadIsHandedOnAsItArrivesNotWhenTheFrameIsComplete() {
        WsChannel ws = WsChannel.plain(1 << 20, 1 << 16);
        ClientFrame builder = of(Opcodes.BINARY).payload(new byte[1000]);
        byte[] frame = builder.bytes();
        int header = builder.header().length;
        ws.send(Arrays.copyOf(frame, header + 300));
        List<Object> events = ws.events();
        assertEquals(1, events.size());
        MessagePiece first = (MessagePiece) events.get(0);
        assertEquals(300, first.data().readableBytes());
        assertFalse(first.last());
        first.release();
        ws.send(Arrays.copyOfRange(frame, header + 300, frame.length));
        assertEquals(700, ws.message().length);
        ws.finish();
    }

    @Test
    void noPieceIsLargerThanThePieceSize() {
        WsChannel ws = WsChannel.plain(1 << 20, 10);
        byte[] payload = new byte[95];
        Arrays.fill(payload, (byte) 'x');
        ws.send(ClientFrame.binary(payload));
        List<Object> events = ws.events();
        assertEquals(10, events.size());
        int total = 0;
        for (Object event : events) {
            MessagePiece piece = (MessagePiece) event;
            assertTrue(piece.data().readableBytes() <= 10);
            total += piece.data().readableBytes();
            piece.release();
        }
        assertEquals(95, total);
        ws.finish();
    }

    @Test
    void aCodePointSplitBetweenFramesIsValid() {
        WsChannel ws = WsChannel.plain();
        ws.send(concat(of(Opcodes.TEXT).fin(false).payload(Arrays.copyOf(EURO, 1)).bytes(),
                of(Opcodes.CONTINUATION).fin(false).payload(Arrays.copyOfRange(EURO, 1, 2)).bytes(),
                of(Opcodes.CONTINUATION).payload(Arrays.copyOfRange(EURO, 2, 3)).bytes()));
        assertArrayEquals(EURO, ws.message());
        ws.finish();
    }

    @Test
    void anInvalidContinuationInTheNextFrameIs1007AtThatFrame() {
        WsChannel ws = WsChannel.plain();
        ws.send(of(Opcodes.TEXT).fin(false).payload(Arrays.copyOf(EURO, 2)).bytes());
        assertTrue(ws.channel.isOpen(), "valid so far");
        ws.send(of(Opcodes.CONTINUATION).fin(false).payload("A").bytes());
        ws.assertFailed(1007);
        ws.finish();
    }

    @Test
    void aMessageEndingInsideACodePointIs1007EvenWhenItsFramesWereValidSoFar() {
        WsChannel ws = WsChannel.plain();
        ws.send(of(Opcodes.TEXT).fin(false).payload("ok").bytes());
        ws.send(of(Opcodes.CONTINUATION).payload(Arrays.copyOf(EURO, 2)).bytes());
        ws.assertFailed(1007);
        ws.finish();
    }

    @Test
    void emptyMessagesAreOneEmptyLastPiece() {
        WsChannel ws = WsChannel.plain();
        ws.send(concat(of(Opcodes.TEXT).fin(false).bytes(), of(Opcodes.CONTINUATION).bytes()));
        assertEquals(0, ws.message().length);
        ws.send(ClientFrame.binary(new byte[0]));
        List<Object> events = ws.events();
        MessagePiece piece = (MessagePiece) events.get(0);
        assertEquals(1, events.size());
        assertFalse(piece.text());
        assertTrue(piece.last());
        piece.release();
        ws.finish();
    }

    @Test
    void binaryIsNotCheckedAsText() {
        WsChannel ws = WsChannel.plain();
        byte[] notUtf8 = {(byte) 0xFF, (byte) 0xC0, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        ws.send(ClientFrame.binary(notUtf8));
        assertArrayEquals(notUtf8, ws.message());
        ws.finish();
    }

    @Test
    void messagesFollowEachOtherInOneRead() {
        WsChannel ws = WsChannel.plain();
        ws.send(concat(ClientFrame.text("one"), ClientFrame.binary(new byte[] {2}), ClientFrame.text("three")));
        List<Object> events = ws.events();
        assertEquals(3, events.size());
        assertEquals("three", ((MessagePiece) events.get(2)).data().toString(StandardCharsets.UTF_8));
        events.forEach(ReferenceCountUtil::release);
        ws.finish();
    }

    @Test
    void withoutAutoReadAnIncompleteFrameAsksForMoreBytes() {
        WsChannel ws = WsChannel.plain();
        ws.channel.config().setAutoRead(false);
        ws.log.clear();
        byte[] frame = ClientFrame.text("held back");
        ws.send(Arrays.copyOf(frame, 3));   // one read, then its read-complete
        assertEquals(List.of("read request"), ws.log, "a partial header yields nothing: more is needed");
        ws.log.clear();
        ws.send(Arrays.copyOfRange(frame, 3, frame.length));
        assertEquals(List.of("read MessagePiece"), ws.log, "the session decides when to read on");
        ws.message();
        ws.finish();
    }
}
