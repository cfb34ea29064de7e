package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.tls.TlsFacts;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameCodec;
import org.wsging.worker.link.FrameDecoder;
import org.wsging.worker.link.FrameEncoder;
import org.wsging.worker.link.FrameType;

/** The link handler over an EmbeddedChannel: frames in as bytes, frames out decoded from bytes. */
class WorkerLinkTest {
    private static final LinkSettings SETTINGS = new LinkSettings(16, 16, FrameType.FILE_BODIES_UTF8,
            Duration.ofSeconds(1), Duration.ofSeconds(3), 32);

    private final List<String> ownerEvents = new ArrayList<>();
    private final List<ByteBuf> sentBuffers = new ArrayList<>();
    private WorkerLink link;
    private EmbeddedChannel ch;

    private final WorkerLink.Owner owner = new WorkerLink.Owner() {
        public void onHello(WorkerLink l) {
            ownerEvents.add("hello " + l.workerId() + " " + l.pid());
        }

        public void onSlotFreed(WorkerLink l) {}

        public void onBindRefused(WorkerLink l, LinkStream s) {
            ownerEvents.add("refused");
        }

        public void onWorkerGoAway(WorkerLink l) {
            ownerEvents.add("goaway");
        }

        public void onHung(WorkerLink l) {
            ownerEvents.add("hung");
        }

        public void onClosed(WorkerLink l) {
            ownerEvents.add("closed");
        }
    };

    private void connect(long initialWindow, long maxStreams) {
        connect(SETTINGS, initialWindow, maxStreams);
    }

