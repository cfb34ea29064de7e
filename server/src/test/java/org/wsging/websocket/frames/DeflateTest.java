package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsging.websocket.frames.ClientFrame.concat;
import static org.wsging.websocket.frames.ClientFrame.of;

import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** permessage-deflate on a session (RFC 7692 §6, §7.2): both directions, each parameter, bounds. */
class DeflateTest {

    private static final byte[] TEXT = ("The quick brown fox jumps over the lazy dog; "
            + "the lazy dog sleeps on. ").repeat(20).getBytes(StandardCharsets.UTF_8);

    private static WsChannel deflate(boolean serverNoContextTakeover, boolean clientNoContextTakeover) {
        return deflate(1 << 20, 1 << 16, serverNoContextTakeover, clientNoContextTakeover);
    }

    private static WsChannel deflate(long max, int piece, boolean serverNoContextTakeover,
                                     boolean clientNoContextTakeover) {
        return new WsChannel(new FrameSettings(max, piece,
                new DeflateParameters(serverNoContextTakeover, clientNoContextTakeover, 0, 0)));
    }

    private static byte[] compressedText(byte[] compressed) {
        return of(Opcodes.TEXT).rsv(0x40).payload(compressed).bytes();
    }

    // -- from the client --

    @Test
    void aCompressedMessageIsInflated() {
        WsChannel ws = deflate(false, false);
        ws.send(compressedText(Zlib.compress(TEXT)));
        assertArrayEquals(TEXT, ws.message());
        ws.finish();
    }

    @Test
    void aCompressedMessageInFragmentsOneByteAtATimeIsInflated() {
        WsChannel ws = deflate(1 << 20, 100, false, false);
        byte[] compressed = Zlib.compress(TEXT);
        int third = compressed.length / 3;
        ws.sendByteByByte(concat(
                of(Opcodes.TEXT).rsv(0x40).fin(false).payload(Arrays.copyOf(compressed, third)).bytes(),
                of(Opcodes.PING).payload("mid").bytes(),
                of(Opcodes.CONTINUATION).fin(false).payload(Arrays.copyOfRange(compressed, third, 2 * third)).bytes(),
                of(Opcodes.CONTINUATION).payload(Arrays.copyOfRange(compressed, 2 * third, compressed.length)).bytes()));
        List<Object> events = ws.events();
        byte[] joined = new byte[0];
        for (Object event : events) {
            MessagePiece piece = (MessagePiece) event;
            assertTrue(piece.data().readableBytes() <= 100, "piece over the piece size");
            joined = concat(joined, io.netty.buffer.ByteBufUtil.getBytes(piece.data()));
            piece.release();
        }
        assertTrue(((MessagePiece) events.get(events.size() - 1)).last());
        assertArrayEquals(TEXT, joined);
        assertEquals("mid", ws.frames().get(0).text());
        ws.finish();
    }

    @Test
    void aSmallInflatedMessageDoesNotHoldAPieceSizedBuffer() {
        WsChannel ws = deflate(1 << 20, 1 << 16, false, false);
        ws.send(compressedText(Zlib.compress("small".getBytes(StandardCharsets.UTF_8))));
        List<Object> events = ws.events();
        MessagePiece piece = (MessagePiece) events.get(0);
        assertEquals(1, events.size());
        assertEquals("small", piece.data().toString(StandardCharsets.UTF_8));
        assertTrue(piece.data().capacity() < 1024, "capacity " + piece.data().capacity());
        piece.release();
        ws.finish();
    }

    @Test
    void uncompressedMessagesStillPass() {
        WsChannel ws = deflate(false, false);
        ws.send(ClientFrame.text("plain"));
        assertEquals("plain", new String(ws.message(), StandardCharsets.UTF_8));
        ws.finish();
    }

