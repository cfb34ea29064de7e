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

    /**
     * REQUEST: END_STREAM is {@code !head.hasBody()}, EXPECT_CONTINUE is {@code head.expectContinue()}.
     * {@code sameTls} sets SAME_TLS: the request's TLS facts are those of the link's last TLS
     * frame, which is not repeated (A.2); {@code head.tls()} is then null when decoded.
     */
    record Request(int streamId, RequestHead head, boolean sameTls) implements Frame {}

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

    /**
     * WS_ACCEPT (spec 9.3): the application accepts the stream's WebSocket offer.
     *
     * @param options        bit {@link FrameType#WS_OPTION_COMPRESSION}: compression allowed; other bits ignored
     * @param maxMessageSize largest incoming message after decompression, at least 1 (u32)
     * @param subprotocol    the chosen subprotocol (ISO-8859-1 chars), empty for none
     * @param headers        extra fields for the handshake response
     */
    record WsAccept(int streamId, int options, long maxMessageSize, String subprotocol, List<Header> headers)
            implements Frame {
        public boolean compression() {
            return (options & FrameType.WS_OPTION_COMPRESSION) != 0;
        }
    }

    /** WS_OPEN: the handshake response was written; {@code extensions} is its Sec-WebSocket-Extensions value ("" for none). */
    record WsOpen(int streamId, String extensions) implements Frame {}

    /**
     * WS_MESSAGE: a message, or a piece of one when {@code continues}. Holds one reference to
     * {@code data}, as {@link Data} does; releasing the frame releases it.
     *
     * @param uncompressed worker -> front end only: send this message without compression
     */
    record WsMessage(int streamId, ByteBuf data, boolean text, boolean continues, boolean uncompressed)
            implements Frame, ReferenceCounted {
        public int refCnt() {
            return data.refCnt();
        }

        public WsMessage retain() {
            data.retain();
            return this;
        }

        public WsMessage retain(int increment) {
            data.retain(increment);
            return this;
        }

        public WsMessage touch() {
            data.touch();
            return this;
        }

        public WsMessage touch(Object hint) {
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

    /**
     * WS_CLOSE: {@code code} is {@link #NO_CODE} for an empty payload (a client close frame
     * without a code, reported as 1005), else a u16 followed by the UTF-8 {@code reason}.
     */
    record WsClose(int streamId, int code, String reason) implements Frame {
        public static final int NO_CODE = -1;

        public WsClose {
            if (code == NO_CODE && !reason.isEmpty()) {
                throw new IllegalArgumentException("a WS_CLOSE without a code has no reason");
            }
        }
    }

    /** WS_PING: ping the client with {@code payload} (at most 125 bytes). */
    record WsPing(int streamId, byte[] payload) implements Frame {}

    /** WS_PONG: the payload of a pong the client sent. */
    record WsPong(int streamId, byte[] payload) implements Frame {}
}
