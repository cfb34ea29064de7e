package org.wsging.worker.link;

import static org.wsging.worker.link.FieldCodec.readFields;
import static org.wsging.worker.link.FieldCodec.readU16;
import static org.wsging.worker.link.FieldCodec.readU32;
import static org.wsging.worker.link.FrameType.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.CharsetUtil;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;

/**
 * The payloads of the WebSocket frames WS_ACCEPT to WS_PONG (spec A.2, *WebSocket*), kept apart
 * from the core frames. What makes a frame unreadable is a link error here; what breaks a
 * session's rules (a close code an application may not send, text that is not UTF-8) is the
 * stream's business and is checked by the session.
 */
final class WsCodec {
    private WsCodec() {}

    static boolean knows(int type) {
        return type >= WS_ACCEPT && type <= WS_PONG;
    }

    static Frame decode(ByteBuf in, int type, int flags, int streamId, int end) {
        switch (type) {
            case WS_ACCEPT -> {
                FieldCodec.need(in, end, 1);
                int options = in.readUnsignedByte();
                long maxMessageSize = readU32(in, end);
                String subprotocol = FieldCodec.readString(in, end, readU16(in, end));
                Frame.WsAccept accept = new Frame.WsAccept(streamId, options, maxMessageSize, subprotocol,
                        readFields(in, end));
                if (maxMessageSize == 0) {
                    throw new LinkProtocolException("WS_ACCEPT with a max message size of 0");
                }
                return accept;
            }
            case WS_OPEN -> {
                int n = readU16(in, end);
                FieldCodec.need(in, end, n);
                String extensions = strictUtf8(in, n, "WS_OPEN extensions");
                return new Frame.WsOpen(streamId, extensions);
            }
            case WS_MESSAGE -> {
                return new Frame.WsMessage(streamId, in.readRetainedSlice(end - in.readerIndex()),
                        (flags & FLAG_TEXT) != 0, (flags & FLAG_CONTINUES) != 0, (flags & FLAG_UNCOMPRESSED) != 0);
            }
            case WS_CLOSE -> {
                int n = end - in.readerIndex();
                if (n == 0) {
                    return new Frame.WsClose(streamId, Frame.WsClose.NO_CODE, "");
                }
                if (n == 1) {
                    throw new LinkProtocolException("WS_CLOSE payload of one byte");
                }
                int code = in.readUnsignedShort();
                return new Frame.WsClose(streamId, code, strictUtf8(in, n - 2, "WS_CLOSE reason"));
            }
            case WS_PING -> {
                int n = end - in.readerIndex();
                if (n > MAX_WS_PING) {
                    throw new LinkProtocolException("WS_PING payload of " + n + " bytes exceeds " + MAX_WS_PING);
                }
                byte[] payload = new byte[n];
                in.readBytes(payload);
                return new Frame.WsPing(streamId, payload);
            }
            case WS_PONG -> {
                // A pong's payload is whatever the client sent (RFC 6455 section 5.5.3): bytes, not text.
                byte[] payload = new byte[end - in.readerIndex()];
                in.readBytes(payload);
                return new Frame.WsPong(streamId, payload);
            }
            default -> throw new AssertionError(type);
        }
    }

    /** The next {@code n} bytes as UTF-8, consumed; bytes that are not UTF-8 are a link error. */
    private static String strictUtf8(ByteBuf in, int n, String what) {
        ByteBuffer bytes = in.nioBuffer(in.readerIndex(), n);
        try {
            String s = CharsetUtil.UTF_8.newDecoder().decode(bytes).toString();
            in.skipBytes(n);
            return s;
        } catch (CharacterCodingException e) {
            throw new LinkProtocolException(what + " is not UTF-8");
        }
    }

    static int encode(Frame.WsAccept a, ByteBuf out) {
        if (a.options() < 0 || a.options() > 0xFF || a.maxMessageSize() < 1 || a.maxMessageSize() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("WS_ACCEPT needs u8 options and a max message size of 1 to 2^32-1: " + a);
        }
        out.writeByte(a.options());
        out.writeInt((int) a.maxMessageSize());
        FieldCodec.writeStr16(out, a.subprotocol());
        FieldCodec.writeFields(out, a.headers());
        return 0;
    }

    static int encode(Frame.WsOpen o, ByteBuf out) {
        writeUtf8Str16(out, o.extensions());
        return 0;
    }

    static int encode(Frame.WsMessage m, ByteBuf out) {
        out.writeBytes(m.data(), m.data().readerIndex(), m.data().readableBytes());
        return flags(m);
    }

    /** The flags byte of a WS_MESSAGE. */
    static int flags(Frame.WsMessage m) {
        return (m.text() ? FLAG_TEXT : 0) | (m.continues() ? FLAG_CONTINUES : 0)
                | (m.uncompressed() ? FLAG_UNCOMPRESSED : 0);
    }

    static int encode(Frame.WsClose c, ByteBuf out) {
        if (c.code() == Frame.WsClose.NO_CODE) {
            return 0;
        }
        if (c.code() < 0 || c.code() > 0xFFFF) {
            throw new IllegalArgumentException("WS_CLOSE code out of range: " + c.code());
        }
        out.writeShort(c.code());
        ByteBufUtil.writeUtf8(out, c.reason());
        return 0;
    }

    static int encode(Frame.WsPing p, ByteBuf out) {
        if (p.payload().length > MAX_WS_PING) {
            throw new IllegalArgumentException("WS_PING payload of " + p.payload().length + " bytes exceeds "
                    + MAX_WS_PING);
        }
        out.writeBytes(p.payload());
        return 0;
    }

    static int encode(Frame.WsPong p, ByteBuf out) {
        out.writeBytes(p.payload());
        return 0;
    }

    private static void writeUtf8Str16(ByteBuf out, String s) {
        int n = ByteBufUtil.utf8Bytes(s);
        if (n > 0xFFFF) {
            throw new IllegalArgumentException("text of " + n + " bytes exceeds 65535");
        }
        out.writeShort(n);
        ByteBufUtil.writeUtf8(out, s);
    }
}
