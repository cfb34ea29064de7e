package org.wsging.worker.link;

import static org.wsging.worker.link.FieldCodec.readFields;
import static org.wsging.worker.link.FieldCodec.readU16;
import static org.wsging.worker.link.FieldCodec.readU32;
import static org.wsging.worker.link.FrameType.PRIORITY;
import static org.wsging.worker.link.FrameType.PUSH;
import static org.wsging.worker.link.FrameType.PUSH_RESULT;

import io.netty.buffer.ByteBuf;

/** The payloads of PUSH, PUSH_RESULT and PRIORITY (spec A.2), kept apart from the core frames. */
final class PushCodec {
    private PushCodec() {}

    static boolean knows(int type) {
        return type == PUSH || type == PUSH_RESULT || type == PRIORITY;
    }

    static Frame decode(ByteBuf in, int type, int streamId, int end) {
        switch (type) {
            case PUSH -> {
                long token = readU32(in, end);
                String path = FieldCodec.readString(in, end, readU16(in, end));
                if (path.isEmpty() || path.charAt(0) != '/') {
                    throw new LinkProtocolException("PUSH path does not start with '/'");
                }
                return new Frame.Push(streamId, token, path, readFields(in, end));
            }
            case PUSH_RESULT -> {
                long token = readU32(in, end);
                FieldCodec.need(in, end, 1);
                int accepted = in.readUnsignedByte();
                if (accepted > 1) {
                    throw new LinkProtocolException("PUSH_RESULT accepted byte " + accepted + ", not 0 or 1");
                }
                return new Frame.PushResult(token, accepted == 1);
            }
            case PRIORITY -> {
                return new Frame.Priority(streamId, FieldCodec.readString(in, end, readU16(in, end)));
            }
            default -> throw new AssertionError(type);
        }
    }

    static int encode(Frame.Push p, ByteBuf out) {
        if (p.token() < 0 || p.token() > 0xFFFF_FFFFL || !p.path().startsWith("/")) {
            throw new IllegalArgumentException("PUSH needs a u32 token and a path starting with '/': " + p);
        }
        out.writeInt((int) p.token());
        FieldCodec.writeStr16(out, p.path());
        FieldCodec.writeFields(out, p.headers());
        return 0;
    }

    static int encode(Frame.PushResult r, ByteBuf out) {
        if (r.token() < 0 || r.token() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("PUSH_RESULT token out of range: " + r.token());
        }
        out.writeInt((int) r.token());
        out.writeByte(r.accepted() ? 1 : 0);
        return 0;
    }

    static int encode(Frame.Priority p, ByteBuf out) {
        FieldCodec.writeStr16(out, p.value());
        return 0;
    }
}
