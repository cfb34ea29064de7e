package org.wsging.worker.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The shared vectors of spec/link-vectors.json, through the codec and through the Netty handlers. */
class FrameCodecVectorsTest {
    static Stream<LinkVectors.Valid> valid() {
        return LinkVectors.valid().stream();
    }

    static Stream<LinkVectors.Invalid> invalid() {
        return LinkVectors.invalid().stream();
    }

    @Test
    void vectorsArePresent() {
        assertTrue(LinkVectors.valid().size() >= 10);
        assertFalse(LinkVectors.invalid().isEmpty());
    }

    @Test
    void webSocketVectorsArePresent() {
        List<String> valid = LinkVectors.valid().stream().map(LinkVectors.Valid::name).toList();
        List<String> invalid = LinkVectors.invalid().stream().map(LinkVectors.Invalid::name).toList();
        assertTrue(valid.containsAll(List.of("request-websocket-offer", "hello-worker-websocket", "ws-accept",
                "ws-open", "ws-message-text", "ws-close", "ws-close-no-code", "ws-ping", "ws-pong")), valid.toString());
        assertTrue(invalid.containsAll(List.of("request-websocket-without-end-stream", "ws-accept-truncated",
                "ws-close-one-byte", "ws-ping-126-bytes")), invalid.toString());
    }