    @Test
    void rsv1OnAContinuationIsAProtocolError() {
        WsChannel ws = deflate(false, false);
        byte[] compressed = Zlib.compress(TEXT);
        ws.send(concat(of(Opcodes.TEXT).rsv(0x40).fin(false).payload(Arrays.copyOf(compressed, 10)).bytes(),
                of(Opcodes.CONTINUATION).rsv(0x40).payload(Arrays.copyOfRange(compressed, 10, compressed.length)).bytes()));
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void rsv1OnAControlFrameIsAProtocolError() {
        WsChannel ws = deflate(false, false);
        ws.send(of(Opcodes.PING).rsv(0x40).payload(Zlib.compress("x".getBytes())).bytes());
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void withContextTakeoverTheServerKeepsTheClientsHistory() throws Exception {
        WsChannel ws = deflate(false, false);
        Deflater client = Zlib.deflater();
        byte[] first = Zlib.compress(client, TEXT);
        byte[] second = Zlib.compress(client, TEXT);
        assertTrue(second.length < first.length / 2, "the second refers back to the first");
        ws.send(compressedText(first));
        assertArrayEquals(TEXT, ws.message());
        ws.send(compressedText(second));
        assertArrayEquals(TEXT, ws.message());
        client.end();
        ws.finish();
    }

    @Test
    void withClientNoContextTakeoverTheServerForgetsEachMessage() {
        WsChannel ws = deflate(false, true);
        Deflater client = Zlib.deflater();   // a client breaking its promise: it keeps its history
        ws.send(compressedText(Zlib.compress(client, TEXT)));
        assertArrayEquals(TEXT, ws.message());
        ws.send(compressedText(Zlib.compress(client, TEXT)));
        String why = ws.assertFailed(1002);
        assertTrue(why.contains("DEFLATE"), why);
        client.end();
        ws.finish();
    }

    @Test
    void aClientThatEndsItsStreamWithAFinalBlockIsUnderstood() throws Exception {
        WsChannel ws = deflate(false, false);
        for (int round = 0; round < 2; round++) {
            Deflater client = Zlib.deflater();
            client.setInput(TEXT);
            client.finish();
            byte[] buffer = new byte[4096];
            int n = client.deflate(buffer);
            client.end();
            ws.send(compressedText(Arrays.copyOf(buffer, n)));
            assertArrayEquals(TEXT, ws.message());
        }
        ws.finish();
    }

    @Test
    void anEmptyCompressedMessageIsEmpty() {
        WsChannel ws = deflate(false, false);
        ws.send(compressedText(new byte[] {0x00}));   // RFC 7692 §7.2.3.6
        assertEquals(0, ws.message().length);
        ws.send(compressedText(new byte[0]));
        assertEquals(0, ws.message().length);
        ws.finish();
    }

    @Test
    void dataThatIsNotDeflateIsAProtocolError() {
        WsChannel ws = deflate(false, false);
        ws.send(compressedText(new byte[] {(byte) 0xFF, (byte) 0xFF, 0x12, 0x34}));
        ws.assertFailed(1002);
        ws.finish();
    }

    @Test
    void inflatedTextIsCheckedAsUtf8() {
        WsChannel ws = deflate(false, false);
        ws.send(compressedText(Zlib.compress(new byte[] {'o', 'k', (byte) 0xC0, (byte) 0x80})));
        ws.assertFailed(1007);
        ws.finish();
    }

    // -- the size bound --

    @Test
    void aCompressionBombIsClosedWith1009BeforeItInflatesPastTheBound() {
        long max = 1 << 20;
        WsChannel ws = deflate(max, 1 << 16, false, false);
        byte[] bomb = Zlib.compress(new byte[16 << 20]);   // 16 MiB of zeros in about 16 KiB
        assertTrue(bomb.length < 32 << 10, "bomb of " + bomb.length);
        ws.send(of(Opcodes.BINARY).rsv(0x40).payload(bomb).bytes());
        List<Object> events = ws.events();
        long delivered = 0;
        for (Object event : events) {
            if (event instanceof MessagePiece piece) {
                delivered += piece.data().readableBytes();
            }
        }
        assertTrue(delivered <= max, "inflated " + delivered + " bytes");
        ProtocolFailure failure = (ProtocolFailure) events.get(events.size() - 1);
        assertEquals(1009, failure.code());
        events.forEach(ReferenceCountUtil::release);
        assertEquals(1009, ws.frames().get(0).closeCode());
        assertFalse(ws.channel.isOpen());
        ws.finish();
    }

    @Test
    void theBoundCountsInflatedBytes() {
        WsChannel ws = deflate(1000, 1 << 16, false, false);
        ws.send(of(Opcodes.BINARY).rsv(0x40).payload(Zlib.compress(new byte[1000])).bytes());
        assertEquals(1000, ws.message().length);
        ws.send(of(Opcodes.BINARY).rsv(0x40).payload(Zlib.compress(new byte[1001])).bytes());
        ws.assertFailed(1009);
        ws.finish();
    }

    @Test
    void aCompressedFrameLongerThanAnyMessageCanBeIsRefusedFromItsHeader() {
        WsChannel ws = deflate(1000, 1 << 16, false, false);
        ws.send(of(Opcodes.BINARY).rsv(0x40).announce(MessageAssembler.compressedBound(1000) + 1).header());
        ws.assertFailed(1009);
        ws.finish();
    }

    // -- from the server --

    @Test
    void aMessageTheSessionCompressesIsOneCompressedMessageAcrossItsPieces() throws Exception {
        WsChannel ws = deflate(false, false);
        int half = TEXT.length / 2;
        ws.channel.write(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT, 0, half), false, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT, half, TEXT.length - half),
                true, false));   // later pieces cannot change the message's choice
        List<ServerFrame> frames = ws.frames();
        assertEquals(2, frames.size());
        assertEquals(Opcodes.TEXT, frames.get(0).opcode());
        assertTrue(frames.get(0).rsv1(), "RSV1 on the first frame");
        assertFalse(frames.get(0).fin());
        assertEquals(Opcodes.CONTINUATION, frames.get(1).opcode());
        assertFalse(frames.get(1).rsv1(), "RSV1 on the first frame only");
        assertTrue(frames.get(1).fin());
        byte[] payload = concat(frames.get(0).payload(), frames.get(1).payload());
        assertFalse(Arrays.equals(Zlib.TAIL, Arrays.copyOfRange(payload, payload.length - 4, payload.length)),
                "the 00 00 FF FF tail is removed");
        assertTrue(payload.length < TEXT.length / 2);
        assertArrayEquals(TEXT, Zlib.decompress(payload));
        ws.finish();
    }

    @Test
    void aMessageSentWithoutCompressionHasNoRsv1() {
        WsChannel ws = deflate(false, false);
        ws.channel.writeAndFlush(new OutboundPiece(false, Unpooled.wrappedBuffer(TEXT), true, false));
        ServerFrame frame = ws.frames().get(0);
        assertFalse(frame.rsv1());
        assertArrayEquals(TEXT, frame.payload());
        assertFalse(ws.channel.pipeline().get(DeflateHandler.class).hasContext(), "no deflater for it");
        ws.finish();
    }

    @Test
    void withContextTakeoverTheServersSecondMessageRefersToTheFirst() throws Exception {
        WsChannel ws = deflate(false, false);
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        List<ServerFrame> frames = ws.frames();
        assertTrue(frames.get(1).payload().length < frames.get(0).payload().length / 2);
        Inflater client = new Inflater(true);
        assertArrayEquals(TEXT, Zlib.decompress(client, frames.get(0).payload()));
        assertArrayEquals(TEXT, Zlib.decompress(client, frames.get(1).payload()));
        client.end();
        ws.finish();
    }

    @Test
    void withServerNoContextTakeoverEachMessageStandsAlone() throws Exception {
        WsChannel ws = deflate(true, false);
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        List<ServerFrame> frames = ws.frames();
        assertArrayEquals(frames.get(0).payload(), frames.get(1).payload());
        assertArrayEquals(TEXT, Zlib.decompress(frames.get(1).payload()), "decodes with a fresh inflater");
        ws.finish();
    }

    @Test
    void anEmptyMessageCompresses() throws Exception {
        WsChannel ws = deflate(false, false);
        ws.channel.writeAndFlush(new OutboundPiece(false, Unpooled.EMPTY_BUFFER, true, true));
        ServerFrame frame = ws.frames().get(0);
        assertTrue(frame.rsv1());
        assertEquals(0, Zlib.decompress(frame.payload()).length);
        ws.finish();
    }

    @Test
    void aServerWindowBelow15GetsStoredBlocksThatReferToNothingBefore() throws Exception {
        // server_max_window_bits=9 (Autobahn 13.3, 13.5): no back-reference may reach further
        // than 512 bytes; stored blocks make none, in this message or across messages.
        WsChannel ws = new WsChannel(new FrameSettings(1 << 20, 1 << 16, new DeflateParameters(false, false, 9, 0)));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        List<ServerFrame> frames = ws.frames();
        Inflater inflater = new Inflater(true);
        try {
            for (ServerFrame frame : frames) {
                assertTrue(frame.rsv1());
                byte[] payload = frame.payload();
                assertTrue(payload.length > TEXT.length, "stored, not compressed: " + payload.length);
                assertEquals(0, payload[0] & 0x06, "a stored block (BTYPE 00)");
                assertArrayEquals(TEXT, Zlib.decompress(inflater, payload));
            }
        } finally {
            inflater.end();
        }
        ws.finish();
    }

    @Test
    void anEmptyMessageAfterAnotherOneIsOneZeroByte() throws Exception {
        // zlib writes nothing for a flush that follows a flush: the empty message must still
        // be a payload the client inflates to nothing in the same context.
        WsChannel ws = deflate(false, false);
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.EMPTY_BUFFER, true, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        List<ServerFrame> frames = ws.frames();
        assertEquals(3, frames.size(), "no message is lost");
        assertArrayEquals(new byte[] {0}, frames.get(1).payload());
        Inflater inflater = new Inflater(true);
        try {
            assertArrayEquals(TEXT, Zlib.decompress(inflater, frames.get(0).payload()));
            assertEquals(0, Zlib.decompress(inflater, frames.get(1).payload()).length);
            assertArrayEquals(TEXT, Zlib.decompress(inflater, frames.get(2).payload()));
        } finally {
            inflater.end();
        }
        ws.finish();
    }

    @Test
    void anEmptyLastPieceEndsALongerMessage() throws Exception {
        WsChannel ws = deflate(false, false);
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), false, true));
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.EMPTY_BUFFER, true, true));
        List<ServerFrame> frames = ws.frames();
        assertEquals(2, frames.size());
        assertTrue(frames.get(1).fin());
        assertArrayEquals(TEXT, Zlib.decompress(ClientFrame.concat(frames.get(0).payload(), frames.get(1).payload())));
        ws.finish();
    }

    @Test
    void withoutNegotiationCompressIsIgnored() {
        WsChannel ws = WsChannel.plain();
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        ServerFrame frame = ws.frames().get(0);
        assertFalse(frame.rsv1());
        assertArrayEquals(TEXT, frame.payload());
        ws.finish();
    }

    // -- every negotiated offer --

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=15",
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; client_max_window_bits=9; server_no_context_takeover; client_no_context_takeover",
    })
    void messagesRoundTripUnderEveryAcceptedOffer(String offer) throws Exception {
        DeflateParameters accepted = PermessageDeflate.negotiate(List.of(offer));
        WsChannel ws = new WsChannel(new FrameSettings(1 << 20, 1 << 12, accepted));
        Deflater client = Zlib.deflater();
        Inflater clientInflater = new Inflater(true);
        for (int round = 0; round < 3; round++) {
            if (accepted.clientNoContextTakeover()) {
                client.reset();
            }
            ws.send(compressedText(Zlib.compress(client, TEXT)));
            byte[] echoed = ws.message();
            assertArrayEquals(TEXT, echoed);
            ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(echoed), true, true));
            ServerFrame frame = ws.frames().get(0);
            assertTrue(frame.rsv1());
            if (accepted.serverNoContextTakeover()) {
                clientInflater.reset();
            }
            assertArrayEquals(TEXT, Zlib.decompress(clientInflater, frame.payload()));
        }
        client.end();
        clientInflater.end();
        ws.finish();
    }

    // -- memory --

    @Test
    void zlibContextsAreMadeForTheFirstCompressedMessageAndFreedAtTheEnd() {
        WsChannel ws = deflate(false, false);
        InflateHandler inflate = ws.channel.pipeline().get(InflateHandler.class);
        DeflateHandler deflate = ws.channel.pipeline().get(DeflateHandler.class);
        assertFalse(inflate.hasContext());
        assertFalse(deflate.hasContext());
        ws.send(ClientFrame.text("plain"));
        ws.message();
        assertFalse(inflate.hasContext(), "an uncompressed message needs no inflater");
        ws.send(compressedText(Zlib.compress(TEXT)));
        ws.message();
        assertTrue(inflate.hasContext());
        assertFalse(deflate.hasContext());
        ws.channel.writeAndFlush(new OutboundPiece(true, Unpooled.wrappedBuffer(TEXT), true, true));
        assertTrue(deflate.hasContext());
        ws.frames();
        ws.channel.close();
        ws.channel.runPendingTasks();
        assertFalse(inflate.hasContext(), "the inflater outlived the channel");
        assertFalse(deflate.hasContext(), "the deflater outlived the channel");
        assertNotEquals(-1, ws.log.indexOf("inactive"));
        ws.finish();
    }
}
