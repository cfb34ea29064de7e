package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsging.ServerInitializer;
import org.wsging.config.Http1Config;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameCodec;
import org.wsging.worker.link.FrameDecoder;
import org.wsging.worker.link.FrameEncoder;
import org.wsging.worker.link.FrameType;

/**
 * Shared body memory (spec A.2) on the link handler over an EmbeddedChannel. The test plays the
 * worker: it maps the file the link names, as a worker would, before it acknowledges.
 */
class WorkerLinkSharedBodiesTest {
    private static final int SLOTS = 2;
    /** The worker's MAX_FRAME; ours is larger, so this is the slot size. */
    private static final int SLOT_SIZE = 16_384;

    private WorkerLink link;
    private EmbeddedChannel ch;
    private final ByteBuf pendingOut = Unpooled.buffer();
    private Path file;
    /** The whole file as the worker maps it: our slots, then the worker's. */
    private MappedByteBuffer worker;

    private final WorkerLink.Owner owner = new IgnoringOwner();

    @BeforeEach
    void needsSharedMemory() {
        assumeTrue(SharedBodies.available(SharedBodies.DIRECTORY), "needs a writable " + SharedBodies.DIRECTORY);
    }

    @AfterEach
    void closeAndCheckTheNameIsGone() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        pendingOut.release();
        if (file != null) {
            assertFalse(Files.exists(file), "the file's name never outlives the link");
        }
    }

    private static LinkSettings settings(int slots) {
        return new LinkSettings(1 << 20, 65_536, FrameType.FILE_BODIES_UTF8, Duration.ofSeconds(1),
                Duration.ofSeconds(3), slots);
    }

    /** Connects a worker that says SHARED_BODIES = {@code sharedBodies}; returns our frame after HELLO, or null. */
    private Frame hello(LinkSettings settings, long sharedBodies) {
        link = new WorkerLink(settings, owner);
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        ch.freezeTime();
        receive(new Frame.Hello(1, List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 3),
                new Frame.Setting(FrameType.SETTING_PID, 4242),
                new Frame.Setting(FrameType.SETTING_INITIAL_WINDOW, 1 << 20),
                new Frame.Setting(FrameType.SETTING_MAX_FRAME, SLOT_SIZE),
                new Frame.Setting(FrameType.SETTING_SHARED_BODIES, sharedBodies))));
        assertInstanceOf(Frame.Hello.class, sent());
        return sent();
    }

    /** HELLO, then the BODY_MEMORY offer, mapped here as the worker maps it (not yet acknowledged). */
    private Frame.BodyMemory offered() throws IOException {
        Frame.BodyMemory offer = assertInstanceOf(Frame.BodyMemory.class, hello(settings(SLOTS), 1));
        assertFalse(offer.ack());
        assertEquals(SLOT_SIZE, offer.slotSize());
        assertEquals(SLOTS, offer.slotCount());
        file = Path.of(offer.path());
        assertEquals(SharedBodies.DIRECTORY, file.getParent());
        assertTrue(file.getFileName().toString().startsWith("wsging-" + ProcessHandle.current().pid() + "-3-"),
                file.toString());
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertEquals(2L * SLOTS * SLOT_SIZE, f.size());
            worker = f.map(FileChannel.MapMode.READ_WRITE, 0, f.size());
        }
        return offer;
    }

    /** A link whose worker acknowledged the shared memory. */
    private void setUp() throws IOException {
        offered();
        assertTrue(Files.exists(file));
        receive(Frame.BodyMemory.ACK);
        assertFalse(Files.exists(file), "the name goes once both sides have it mapped");
        assertNull(sent());
    }

    private void receive(Frame frame) {
        LinkFrames.receive(ch, frame);
    }

    /** The next frame the link wrote, or null. */
    private Frame sent() {
        return LinkFrames.sent(ch, pendingOut);
    }

    private void assertLinkError() {
        Frame.GoAway g = assertInstanceOf(Frame.GoAway.class, sent());
        assertEquals(1, g.code());
        assertFalse(ch.isActive());
    }

    private static RequestHead post(boolean hasBody) {
        return new RequestHead(HttpVersion.HTTP_1_1, "http", "POST", "/p", "",
                new InetSocketAddress("127.0.0.1", 5000), null, -1, 0, List.of(new Header("Host", "x")), hasBody, false);
    }

    private LinkStream open(ExchangeListener listener, boolean hasBody) {
        LinkStream s = new LinkStream(post(hasBody), ch.eventLoop(), listener);
        assertTrue(link.tryReserve());
        link.bind(s);
        assertInstanceOf(Frame.Request.class, sent());
        return s;
    }

    private static ByteBuf bytes(int n, int seed) {
        ByteBuf b = Unpooled.buffer(n);
        for (int i = 0; i < n; i++) {
            b.writeByte(seed + i * 7);
        }
        return b;
    }

    /** The first {@code n} bytes of front-end slot {@code slot}, read from the worker's mapping. */
    private ByteBuf ourSlot(int slot, int n) {
        return Unpooled.wrappedBuffer(worker.slice(slot * SLOT_SIZE, n));
    }

    /** Puts {@code content} into the worker's {@code slot}, as a worker does before SHARED_DATA. */
    private void fillWorkerSlot(int slot, ByteBuf content) {
        worker.put((SLOTS + slot) * SLOT_SIZE, content.nioBuffer(), 0, content.readableBytes());
    }

    // ---------------------------------------------------------------- setting up

    @Test
    void aWorkerThatCanMapItIsOfferedAFileOnlyItsUserCanOpen() throws IOException {
        offered();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)));
        receive(Frame.BodyMemory.ACK);
        assertFalse(Files.exists(file));
        assertTrue(ch.isActive());
    }

    @Test
    void noOfferWhenTheWorkerDoesNotAnnounceItOrTheSlotsAreZero() {
        assertNull(hello(settings(SLOTS), 0));
        ch.finishAndReleaseAll();
        assertNull(hello(settings(0), 1));
    }

    @Test
    void aFileNeverAcknowledgedLosesItsNameWhenTheLinkCloses() throws IOException {
        offered();
        ch.close();
        assertFalse(Files.exists(file));
    }

    // ---------------------------------------------------------------- request bodies, front end -> worker

    @Test
    void largePiecesOfARequestBodyGoThroughFreeSlotsAndSmallOnesAsData() throws IOException {
        setUp();
        LinkStream s = open(new RecordingListener(), true);
        // 40000 bytes, split at the worker's MAX_FRAME: two full slots, then 7232 bytes (under 8 KiB) as DATA.
        ByteBuf body = bytes(40_000, 1);
        ByteBuf expected = body.copy();
        s.sendData(body, false);
        Frame.SharedData first = assertInstanceOf(Frame.SharedData.class, sent());
        Frame.SharedData second = assertInstanceOf(Frame.SharedData.class, sent());
        Frame.Data rest = assertInstanceOf(Frame.Data.class, sent());
        assertEquals(List.of(0, 1), List.of(first.slot(), second.slot()));
        assertEquals(List.of((long) SLOT_SIZE, (long) SLOT_SIZE), List.of(first.length(), second.length()));
        assertEquals(expected.slice(0, SLOT_SIZE), ourSlot(0, SLOT_SIZE));
        assertEquals(expected.slice(SLOT_SIZE, SLOT_SIZE), ourSlot(1, SLOT_SIZE));
        assertEquals(expected.slice(2 * SLOT_SIZE, 40_000 - 2 * SLOT_SIZE), rest.data());
        rest.release();
        assertEquals(0, body.refCnt(), "the body's buffer is released once copied");

        // Every slot is lent: a large piece goes as DATA until the worker gives one back.
        s.sendData(bytes(10_000, 2), false);
        Frame.Data asData = assertInstanceOf(Frame.Data.class, sent());
        assertEquals(10_000, asData.data().readableBytes());
        asData.release();
        receive(new Frame.Release(List.of(1)));
        ByteBuf again = bytes(10_000, 3);
        ByteBuf againCopy = again.copy();
        s.sendData(again, true);
        Frame.SharedData reused = assertInstanceOf(Frame.SharedData.class, sent());
        assertEquals(1, reused.slot());
        assertTrue(reused.endStream());
        assertEquals(againCopy, ourSlot(1, 10_000));
        expected.release();
        againCopy.release();
    }

    @Test
    void aPieceUnder8KiBGoesAsDataEvenWithSlotsFree() throws IOException {
        setUp();
        LinkStream s = open(new RecordingListener(), true);
        s.sendData(bytes(WorkerLink.SHARED_BODY_MIN - 1, 0), true);
        Frame.Data d = assertInstanceOf(Frame.Data.class, sent());
        assertEquals(WorkerLink.SHARED_BODY_MIN - 1, d.data().readableBytes());
        d.release();
        LinkStream t = open(new RecordingListener(), true);
        t.sendData(bytes(WorkerLink.SHARED_BODY_MIN, 0), true);
        assertEquals(0, assertInstanceOf(Frame.SharedData.class, sent()).slot());
    }

    @Test
    void beforeTheAckEveryBodyGoesAsData() throws IOException {
        offered();
        LinkStream s = open(new RecordingListener(), true);
        s.sendData(bytes(10_000, 0), true);
        Frame.Data d = assertInstanceOf(Frame.Data.class, sent());
        d.release();
        receive(Frame.BodyMemory.ACK);
    }

    // ---------------------------------------------------------------- response bodies, worker -> front end

    /** Keeps the body buffers it is given, so a test decides when they are consumed. */
    private static final class HoldingListener implements ExchangeListener {
        final List<ByteBuf> data = new ArrayList<>();
        final List<String> events = new ArrayList<>();

        public void onRequestWindow(int increment) {}

        public void onInformational(int status, List<Header> headers) {}

        public void onResponse(int status, List<Header> headers, boolean endStream) {
            events.add("response " + status);
        }

        public void onFileResponse(int status, List<Header> headers, FileBody file) {}

        public void onData(ByteBuf d, boolean endStream) {
            data.add(d);
            events.add("data " + d.readableBytes() + (endStream ? " end" : ""));
        }

        public void onTrailers(List<Header> trailers) {}

        public void onReset(ResetCode code) {
            events.add("reset " + code);
        }

        public void onFailure(StreamFailure failure) {
            events.add("failure " + failure);
        }
    }

    @Test
    void sharedDataIsDeliveredWhereItLiesAndItsSlotGoesBackOnceWhenReleased() throws IOException {
        setUp();
        HoldingListener l = new HoldingListener();
        open(l, false);
        receive(new Frame.Response(1, 200, List.of(), false));
        ByteBuf content = bytes(12_000, 5);
        fillWorkerSlot(1, content);
        receive(new Frame.SharedData(1, 1, 12_000, false));
        assertEquals(List.of("response 200", "data 12000"), l.events);
        ByteBuf delivered = l.data.get(0);
        assertEquals(content, delivered);
        worker.put((SLOTS + 1) * SLOT_SIZE, (byte) 0x55);
        assertEquals(0x55, delivered.getByte(0), "the bytes are read in the mapping, not copied");
        assertNull(sent(), "the slot is still in use");

        delivered.release();
        Frame.Release release = assertInstanceOf(Frame.Release.class, sent());
        assertEquals(List.of(1), release.slots());
        assertNull(sent());

        // Given back, the slot may be lent again.
        fillWorkerSlot(1, content);
        receive(new Frame.SharedData(1, 1, 9000, true));
        assertEquals(List.of("response 200", "data 12000", "data 9000 end"), l.events);
        assertEquals(content.slice(0, 9000), l.data.get(1));
        l.data.get(1).release();
        assertEquals(List.of(1), assertInstanceOf(Frame.Release.class, sent()).slots());
        content.release();
    }

    @Test
    void slotsConsumedInOneTurnGoBackInOneRelease() throws IOException {
        setUp();
        HoldingListener l = new HoldingListener();
        open(l, false);
        receive(new Frame.Response(1, 200, List.of(), false));
        receive(new Frame.SharedData(1, 0, 100, false));
        receive(new Frame.SharedData(1, 1, 100, false));
        l.data.forEach(ByteBuf::release);
        assertEquals(List.of(0, 1), assertInstanceOf(Frame.Release.class, sent()).slots());
        assertNull(sent());
    }

    @Test
    void sharedDataThatIsDroppedGivesItsSlotBackAtOnce() throws IOException {
        setUp();
        receive(new Frame.SharedData(9, 0, 100, true)); // no such stream
        assertEquals(List.of(0), assertInstanceOf(Frame.Release.class, sent()).slots());

        HoldingListener l = new HoldingListener();
        open(l, false);
        receive(new Frame.SharedData(1, 1, 100, false)); // before RESPONSE: a stream error
        assertEquals(List.of("reset PROTOCOL_ERROR"), l.events);
        assertInstanceOf(Frame.Reset.class, sent());
        assertEquals(List.of(1), assertInstanceOf(Frame.Release.class, sent()).slots());
        assertTrue(ch.isActive());
    }

    @Test
    void aSharedResponseBodyReachesTheHttpClient() throws IOException {
        setUp();
        EmbeddedChannel client = new EmbeddedChannel();
        ServerInitializer.configure(client.pipeline(), Http1Config.DEFAULT, (head, executor, listener) -> {
            LinkStream s = new LinkStream(head, executor, listener);
            assertTrue(link.tryReserve());
            link.bind(s);
            return s;
        }, null);
        client.writeInbound(Unpooled.copiedBuffer("GET /big HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.ISO_8859_1));
        client.runPendingTasks();
        assertInstanceOf(Frame.Request.class, sent());
        receive(new Frame.Response(1, 200, List.of(new Header("content-length", "15000")), false));
        ByteBuf content = bytes(15_000, 9);
        fillWorkerSlot(0, content);
        receive(new Frame.SharedData(1, 0, 15_000, true));
        client.runPendingTasks();

        ByteBuf out = Unpooled.buffer();
        for (ByteBuf b; (b = client.readOutbound()) != null; ) {
            out.writeBytes(b);
            b.release();
        }
        String head = out.toString(StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
        int bodyStart = head.indexOf("\r\n\r\n") + 4;
        assertEquals(content, out.slice(bodyStart, out.writerIndex() - bodyStart), "the client gets the slot's bytes");
        assertEquals(List.of(0), assertInstanceOf(Frame.Release.class, sent()).slots(),
                "written to the client, the slot goes back");
        out.release();
        content.release();
        client.finishAndReleaseAll();
    }

    @Test
    void slotsConsumedAfterTheLinkClosedAreNotGivenBack() throws IOException {
        setUp();
        HoldingListener l = new HoldingListener();
        open(l, false);
        receive(new Frame.Response(1, 200, List.of(), false));
        receive(new Frame.SharedData(1, 0, 100, false));
        ch.close();
        l.data.get(0).release();
        assertNull(sent());
    }

    // ---------------------------------------------------------------- link errors (A.2 Errors)

    @Test
    void sharedDataBeforeTheAckIsALinkError() throws IOException {
        offered();
        receive(new Frame.SharedData(1, 0, 100, false));
        assertLinkError();
    }

    @Test
    void sharedDataFromAWorkerNeverOfferedMemoryIsALinkError() {
        hello(settings(SLOTS), 0);
        receive(new Frame.SharedData(1, 0, 100, false));
        assertLinkError();
    }

    @Test
    void releaseBeforeTheAckIsALinkError() throws IOException {
        offered();
        receive(new Frame.Release(List.of(0)));
        assertLinkError();
    }

    @Test
    void aSlotOutOfRangeIsALinkError() throws IOException {
        setUp();
        receive(new Frame.SharedData(1, SLOTS, 100, false));
        assertLinkError();
    }

    @Test
    void aLengthAboveTheSlotSizeIsALinkError() throws IOException {
        setUp();
        receive(new Frame.SharedData(1, 0, SLOT_SIZE + 1, false));
        assertLinkError();
    }

    @Test
    void aSlotLentTwiceIsALinkError() throws IOException {
        setUp();
        // Both in one read: the first one's slot is consumed at once but not yet given back.
        ByteBuf two = Unpooled.buffer();
        FrameCodec.encode(new Frame.SharedData(7, 1, 100, false), two);
        FrameCodec.encode(new Frame.SharedData(7, 1, 100, false), two);
        ch.writeInbound(two);
        assertLinkError();
    }

    @Test
    void releaseOfASlotNotLentIsALinkError() throws IOException {
        setUp();
        receive(new Frame.Release(List.of(0)));
        assertLinkError();
    }

    @Test
    void releaseOfASlotOutOfRangeIsALinkError() throws IOException {
        setUp();
        receive(new Frame.Release(List.of(SLOTS)));
        assertLinkError();
    }

    @Test
    void anAckThatAnswersNothingIsALinkError() {
        hello(settings(SLOTS), 0);
        receive(Frame.BodyMemory.ACK);
        assertLinkError();
    }

    @Test
    void aSecondAckIsALinkError() throws IOException {
        setUp();
        receive(Frame.BodyMemory.ACK);
        assertLinkError();
    }

    @Test
    void bodyMemoryOfferedByAWorkerIsALinkError() throws IOException {
        setUp();
        receive(new Frame.BodyMemory(SLOT_SIZE, 1, "/dev/shm/elsewhere", false));
        assertLinkError();
    }
}