    @Test
    void webSocketFramesOutsideTheirRangesCannotBeEncoded() {
        ByteBuf out = Unpooled.buffer();
        for (Frame f : List.of(new Frame.WsAccept(1, 0, 0, "", List.of()), new Frame.WsAccept(1, 256, 1, "", List.of()),
                new Frame.WsAccept(1, 0, 1L << 32, "", List.of()), new Frame.WsPing(1, new byte[126]),
                new Frame.WsClose(1, 65_536, ""))) {
            assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(f, out), f.toString());
            assertEquals(0, out.writerIndex());
        }
        assertThrows(IllegalArgumentException.class, () -> new Frame.WsClose(1, Frame.WsClose.NO_CODE, "why"));
        out.release();
    }

    @Test
    void aWebSocketCloseReasonTravelsAsUtf8() {
        ByteBuf out = Unpooled.buffer();
        FrameCodec.encode(new Frame.WsClose(3, 4001, "caf\u00e9"), out);
        Frame.WsClose back = (Frame.WsClose) FrameCodec.decode(out);
        assertEquals(new Frame.WsClose(3, 4001, "caf\u00e9"), back);
        out.release();
    }

    @ParameterizedTest
    @MethodSource("valid")
    void decodesToItsFields(LinkVectors.Valid v) {
        ByteBuf in = Unpooled.wrappedBuffer(v.bytes());
        Frame frame = FrameCodec.decode(in);
        try {
            assertEquals(v.frame(), FrameJson.toJson(frame));
            assertEquals(0, in.readableBytes());
        } finally {
            ReferenceCountUtil.release(frame);
        }
        in.release();
        assertEquals(0, in.refCnt(), "a DATA slice keeps no reference once released");
    }

    @ParameterizedTest
    @MethodSource("valid")
    void encodesToItsExactBytes(LinkVectors.Valid v) {
        Frame frame = FrameJson.fromJson(v.frame());
        ByteBuf out = Unpooled.buffer();
        try {
            FrameCodec.encode(frame, out);
            assertArrayEquals(v.bytes(), ByteBufUtil.getBytes(out));
        } finally {
            out.release();
            ReferenceCountUtil.release(frame);
        }
    }

    @ParameterizedTest
    @MethodSource("valid")
    void needsTheWholeFrame(LinkVectors.Valid v) {
        ByteBuf in = Unpooled.wrappedBuffer(v.bytes(), 0, v.bytes().length - 1);
        assertNull(FrameCodec.decode(in));
        assertEquals(0, in.readerIndex());
        in.release();
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejectsAsTheVectorSays(LinkVectors.Invalid v) {
        ByteBuf in = Unpooled.wrappedBuffer(v.bytes());
        try {
            switch (v.error()) {
                case "incomplete" -> {
                    assertNull(FrameCodec.decode(in));
                    assertEquals(0, in.readerIndex());
                }
                case "link" -> assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(in));
                default -> throw new AssertionError("unknown error kind " + v.error());
            }
        } finally {
            in.release();
        }
    }

    @Test
    void decoderHandlesAllVectorsInOneStreamFedByteByByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ByteBuf all = Unpooled.buffer();
        for (LinkVectors.Valid v : LinkVectors.valid()) {
            all.writeBytes(v.bytes());
        }
        while (all.isReadable()) {
            ch.writeInbound(all.readRetainedSlice(1));
        }
        all.release();
        List<Frame> frames = new ArrayList<>();
        for (Frame f; (f = ch.readInbound()) != null; ) {
            frames.add(f);
        }
        List<LinkVectors.Valid> vectors = LinkVectors.valid();
        assertEquals(vectors.size(), frames.size());
        for (int i = 0; i < frames.size(); i++) {
            assertEquals(vectors.get(i).frame(), FrameJson.toJson(frames.get(i)), vectors.get(i).name());
            ReferenceCountUtil.release(frames.get(i));
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void encoderWritesExactBytesAndDataWithoutCopy() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        List<ByteBuf> payloads = new ArrayList<>();
        for (LinkVectors.Valid v : LinkVectors.valid()) {
            Frame frame = FrameJson.fromJson(v.frame());
            ByteBuf payload = frame instanceof Frame.Data d ? d.data()
                    : frame instanceof Frame.WsMessage m ? m.data() : null;
            if (payload != null) {
                payloads.add(payload);
            }
            ch.writeOutbound(frame);
            ByteBuf out = Unpooled.buffer();
            for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
                if (payload != null && b != payload) {
                    assertEquals(FrameType.HEADER_SIZE, b.readableBytes());
                }
                out.writeBytes(b);
                b.release();
            }
            assertArrayEquals(v.bytes(), ByteBufUtil.getBytes(out), v.name());
            out.release();
        }
        for (ByteBuf p : payloads) {
            assertEquals(0, p.refCnt(), "DATA and WS_MESSAGE payloads released after the write");
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void decoderRaisesOneLinkErrorAndDropsTheRest() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        LinkVectors.Invalid bad = LinkVectors.invalid().stream().filter(v -> v.error().equals("link")).findFirst().orElseThrow();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(bad.bytes());
        in.writeBytes(LinkVectors.valid().get(0).bytes());
        assertThrows(LinkProtocolException.class, () -> ch.writeInbound(in));
        ch.writeInbound(Unpooled.wrappedBuffer(LinkVectors.valid().get(0).bytes()));
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void unknownFrameTypesAreSkipped() {
        ByteBuf in = Unpooled.buffer();
        FrameCodec.writeHeader(in, 0x7f, 0xff, 3, 4);
        in.writeInt(0xdeadbeef);
        in.writeBytes(LinkVectors.valid().get(0).bytes());
        Frame frame = FrameCodec.decode(in);
        assertEquals(LinkVectors.valid().get(0).frame(), FrameJson.toJson(frame));
        in.release();
    }

    @Test
    void linkFramesOnAStreamAndStreamFramesOnTheLinkAreLinkErrors() {
        ByteBuf ping = Unpooled.buffer();
        FrameCodec.writeHeader(ping, FrameType.PING, 0, 1, 8);
        ping.writeLong(1);
        assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(ping));
        ping.release();
        ByteBuf reset = Unpooled.buffer();
        FrameCodec.writeHeader(reset, FrameType.RESET, 0, 0, 4);
        reset.writeInt(1);
        assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(reset));
        reset.release();
    }

    @Test
    void sharedBodyFramesTravelOnTheStreamsTheSpecGivesThem() {
        ByteBuf sharedData = Unpooled.buffer();
        FrameCodec.writeHeader(sharedData, FrameType.SHARED_DATA, 0, 0, 6);
        sharedData.writeShort(0).writeInt(1);
        assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(sharedData));
        sharedData.release();
        ByteBuf release = Unpooled.buffer();
        FrameCodec.writeHeader(release, FrameType.RELEASE, 0, 1, 2);
        release.writeShort(0);
        assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(release));
        release.release();
        ByteBuf ack = Unpooled.buffer();
        FrameCodec.writeHeader(ack, FrameType.BODY_MEMORY, FrameType.FLAG_ACK, 1, 0);
        assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(ack));
        ack.release();
    }

    @Test
    void sharedBodyFramesOutsideTheirRangesCannotBeEncoded() {
        ByteBuf out = Unpooled.buffer();
        for (Frame f : List.of(new Frame.SharedData(1, 0, 0, false), new Frame.SharedData(1, 65_536, 1, false),
                new Frame.Release(List.of()), new Frame.Release(List.of(65_536)),
                new Frame.BodyMemory(0, 1, "/dev/shm/x", false), new Frame.BodyMemory(1, 0, "/dev/shm/x", false),
                new Frame.BodyMemory(1, 1, "dev/shm/x", false))) {
            assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(f, out), f.toString());
            assertEquals(0, out.writerIndex());
        }
        out.release();
    }

    @Test
    void trailingBytesAfterTheFieldsAreALinkError() {
        ByteBuf in = Unpooled.buffer();
        FrameCodec.writeHeader(in, FrameType.RESET, 0, 1, 5);
        in.writeInt(1).writeByte(0);
        assertThrows(LinkProtocolException.class, () -> FrameCodec.decode(in));
        in.release();
    }

    @Test
    void fileResponseIdentityIsUnsigned64Bit() {
        LinkVectors.Valid v = LinkVectors.valid().stream()
                .filter(x -> x.name().equals("file-response-u64-identity")).findFirst().orElseThrow();
        ByteBuf in = Unpooled.wrappedBuffer(v.bytes());
        Frame.FileResponse f = (Frame.FileResponse) FrameCodec.decode(in);
        in.release();
        assertEquals(0xfd00000000000001L, f.file().device());
        assertEquals(0x8000000000000002L, f.file().inode());
        assertEquals(1024, f.file().offset());
        assertEquals(65536, f.file().length());
        assertEquals("/srv/caf\u00c3\u00a9.bin", f.file().path().toString(), "the path's bytes, one char each");
    }

    @Test
    void aFileResponseWithANegativeLengthCannotBeEncoded() {
        ByteBuf out = Unpooled.buffer();
        Frame f = new Frame.FileResponse(1, 200, List.of(), new org.wsging.exchange.FileBody("/f", 0, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameCodec.encode(f, out));
        assertEquals(0, out.writerIndex());
        out.release();
    }
}