    private void connect(LinkSettings settings, long initialWindow, long maxStreams) {
        link = new WorkerLink(settings, owner);
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        ch.freezeTime();
        receive(new Frame.Hello(1, List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 2),
                new Frame.Setting(FrameType.SETTING_PID, 4242),
                new Frame.Setting(FrameType.SETTING_INITIAL_WINDOW, initialWindow),
                new Frame.Setting(FrameType.SETTING_MAX_STREAMS, maxStreams))));
        Frame.Hello hello = assertInstanceOf(Frame.Hello.class, sent());
        assertEquals(16, hello.setting(FrameType.SETTING_INITIAL_WINDOW, -1));
        assertEquals(16, hello.setting(FrameType.SETTING_MAX_FRAME, -1));
        assertEquals(settings.fileBodies(), hello.setting(FrameType.SETTING_FILE_BODIES, -1));
        assertEquals(List.of("hello 2 4242"), ownerEvents);
        ownerEvents.clear();
    }

    @AfterEach
    void releaseEverything() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        for (ByteBuf b : sentBuffers) {
            assertEquals(0, b.refCnt(), "every body buffer handed to the link is released");
        }
    }

    private void receive(Frame frame) {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(frame, buf);
        ReferenceCountUtil.release(frame);
        ch.writeInbound(buf);
    }

    /** The next frame the link wrote, or null. */
    private Frame sent() {
        ch.runPendingTasks(); // the link flushes frames written outside its reads in a task
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        pendingOut.writeBytes(all);
        all.release();
        Frame f = FrameCodec.decode(pendingOut);
        pendingOut.discardReadBytes();
        return f;
    }

    private final ByteBuf pendingOut = Unpooled.buffer();

    private ByteBuf body(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
        sentBuffers.add(b);
        return b;
    }

    private static RequestHead head(boolean hasBody, boolean expectContinue) {
        return new RequestHead(HttpVersion.HTTP_1_1, "http", "POST", "/p", "q=1",
                new InetSocketAddress("127.0.0.1", 5000), null, hasBody ? 3 : 0, 0,
                List.of(new Header("Host", "x")), hasBody, expectContinue);
    }

    private LinkStream open(RecordingListener listener, RequestHead head) {
        LinkStream s = new LinkStream(head, ch.eventLoop(), listener);
        assertTrue(link.tryReserve());
        link.bind(s);
        return s;
    }

    private static String text(Frame.Data d) {
        String s = d.data().toString(StandardCharsets.ISO_8859_1);
        d.release();
        return s;
    }

    @Test
    void streamLifecycle() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, head(true, false));
        Frame.Request req = assertInstanceOf(Frame.Request.class, sent());
        assertEquals(1, req.streamId());
        assertEquals("POST", req.head().method());
        assertEquals("127.0.0.1", req.head().client().getHostString());
        assertEquals("window 8", l.next(), "the worker's INITIAL_WINDOW is the first credit");
        assertEquals(1, link.load());

        s.sendData(body("abc"), true);
        Frame.Data d = assertInstanceOf(Frame.Data.class, sent());
        assertTrue(d.endStream());
        assertEquals("abc", text(d));

        receive(new Frame.Informational(1, 103, List.of(new Header("link", "</a>"))));
        receive(new Frame.Response(1, 200, List.of(new Header("content-type", "text/plain")), false));
        receive(new Frame.Data(1, Unpooled.copiedBuffer("hi", StandardCharsets.US_ASCII), false));
        receive(new Frame.Data(1, Unpooled.copiedBuffer("!", StandardCharsets.US_ASCII), true));
        assertEquals(List.of("informational 103 [link: </a>]", "response 200 [content-type: text/plain]",
                "data hi", "data ! end"), l.drain());
        assertEquals(0, link.load());

        // Late frames of the completed stream are ignored; nothing is delivered after the end.
        receive(new Frame.Data(1, Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII), true));
        receive(new Frame.Reset(1, 2));
        s.grantResponseWindow(10);
        assertEquals(List.of(), l.drain());
        assertEquals(null, sent());
    }

    private static RequestHead tlsHead(TlsFacts tls) {
        return new RequestHead(HttpVersion.HTTP_1_1, "https", "GET", "/", "",
                new InetSocketAddress("127.0.0.1", 5000), null, 0, 0, List.of(), false, false, tls, false);
    }

    /** Connects a worker announcing TLS_INFO = {@code tlsInfo}, opens a request per facts and
     * returns the frames the link wrote for them, named. */
    private List<String> framesForTlsRequests(long tlsInfo, List<TlsFacts> facts) {
        link = new WorkerLink(SETTINGS, owner);
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        ch.freezeTime();
        receive(new Frame.Hello(1, List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 2),
                new Frame.Setting(FrameType.SETTING_PID, 4242),
                new Frame.Setting(FrameType.SETTING_MAX_STREAMS, 10),
                new Frame.Setting(FrameType.SETTING_TLS_INFO, tlsInfo))));
        assertInstanceOf(Frame.Hello.class, sent());
        List<String> frames = new ArrayList<>();
        for (TlsFacts f : facts) {
            open(new RecordingListener(), tlsHead(f));
            for (Frame frame; (frame = sent()) != null; ) {
                frames.add(switch (frame) {
                    case Frame.Tls t -> "TLS " + t.streamId() + " " + t.facts().alpn();
                    case Frame.Request r -> "REQUEST " + r.streamId() + (r.sameTls() ? " SAME_TLS" : "");
                    default -> frame.toString();
                });
            }
        }
        return frames;
    }

    private static final TlsFacts H1 = new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", "example.com", "http/1.1", null);
    private static final TlsFacts H2 = new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", "example.com", "h2", null);
    /** Equal to H1, another object: another connection's facts. */
    private static final TlsFacts H1_AGAIN = new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", "example.com", "http/1.1", null);

    @Test
    void tlsFactsGoOnceAndEqualFactsAfterThemAreFlaggedSameTls() throws Exception {
        assertEquals(List.of("TLS 1 http/1.1", "REQUEST 1", "REQUEST 2 SAME_TLS", "REQUEST 3 SAME_TLS",
                "TLS 4 h2", "REQUEST 4", "TLS 5 http/1.1", "REQUEST 5"),
                framesForTlsRequests(2, List.of(H1, H1, H1_AGAIN, H2, H1)));
    }

    @Test
    void aWorkerThatTakesNoSameTlsGetsTheFactsBeforeEveryRequest() throws Exception {
        assertEquals(List.of("TLS 1 http/1.1", "REQUEST 1", "TLS 2 http/1.1", "REQUEST 2", "TLS 3 h2", "REQUEST 3"),
                framesForTlsRequests(1, List.of(H1, H1_AGAIN, H2)));
    }

    @Test
    void noTlsFramesAndNoSameTlsToAWorkerThatTakesNone() throws Exception {
        assertEquals(List.of("REQUEST 1", "REQUEST 2"), framesForTlsRequests(0, List.of(H1, H1)));
    }

    @Test
    void expectContinueStartsWithNoCreditAndTheWorkersWindowOpensIt() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        open(l, head(true, true));
        Frame.Request req = assertInstanceOf(Frame.Request.class, sent());
        assertTrue(req.head().expectContinue());
        assertEquals(List.of(), l.drain());
        receive(new Frame.Window(1, 5));
        assertEquals(List.of("window 5"), l.drain());
    }

    @Test
    void responseDataBeyondTheWindowResetsTheStream() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, head(false, false));
        assertInstanceOf(Frame.Request.class, sent());
        receive(new Frame.Response(1, 200, List.of(), false));
        receive(new Frame.Data(1, Unpooled.wrappedBuffer(new byte[10]), false));
        assertEquals("response 200 [] ", l.next() + " ");
        assertEquals("data " + "\0".repeat(10), l.next());
        s.grantResponseWindow(4); // 6 left + 4 = 10
        Frame.Window w = assertInstanceOf(Frame.Window.class, sent());
        assertEquals(4, w.increment());
        receive(new Frame.Data(1, Unpooled.wrappedBuffer(new byte[10]), false));
        assertEquals("data " + "\0".repeat(10), l.next());
        receive(new Frame.Data(1, Unpooled.wrappedBuffer(new byte[1]), false));
        assertEquals(List.of("reset PROTOCOL_ERROR"), l.drain());
        Frame.Reset r = assertInstanceOf(Frame.Reset.class, sent());
        assertEquals(ResetCode.PROTOCOL_ERROR.code, r.code());
        assertEquals(0, link.load());
    }

    @Test
    void requestBodyIsSplitByTheWorkersMaxFrameAndKeptWithinItsWindow() throws Exception {
        connect(40, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, head(true, false));
        sent();
        assertEquals("window 40", l.next());
        s.sendData(body("x".repeat(20)), false);
        // Worker did not announce MAX_FRAME: 65536 by default, so one frame.
        assertEquals(20, text(assertInstanceOf(Frame.Data.class, sent())).length());
        s.sendData(body("y".repeat(21)), false); // 20 bytes of credit left
        assertInstanceOf(Frame.Reset.class, sent());
        assertEquals(List.of("reset PROTOCOL_ERROR"), l.drain());
    }

    @Test
    void frontEndResetSendsResetAndDeliversNothing() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, head(true, false));
        sent();
        l.drain();
        s.reset(ResetCode.CANCEL);
        assertEquals(ResetCode.CANCEL.code, assertInstanceOf(Frame.Reset.class, sent()).code());
        s.sendData(body("zz"), true);
        receive(new Frame.Response(1, 200, List.of(), true));
        assertEquals(List.of(), l.drain());
        assertEquals(null, sent());
        assertEquals(0, link.load());
    }

    @Test
    void aStreamResetBeforeItWasBoundIsNeverSent() {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = new LinkStream(head(true, false), ch.eventLoop(), l);
        s.sendData(body("queued"), false);
        s.reset(ResetCode.CANCEL);
        assertTrue(link.tryReserve());
        link.bind(s);
        assertEquals(null, sent());
        assertEquals(0, link.load());
        assertEquals(List.of(), l.drain());
    }

    @Test
    void callsMadeWhileQueuedAreReplayedAfterTheRequest() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = new LinkStream(head(true, false), ch.eventLoop(), l);
        s.sendData(body(""), true); // e.g. a chunked body that was empty
        assertTrue(link.tryReserve());
        link.bind(s);
        assertInstanceOf(Frame.Request.class, sent());
        Frame.Data d = assertInstanceOf(Frame.Data.class, sent());
        assertTrue(d.endStream());
        assertEquals("", text(d));
    }

    @Test
    void framesForUnknownStreamsAreIgnored() {
        connect(8, 10);
        receive(new Frame.Response(7, 200, List.of(), false));
        receive(new Frame.Data(7, Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII), true));
        receive(new Frame.Window(7, 100));
        receive(new Frame.Reset(7, 1));
        receive(new Frame.Trailers(7, List.of()));
        assertEquals(null, sent());
        assertTrue(ch.isActive());
    }

    @Test
    void streamIdsWrapAndSkipOpenOnes() throws Exception {
        connect(8, 10);
        link.nextStreamId(Integer.MAX_VALUE);
        RecordingListener a = new RecordingListener();
        open(a, head(false, false));
        assertEquals(Integer.MAX_VALUE, sent().streamId());
        RecordingListener b = new RecordingListener();
        open(b, head(false, false));
        assertEquals(1, sent().streamId());
        link.nextStreamId(Integer.MAX_VALUE);
        open(new RecordingListener(), head(false, false));
        assertEquals(2, sent().streamId(), "MAX_VALUE and 1 are still open");
    }

    @Test
    void pingsAreAnsweredAndAnUnansweredPingMeansTheWorkerHung() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        open(l, head(false, false));
        sent();
        receive(new Frame.Ping(99, false));
        Frame.Ping answer = assertInstanceOf(Frame.Ping.class, sent());
        assertTrue(answer.ack());
        assertEquals(99, answer.opaque());

        for (int i = 0; i < 10; i++) { // a worker that answers is never timed out
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            Frame.Ping ping = assertInstanceOf(Frame.Ping.class, sent());
            assertFalse(ping.ack());
            receive(new Frame.Ping(ping.opaque(), true));
        }
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertInstanceOf(Frame.Ping.class, sent());
        for (int i = 0; i < 3; i++) { // 3 s unanswered is not yet more than the 3 s timeout
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(ch.isActive());
        }
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        assertFalse(ch.isActive());
        assertEquals(List.of("failure WORKER_TIMEOUT"), l.drain());
        assertEquals(List.of("hung", "closed"), ownerEvents);
    }

    @Test
    void linkCloseFailsOnlyTheStreamsStillInFlight() throws Exception {
        connect(8, 10);
        RecordingListener done = new RecordingListener();
        RecordingListener running = new RecordingListener();
        RecordingListener started = new RecordingListener();
        open(done, head(false, false));
        open(running, head(false, false));
        open(started, head(false, false));
        receive(new Frame.Response(1, 204, List.of(), true));
        receive(new Frame.Response(3, 200, List.of(), false));
        ch.close();
        ch.runPendingTasks();
        assertEquals(List.of("response 204 [] end"), done.drain());
        assertEquals(List.of("failure WORKER_CRASHED"), running.drain());
        assertEquals(List.of("response 200 []", "failure WORKER_CRASHED"), started.drain());
        assertEquals(List.of("closed"), ownerEvents);
        assertEquals(0, link.load());
    }

    @Test
    void aLinkErrorSendsGoAwayOneAndCloses() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        open(l, head(false, false));
        sent();
        ByteBuf bad = Unpooled.buffer();
        FrameCodec.writeHeader(bad, FrameType.WINDOW, 0, 1, 4);
        bad.writeInt(0); // WINDOW of 0 is a link error (A.7)
        ch.writeInbound(bad);
        ch.runPendingTasks();
        Frame.GoAway g = assertInstanceOf(Frame.GoAway.class, sent());
        assertEquals(1, g.code());
        assertFalse(ch.isActive());
        assertEquals(List.of("failure WORKER_CRASHED"), l.drain());
    }

    @Test
    void streamFramesBeforeHelloAndHelloTwiceAreLinkErrors() {
        link = new WorkerLink(SETTINGS, owner);
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        receive(new Frame.Window(1, 1));
        assertEquals(1, assertInstanceOf(Frame.GoAway.class, sent()).code());
        assertFalse(ch.isActive());

        ownerEvents.clear();
        connect(8, 10);
        receive(new Frame.Hello(1, List.of(new Frame.Setting(1, 1), new Frame.Setting(2, 1))));
        assertEquals(1, assertInstanceOf(Frame.GoAway.class, sent()).code());
    }

    @Test
    void aWorkerGoAwayStopsNewStreamsAndClosesWhenTheLastOneEnds() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        open(l, head(false, false));
        sent();
        receive(new Frame.GoAway(0, "max requests"));
        assertEquals(List.of("goaway"), ownerEvents);
        assertFalse(link.tryReserve());
        assertTrue(ch.isActive());
        receive(new Frame.Response(1, 200, List.of(), true));
        ch.runPendingTasks();
        assertFalse(ch.isActive());
        assertEquals(List.of("response 200 [] end"), l.drain());
        assertTrue(link.idle().isDone());
    }

    @Test
    void maxStreamsLimitsReservations() {
        connect(8, 2);
        assertTrue(link.tryReserve());
        assertTrue(link.tryReserve());
        assertFalse(link.tryReserve());
        link.unreserve();
        assertTrue(link.tryReserve());
    }

    @Test
    void responseProtocolViolationsResetOnlyThatStream() throws Exception {
        connect(8, 10);
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        open(a, head(false, false));
        open(b, head(false, false));
        sent();
        sent();
        receive(new Frame.Data(1, Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII), false)); // DATA before RESPONSE
        receive(new Frame.Informational(2, 101, List.of())); // 101 is not allowed (A.2)
        assertEquals(List.of("reset PROTOCOL_ERROR"), a.drain());
        assertEquals(List.of("reset PROTOCOL_ERROR"), b.drain());
        assertTrue(ch.isActive());
    }

    @Test
    void theHelloAnnouncesFileBodiesForThePathsThisJvmCanOpen() {
        int expected = org.wsging.exchange.FileBodyOpener.opensUtf8Paths()
                ? FrameType.FILE_BODIES_UTF8 : FrameType.FILE_BODIES_ASCII;
        assertEquals(expected, LinkSettings.fileBodiesThisJvmTakes());
    }

    @Test
    void aFileResponseEndsTheStreamAtOnceWithoutAnyWindow() throws Exception {
        connect(8, 10);
        RecordingListener l = new RecordingListener();
        LinkStream s = open(l, head(false, false));
        assertInstanceOf(Frame.Request.class, sent());
        receive(new Frame.FileResponse(1, 200, List.of(new Header("content-length", "100000")),
                new FileBody("/srv/big.bin", 0, 100_000, 2049, -2)));
        assertEquals(List.of("file-response 200 [content-length: 100000] /srv/big.bin 0+100000 dev 2049 ino "
                + "18446744073709551614"), l.drain());
        assertEquals(0, link.load(), "the stream's slot is free: the body does not flow over the link");
        // The body is not DATA: no credit is owed for it, and late frames of the stream are ignored.
        s.grantResponseWindow(100_000);
        receive(new Frame.Data(1, Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII), true));
        assertEquals(List.of(), l.drain());
        assertEquals(null, sent());
    }

    @Test
    void aFileResponseAfterTheHeadOrUnannouncedResetsOnlyThatStream() throws Exception {
        connect(8, 10);
        RecordingListener a = new RecordingListener();
        open(a, head(false, false));
        sent();
        receive(new Frame.Response(1, 200, List.of(), false));
        receive(new Frame.FileResponse(1, 200, List.of(), new FileBody("/f", 0, 1, 1, 1)));
        assertEquals(List.of("response 200 []", "reset PROTOCOL_ERROR"), a.drain());
        assertEquals(ResetCode.PROTOCOL_ERROR.code, assertInstanceOf(Frame.Reset.class, sent()).code());
        assertTrue(ch.isActive());
        ch.finishAndReleaseAll();
        ownerEvents.clear();

        connect(new LinkSettings(16, 16, 0, Duration.ofSeconds(1), Duration.ofSeconds(3), 32), 8, 10);
        RecordingListener b = new RecordingListener();
        open(b, head(false, false));
        sent();
        receive(new Frame.FileResponse(1, 200, List.of(), new FileBody("/f", 0, 1, 1, 1)));
        assertEquals(List.of("reset PROTOCOL_ERROR"), b.drain());
        assertTrue(ch.isActive());
    }
}
