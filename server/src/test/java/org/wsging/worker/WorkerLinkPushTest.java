package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.exchange.Capabilities;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameDecoder;
import org.wsging.worker.link.FrameEncoder;
import org.wsging.worker.link.FrameType;

/** PUSH, PUSH_RESULT and PRIORITY on the front end's side of the link (spec A.2, 8.4, 8.5). */
class WorkerLinkPushTest {
    private static final LinkSettings SETTINGS = new LinkSettings(16, 16, 0, Duration.ofSeconds(1),
            Duration.ofSeconds(3), 0);

    private WorkerLink link;
    private EmbeddedChannel ch;
    private final ByteBuf pendingOut = Unpooled.buffer();

    /** A listener that answers pushes as {@code accept} says and records what it was asked. */
    private static final class PushListener implements ExchangeListener {
        final List<String> asked = new ArrayList<>();
        boolean accept = true;

        public void onRequestWindow(int increment) {}

        public void onInformational(int status, List<Header> headers) {}

        public void onResponse(int status, List<Header> headers, boolean endStream) {}

        public void onFileResponse(int status, List<Header> headers, FileBody file) {}

        public void onData(ByteBuf data, boolean endStream) {
            data.release();
        }

        public void onTrailers(List<Header> trailers) {}

        public void onReset(ResetCode code) {}

        public void onFailure(StreamFailure failure) {}

        @Override
        public boolean onPush(String path, List<Header> headers) {
            asked.add(path + " " + headers);
            return accept;
        }
    }

    private void connect(boolean workerPushes, boolean workerPriorities) {
        link = new WorkerLink(SETTINGS, new IgnoringOwner());
        ch = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        ch.freezeTime();
        List<Frame.Setting> settings = new ArrayList<>(List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 2),
                new Frame.Setting(FrameType.SETTING_PID, 4242)));
        if (workerPushes) {
            settings.add(new Frame.Setting(FrameType.SETTING_PUSH, 1));
        }
        if (workerPriorities) {
            settings.add(new Frame.Setting(FrameType.SETTING_PRIORITY, 1));
        }
        receive(new Frame.Hello(1, settings));
        assertInstanceOf(Frame.Hello.class, sent());
    }

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        pendingOut.release();
    }

    private void receive(Frame frame) {
        LinkFrames.receive(ch, frame);
    }

    private Frame sent() {
        return LinkFrames.sent(ch, pendingOut);
    }

    private static RequestHead head(int capabilities) {
        return new RequestHead(HttpVersion.HTTP_2, "https", "GET", "/page", "", null, null, 0, capabilities,
                List.of(new Header("host", "example.com")), false, false);
    }

    private LinkStream open(PushListener listener, RequestHead head) {
        LinkStream s = new LinkStream(head, ch.eventLoop(), listener);
        assertTrue(link.tryReserve());
        link.bind(s);
        return s;
    }

    @Test
    void pushIsOfferedOnlyToAWorkerThatAnnouncedIt() {
        connect(false, false);
        open(new PushListener(), head(Capabilities.PUSH | Capabilities.RESPONSE_TRAILERS));
        Frame.Request r = assertInstanceOf(Frame.Request.class, sent());
        assertEquals(Capabilities.RESPONSE_TRAILERS, r.head().capabilities(), "the PUSH bit is cleared");
    }

    @Test
    void anAcceptedPushIsAnsweredTrueAfterTheListenerDecided() {
        connect(true, false);
        PushListener listener = new PushListener();
        open(listener, head(Capabilities.PUSH));
        Frame.Request r = assertInstanceOf(Frame.Request.class, sent());
        assertEquals(Capabilities.PUSH, r.head().capabilities());
        receive(new Frame.Push(r.streamId(), 77, "/app.css?v=3", List.of(new Header("accept", "text/css"))));
        assertEquals(new Frame.PushResult(77, true), sent());
        assertEquals(List.of("/app.css?v=3 [Header[name=accept, value=text/css]]"), listener.asked);
    }

    @Test
    void aDeclinedPushIsAnsweredFalse() {
        connect(true, false);
        PushListener listener = new PushListener();
        listener.accept = false;
        open(listener, head(Capabilities.PUSH));
        int id = sent().streamId();
        receive(new Frame.Push(id, 5, "/a", List.of()));
        assertEquals(new Frame.PushResult(5, false), sent());
    }

    @Test
    void aPushAfterTheResponseEndedIsDeclinedWithoutAskingTheFrontEnd() {
        connect(true, false);
        PushListener listener = new PushListener();
        open(listener, head(Capabilities.PUSH));
        int id = sent().streamId();
        receive(new Frame.Response(id, 200, List.of(), true));
        receive(new Frame.Push(id, 6, "/late", List.of()));
        assertEquals(new Frame.PushResult(6, false), sent());
        assertTrue(listener.asked.isEmpty());
    }

    @Test
    void aPushOnAStreamNotOfferedPushIsDeclined() {
        connect(true, false);
        PushListener listener = new PushListener();
        open(listener, head(0));
        int id = sent().streamId();
        receive(new Frame.Push(id, 8, "/x", List.of()));
        assertEquals(new Frame.PushResult(8, false), sent());
        assertTrue(listener.asked.isEmpty());
        receive(new Frame.Push(999, 9, "/x", List.of())); // an unknown stream
        assertEquals(new Frame.PushResult(9, false), sent());
    }

    @Test
    void aPushedHeadTravelsWithThePushedFlag() {
        connect(true, false);
        RequestHead pushed = new RequestHead(HttpVersion.HTTP_2, "https", "GET", "/app.css", "", null, null, 0,
                Capabilities.PUSH, List.of(new Header("host", "example.com")), false, false, null, true);
        open(new PushListener(), pushed);
        Frame.Request r = assertInstanceOf(Frame.Request.class, sent());
        assertTrue(r.head().pushed());
    }

    @Test
    void priorityGoesOnlyToAWorkerThatTakesIt() {
        connect(true, true);
        LinkStream s = open(new PushListener(), head(0));
        int id = sent().streamId();
        s.sendPriority("u=1, i");
        assertEquals(new Frame.Priority(id, "u=1, i"), sent());
        s.reset(ResetCode.CANCEL);
        assertInstanceOf(Frame.Reset.class, sent());
        s.sendPriority("u=2");
        assertNull(sent(), "nothing for a complete stream");
    }

    @Test
    void priorityIsDroppedForAWorkerThatDidNotAnnounceIt() {
        connect(true, false);
        LinkStream s = open(new PushListener(), head(0));
        sent();
        s.sendPriority("u=0");
        assertNull(sent());
    }

    @Test
    void priorityRecordedWhileQueuedFollowsTheRequest() {
        connect(true, true);
        LinkStream s = new LinkStream(head(0), ch.eventLoop(), new PushListener());
        s.sendPriority("u=6");
        assertTrue(link.tryReserve());
        link.bind(s);
        int id = assertInstanceOf(Frame.Request.class, sent()).streamId();
        assertEquals(new Frame.Priority(id, "u=6"), sent());
    }

    @Test
    void pushResultOrPriorityFromAWorkerIsALinkError() {
        connect(true, true);
        receive(new Frame.PushResult(1, true));
        assertInstanceOf(Frame.GoAway.class, sent());
        assertFalse(ch.isOpen());
    }
}
