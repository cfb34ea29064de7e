package org.wsging.worker.link;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.List;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.RequestHead;
import org.wsging.tls.TlsFacts;

/**
 * One worker-link frame (spec A.2) as an immutable event. Flags that a frame type does not
 * define are not represented: they are ignored on decoding and written as 0.
 * u32 fields that may exceed {@code Integer.MAX_VALUE} are longs.
 */
public sealed interface Frame {
    /** Stream id; 0 for the frames that concern the link itself. */
    int streamId();

    record Setting(int id, long value) {}

    record Hello(int version, List<Setting> settings) implements Frame {
        public int streamId() {
            return 0;
        }

        /** The value of setting {@code id}, or {@code fallback} when absent (later ones win). */
        public long setting(int id, long fallback) {
            long value = fallback;
            for (Setting s : settings) {
                if (s.id() == id) {
                    value = s.value();
                }
            }
            return value;
        }
    }

    /** REQUEST: END_STREAM is {@code !head.hasBody()}, EXPECT_CONTINUE is {@code head.expectContinue()}. */
    record Request(int streamId, RequestHead head) implements Frame {}

    /**
     * DATA. Holds one reference to {@code data} (a slice of the received bytes, never a copy);
     * releasing the frame releases it.
     */
    record Data(int streamId, ByteBuf data, boolean endStream) implements Frame, ReferenceCounted {
        public int refCnt() {
            return data.refCnt();
        }

        public Data retain() {
            data.retain();
            return this;
        }

        public Data retain(int increment) {
            data.retain(increment);
            return this;
        }

        public Data touch() {
            data.touch();
            return this;
        }

        public Data touch(Object hint) {
            data.touch(hint);
            return this;
        }

        public boolean release() {
            return data.release();
        }

        public boolean release(int decrement) {
            return data.release(decrement);
        }
    }

    record Response(int streamId, int status, List<Header> headers, boolean endStream) implements Frame {}

    record Informational(int streamId, int status, List<Header> headers) implements Frame {}

    /** FILE_RESPONSE: a response head and a body the front end sends from {@code file}; it ends the stream. */
    record FileResponse(int streamId, int status, List<Header> headers, FileBody file) implements Frame {}

    record Trailers(int streamId, List<Header> headers) implements Frame {}

    record Reset(int streamId, long code) implements Frame {}

    record Window(int streamId, long increment) implements Frame {}

    /** PING: the 8 opaque bytes travel as one big-endian long, so a ping allocates nothing else. */
    record Ping(long opaque, boolean ack) implements Frame {
        public int streamId() {
            return 0;
        }
    }

    record GoAway(long code, String reason) implements Frame {
        public int streamId() {
            return 0;
        }
    }

    /**
     * BODY_MEMORY (A.2, shared body memory): the front end names a file of 2 x {@code slotCount}
     * slots of {@code slotSize} bytes that both sides map; the worker answers with {@link #ACK},
     * whose fields are empty. The path is bytes, one char per byte (ISO-8859-1).
     */
    record BodyMemory(long slotSize, int slotCount, String path, boolean ack) implements Frame {
        public static final BodyMemory ACK = new BodyMemory(0, 0, "", true);

        public int streamId() {
            return 0;
        }
    }

    /** SHARED_DATA: stands for DATA whose payload is the first {@code length} bytes of the sender's {@code slot}. */
    record SharedData(int streamId, int slot, long length, boolean endStream) implements Frame {}

    /** TLS: the facts of the connection whose REQUEST follows on the same stream. */
    record Tls(int streamId, TlsFacts facts) implements Frame {}

    /** RELEASE: the receiver's slots given back, in one frame. */
    record Release(List<Integer> slots) implements Frame {
        public Release {
            slots = List.copyOf(slots);
        }

        public int streamId() {
            return 0;
        }
    }

    /** PUSH: push {@code path} (origin-form, ISO-8859-1 chars) with request {@code headers}; {@code token} (u32) names the answer. */
    record Push(int streamId, long token, String path, List<Header> headers) implements Frame {}

    /** PUSH_RESULT: whether the PUSH with {@code token} was promised to the client. */
    record PushResult(long token, boolean accepted) implements Frame {
        public int streamId() {
            return 0;
        }
    }

    /** PRIORITY: the client's latest priority field value for the stream (RFC 9218), ISO-8859-1 chars. */
    record Priority(int streamId, String value) implements Frame {}
}
