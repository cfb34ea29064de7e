package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsging.ServerInitializer;
import org.wsging.config.Http1Config;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameCodec;
import org.wsging.worker.link.FrameDecoder;
import org.wsging.worker.link.FrameEncoder;
import org.wsging.worker.link.FrameType;

/**
 * What reaches the client when a worker sends the front end a frame it cannot take: a frame longer
 * than the link allows, a response head whose fields do not parse, DATA over the negotiated
 * MAX_FRAME, a frame cut off by the link's end. The client connection is the real HTTP/1 pipeline
 * and the worker side the real {@link WorkerLink}, each on an EmbeddedChannel: every request must
 * end with a 502 (or, after its head went out, a connection closed short), never hang.
 */
class WorkerLinkMalformedFramesTest {
    /** A window of 64 bytes and DATA frames of at most 16 (MAX_FRAME). */
    private static final LinkSettings SETTINGS = new LinkSettings(64, 16, FrameType.FILE_BODIES_UTF8,
            Duration.ofSeconds(1), Duration.ofSeconds(3), 32);

    private final EmbeddedChannel worker = new EmbeddedChannel();
    private final EmbeddedChannel client = new EmbeddedChannel();
    private WorkerLink link;

    /** The client pipeline's dispatcher: every request becomes a stream on the one link. */
    private final WorkerDispatcher dispatcher = (head, executor, listener) -> {
        LinkStream s = new LinkStream(head, executor, listener);
        assertTrue(link.tryReserve());
        link.bind(s);
        return s;
    };

    private void start() {
        link = new WorkerLink(SETTINGS, new IgnoringOwner());
        worker.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, link);
        fromWorker(new Frame.Hello(1, List.of(new Frame.Setting(FrameType.SETTING_WORKER_ID, 1),
                new Frame.Setting(FrameType.SETTING_PID, 4242))));
        assertInstanceOf(Frame.Hello.class, toWorker());
        ServerInitializer.configure(client.pipeline(), Http1Config.DEFAULT, dispatcher, null);
    }

    @AfterEach
    void finish() {
        client.finishAndReleaseAll();
        worker.finishAndReleaseAll();
        pendingOut.release();
    }

    private void fromWorker(Frame frame) {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(frame, buf);
        ReferenceCountUtil.release(frame);
        fromWorker(buf);
    }

    private void fromWorker(ByteBuf bytes) {
        worker.writeInbound(bytes);
        worker.runPendingTasks();
        client.runPendingTasks();
    }

    private final ByteBuf pendingOut = Unpooled.buffer();

    /** The next frame the front end sent the worker, or null. */
    private Frame toWorker() {
        return LinkFrames.sent(worker, pendingOut);
    }

    private void request(String raw) {
        client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        client.runPendingTasks();
        worker.runPendingTasks();
    }

    private String clientReceived() {
        client.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = client.readOutbound()) != null; ) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    private static ByteBuf header(int type, int streamId, int length) {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.writeHeader(buf, type, 0, streamId, length);
        return buf;
    }

    /** A request in flight: its REQUEST frame reached the worker, stream 1. */
    private void requestInFlight() {
        start();
        request("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, assertInstanceOf(Frame.Request.class, toWorker()).streamId());
    }

    private void assertLinkErrorSent() {
        Frame f;
        do {
            f = toWorker();
        } while (f != null && !(f instanceof Frame.GoAway));
        Frame.GoAway goAway = assertInstanceOf(Frame.GoAway.class, f, "GOAWAY PROTOCOL_ERROR to the worker");
        assertEquals(1, goAway.code());
        assertFalse(worker.isActive(), "the link is closed");
    }

    @Test
    void aFrameLongerThanTheLinkAllowsEndsTheLinkAndTheRequestGets502() {
        requestInFlight();
        fromWorker(header(FrameType.RESPONSE, 1, FrameType.MAX_PAYLOAD + 1));
        assertLinkErrorSent();
        String out = clientReceived();
        assertTrue(out.startsWith("HTTP/1.1 502 "), out);
        assertTrue(client.isOpen(), "the client connection goes on: only the link failed");
    }

    @Test
    void aResponseHeadWhoseFieldsDoNotParseEndsTheLinkAndTheRequestGets502() {
        requestInFlight();
        ByteBuf bad = header(FrameType.RESPONSE, 1, 2 + 2 + 2 + 3);
        bad.writeShort(200).writeShort(1).writeShort(100).writeBytes("abc".getBytes(StandardCharsets.US_ASCII));
        fromWorker(bad);
        assertLinkErrorSent();
        assertTrue(clientReceived().startsWith("HTTP/1.1 502 "));
    }

    @Test
    void aResponseHeadWithBytesAfterItsFieldsEndsTheLinkAndTheRequestGets502() {
        requestInFlight();
        ByteBuf bad = header(FrameType.RESPONSE, 1, 2 + 2 + 1);
        bad.writeShort(200).writeShort(0).writeByte(7);
        fromWorker(bad);
        assertLinkErrorSent();
        assertTrue(clientReceived().startsWith("HTTP/1.1 502 "));
    }

    @Test
    void aResponseStatusOutsideTheRangeResetsTheStreamAndTheRequestGets502() {
        requestInFlight();
        fromWorker(new Frame.Response(1, 1000, List.of(), true));
        assertInstanceOf(Frame.Reset.class, toWorker());
        assertTrue(clientReceived().startsWith("HTTP/1.1 502 "));
        assertTrue(worker.isActive(), "a stream error leaves the link up");
    }

    @Test
    void dataOverTheNegotiatedMaxFrameResetsTheStreamAndTheResponseIsCutShort() {
        requestInFlight();
        fromWorker(new Frame.Response(1, 200, List.of(), false));
        fromWorker(new Frame.Data(1, Unpooled.wrappedBuffer(new byte[17]), false)); // MAX_FRAME is 16
        assertInstanceOf(Frame.Reset.class, toWorker());
        String out = clientReceived();
        assertTrue(out.startsWith("HTTP/1.1 200 "), out);
        assertFalse(out.endsWith("0\r\n\r\n"), "a cut-off body must not look complete: " + out);
        assertFalse(client.isOpen(), "the connection is closed so the client sees the response cut short");
    }

    @Test
    void aLinkThatEndsInTheMiddleOfAFrameFailsTheRequestWith502() {
        requestInFlight();
        ByteBuf partial = header(FrameType.RESPONSE, 1, 100);
        partial.writeShort(200).writeShort(1);
        fromWorker(partial);
        assertEquals("", clientReceived(), "nothing before the frame is whole");
        worker.close();
        worker.runPendingTasks();
        assertTrue(clientReceived().startsWith("HTTP/1.1 502 "));
    }
}
