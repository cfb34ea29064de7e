package org.wsging.worker.link;

import static org.wsging.worker.link.FieldCodec.readFields;
import static org.wsging.worker.link.FieldCodec.readI64;
import static org.wsging.worker.link.FieldCodec.readU16;
import static org.wsging.worker.link.FieldCodec.readU32;
import static org.wsging.worker.link.FrameType.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.CharsetUtil;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.tls.ClientCertificate;
import org.wsging.tls.TlsFacts;

/**
 * The worker-link codec without I/O (spec A.2): bytes in, {@link Frame}s out, and back. Netty's
 * {@link FrameDecoder} and {@link FrameEncoder} are thin wrappers around it.
 */
public final class FrameCodec {
    /** REQUEST's fixed part (A.2): version, four u8 lengths, two ports, two u16 lengths, i64, u32, u16, u32. */
    static final int REQUEST_FIXED_SIZE = 1 + 4 + 2 + 2 + 2 + 2 + 8 + 4 + 2 + 4;

    private FrameCodec() {}

    /**
     * Decodes the next known frame from {@code in}, consuming it. Returns null when {@code in} does
     * not yet hold a whole frame (nothing is consumed then). Frames of unknown type are skipped
     * (A.8). DATA payloads are retained slices of {@code in}.
     *
     * @throws LinkProtocolException for a link error; the link cannot continue after it
     */
    public static Frame decode(ByteBuf in) {
        while (in.readableBytes() >= HEADER_SIZE) {
            int start = in.readerIndex();
            long length = in.getUnsignedInt(start);
            if (length > MAX_PAYLOAD) {
                throw new LinkProtocolException("frame length " + length + " exceeds " + MAX_PAYLOAD);
            }
            if (in.readableBytes() < HEADER_SIZE + length) {
                return null;
            }
            int type = in.getUnsignedByte(start + 4);
            int flags = in.getUnsignedByte(start + 5);
            int streamId = in.getInt(start + 6);
            int payloadStart = start + HEADER_SIZE;
            int end = payloadStart + (int) length;
            in.readerIndex(payloadStart);
            if (!known(type)) {
                in.readerIndex(end); // unknown type: ignored, that is how the link grows (A.8)
                continue;
            }
            Frame frame = decodePayload(in, type, flags, streamId, end);
            if (in.readerIndex() != end) {
                io.netty.util.ReferenceCountUtil.release(frame); // a DATA or WS_MESSAGE slice
                throw new LinkProtocolException("frame type " + type + " has " + (end - in.readerIndex())
                        + " bytes after its fields");
            }
            return frame;
        }
        return null;
    }

    /** The types this side decodes; the others are skipped. */
    private static boolean known(int type) {
        return type <= TLS || PushCodec.knows(type) || WsCodec.knows(type);
    }

    private static Frame decodePayload(ByteBuf in, int type, int flags, int streamId, int end) {
        boolean linkFrame = type == HELLO || type == PING || type == GOAWAY || type == BODY_MEMORY || type == RELEASE
                || type == PUSH_RESULT;
        if (linkFrame != (streamId == 0)) {
            throw new LinkProtocolException("frame type " + type + " on stream " + Integer.toUnsignedString(streamId));
        }
        boolean endStream = (flags & FLAG_END_STREAM) != 0;
        switch (type) {
            case HELLO: {
                int version = readU16(in, end);
                int count = readU16(in, end);
                FieldCodec.need(in, end, count * 6);
                List<Frame.Setting> settings = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    settings.add(new Frame.Setting(readU16(in, end), readU32(in, end)));
                }
                return new Frame.Hello(version, List.copyOf(settings));
            }
            case REQUEST:
                return decodeRequest(in, flags, streamId, end);
            case DATA:
                return new Frame.Data(streamId, in.readRetainedSlice(end - in.readerIndex()), endStream);
            case RESPONSE: {
                int status = readU16(in, end);
                return new Frame.Response(streamId, status, readFields(in, end), endStream);
            }
            case INFORMATIONAL: {
                int status = readU16(in, end);
                return new Frame.Informational(streamId, status, readFields(in, end));
            }
            case TRAILERS:
                return new Frame.Trailers(streamId, readFields(in, end));
            case RESET:
                return new Frame.Reset(streamId, readU32(in, end));
            case WINDOW: {
                long increment = readU32(in, end);
                if (increment == 0) {
                    throw new LinkProtocolException("WINDOW with increment 0");
                }
                return new Frame.Window(streamId, increment);
            }
            case PING: {
                FieldCodec.need(in, end, 8);
                return new Frame.Ping(in.readLong(), (flags & FLAG_ACK) != 0);
            }
            case GOAWAY: {
                long code = readU32(in, end);
                String reason = in.readCharSequence(end - in.readerIndex(), CharsetUtil.UTF_8).toString();
                return new Frame.GoAway(code, reason);
            }
            case FILE_RESPONSE:
                return decodeFileResponse(in, streamId, end);
            case BODY_MEMORY:
                return decodeBodyMemory(in, flags, end);
            case SHARED_DATA: {
                int slot = readU16(in, end);
                long length = readU32(in, end);
                if (length == 0) {
                    throw new LinkProtocolException("SHARED_DATA of length 0");
                }
                return new Frame.SharedData(streamId, slot, length, endStream);
            }
            case RELEASE:
                return decodeRelease(in, end);
            case TLS:
                return decodeTls(in, streamId, end);
            case PUSH, PUSH_RESULT, PRIORITY:
                return PushCodec.decode(in, type, streamId, end);
            case WS_ACCEPT, WS_OPEN, WS_MESSAGE, WS_CLOSE, WS_PING, WS_PONG:
                return WsCodec.decode(in, type, flags, streamId, end);
            default:
                throw new AssertionError(type);
        }
    }

    private static Frame.Request decodeRequest(ByteBuf in, int flags, int streamId, int end) {
        FieldCodec.need(in, end, REQUEST_FIXED_SIZE);
        int versionCode = in.readUnsignedByte();
        HttpVersion version;
        try {
            version = HttpVersion.fromCode(versionCode);
        } catch (IllegalArgumentException e) {
            throw new LinkProtocolException(e.getMessage());
        }
        int schemeLength = in.readUnsignedByte();
        int methodLength = in.readUnsignedByte();
        int clientHostLength = in.readUnsignedByte();
        int serverHostLength = in.readUnsignedByte();
        int clientPort = in.readUnsignedShort();
        int serverPort = in.readUnsignedShort();
        int pathLength = in.readUnsignedShort();
        int queryLength = in.readUnsignedShort();
        long contentLength = in.readLong();
        int capabilities = in.readInt();
        int headerCount = in.readUnsignedShort();
        long blockLength = in.readUnsignedInt();
        long rest = (long) schemeLength + methodLength + pathLength + queryLength + clientHostLength
                + serverHostLength + blockLength;
        if (rest != end - in.readerIndex()) {
            throw new LinkProtocolException("REQUEST payload is " + (rest > end - in.readerIndex() ? "truncated" : "too long"));
        }
        String scheme = FieldCodec.readString(in, end, schemeLength);
        String method = FieldCodec.readString(in, end, methodLength);
        String path = FieldCodec.readString(in, end, pathLength);
        String query = FieldCodec.readString(in, end, queryLength);
        boolean websocket = (flags & FLAG_WEBSOCKET) != 0;
        if (websocket && (flags & FLAG_END_STREAM) == 0) {
            throw new LinkProtocolException("REQUEST with WEBSOCKET but without END_STREAM");
        }
        InetSocketAddress client = address(FieldCodec.readString(in, end, clientHostLength), clientPort);
        InetSocketAddress server = address(FieldCodec.readString(in, end, serverHostLength), serverPort);
        RequestHead head = new RequestHead(version, scheme, method, path, query, client, server, contentLength,
                capabilities, FieldCodec.readNulBlock(in, end, headerCount), (flags & FLAG_END_STREAM) == 0,
                (flags & FLAG_EXPECT_CONTINUE) != 0, null, (flags & FLAG_PUSHED) != 0, websocket);
        return new Frame.Request(streamId, head, (flags & FLAG_SAME_TLS) != 0);
    }

    private static Frame.FileResponse decodeFileResponse(ByteBuf in, int streamId, int end) {
        int status = readU16(in, end);
        if (status < 200 || status > 599) {
            throw new LinkProtocolException("FILE_RESPONSE status " + status + " outside 200..599");
        }
        List<Header> headers = readFields(in, end);
        CharSequence path = FieldCodec.readBytes16(in, end);
        long offset = readI64(in, end);
        long length = readI64(in, end);
        long device = readI64(in, end);
        long inode = readI64(in, end);
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new LinkProtocolException("FILE_RESPONSE path is not absolute");
        }
        if (offset < 0 || length < 0) {
            throw new LinkProtocolException("FILE_RESPONSE offset or length is 2^63 or more");
        }
        return new Frame.FileResponse(streamId, status, headers, new FileBody(path, offset, length, device, inode));
    }

    private static Frame.BodyMemory decodeBodyMemory(ByteBuf in, int flags, int end) {
        if ((flags & FLAG_ACK) != 0) {
            if (in.readerIndex() != end) {
                throw new LinkProtocolException("BODY_MEMORY ACK with a payload");
            }
            return Frame.BodyMemory.ACK;
        }
        long slotSize = readU32(in, end);
        int slotCount = readU16(in, end);
        String path = FieldCodec.readString(in, end, readU16(in, end));
        if (slotSize == 0 || slotCount == 0) {
            throw new LinkProtocolException("BODY_MEMORY with a slot size or slot count of 0");
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new LinkProtocolException("BODY_MEMORY path is not absolute");
        }
        return new Frame.BodyMemory(slotSize, slotCount, path, false);
    }

    private static Frame.Release decodeRelease(ByteBuf in, int end) {
        int length = end - in.readerIndex();
        if (length == 0 || length % 2 != 0) {
            throw new LinkProtocolException("RELEASE payload of " + length + " bytes is not one or more u16 slots");
        }
        Integer[] slots = new Integer[length / 2];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = in.readUnsignedShort();
        }
        return new Frame.Release(List.of(slots));
    }

    /** TLS (A.2): seven str16 (version, cipher, server name, ALPN, client subject, issuer, serial),
     * then the client certificate's PEM filling the rest; empty strings stand for none. */
    private static Frame.Tls decodeTls(ByteBuf in, int streamId, int end) {
        String version = utf8(FieldCodec.readBytes16(in, end));
        String cipher = utf8(FieldCodec.readBytes16(in, end));
        String serverName = utf8(FieldCodec.readBytes16(in, end));
        String alpn = utf8(FieldCodec.readBytes16(in, end));
        String subject = utf8(FieldCodec.readBytes16(in, end));
        String issuer = utf8(FieldCodec.readBytes16(in, end));
        String serial = utf8(FieldCodec.readBytes16(in, end));
        String pem = utf8(in.nioBuffer(in.readerIndex(), end - in.readerIndex()));
        in.readerIndex(end);
        if (version.isEmpty() || cipher.isEmpty()) {
            throw new LinkProtocolException("TLS frame without a protocol version or cipher");
        }
        if (pem.isEmpty() && !(subject.isEmpty() && issuer.isEmpty() && serial.isEmpty())) {
            throw new LinkProtocolException("TLS frame with client certificate fields but no certificate");
        }
        ClientCertificate cert = pem.isEmpty() ? null : new ClientCertificate(subject, issuer, serial, pem);
        return new Frame.Tls(streamId, new TlsFacts(version, cipher, orNull(serverName), orNull(alpn), cert));
    }

    private static void encodeTls(TlsFacts facts, ByteBuf out) {
        ClientCertificate cert = facts.clientCert();
        writeUtf8Str16(out, facts.version());
        writeUtf8Str16(out, facts.cipher());
        writeUtf8Str16(out, facts.serverName());
        writeUtf8Str16(out, facts.alpn());
        writeUtf8Str16(out, cert == null ? null : cert.subject());
        writeUtf8Str16(out, cert == null ? null : cert.issuer());
        writeUtf8Str16(out, cert == null ? null : cert.serial());
        if (cert != null) {
            ByteBufUtil.writeUtf8(out, cert.pem());
        }
    }

    /** A str16 of a text's UTF-8 bytes, written straight into {@code out}; null is empty. */
    private static void writeUtf8Str16(ByteBuf out, String s) {
        if (s == null) {
            out.writeShort(0);
            return;
        }
        int n = ByteBufUtil.utf8Bytes(s);
        if (n > 0xFFFF) {
            throw new IllegalArgumentException("TLS field of " + n + " bytes exceeds 65535");
        }
        out.writeShort(n);
        ByteBufUtil.writeUtf8(out, s);
    }

    /** Strict: bytes that are not UTF-8 are a link error, not replacement characters. */
    private static String utf8(CharSequence bytes) {
        return utf8(java.nio.ByteBuffer.wrap(bytes.toString().getBytes(CharsetUtil.ISO_8859_1)));
    }

    private static String utf8(java.nio.ByteBuffer bytes) {
        try {
            return CharsetUtil.UTF_8.newDecoder().decode(bytes).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new LinkProtocolException("TLS frame text is not UTF-8");
        }
    }

    private static String orNull(String s) {
        return s.isEmpty() ? null : s;
    }

    private static InetSocketAddress address(String host, int port) {
        return host.isEmpty() && port == 0 ? null : InetSocketAddress.createUnresolved(host, port);
    }

    /** Appends {@code frame} with its header to {@code out}; on failure {@code out} is left as it
     * was. DATA is written with its payload copied;
     * {@link FrameEncoder} avoids that copy by writing the header alone (see {@link #writeHeader}). */
    public static void encode(Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        out.writeZero(HEADER_SIZE);
        int flags;
        try {
            flags = encodePayload(frame, out);
        } catch (RuntimeException e) {
            out.writerIndex(start); // a frame is written whole or not at all: out may hold others
            throw e;
        }
        int length = out.writerIndex() - start - HEADER_SIZE;
        if (length > MAX_PAYLOAD) {
            out.writerIndex(start);
            throw new IllegalArgumentException("frame payload of " + length + " bytes exceeds " + MAX_PAYLOAD);
        }
        out.setInt(start, length);
        out.setByte(start + 4, typeOf(frame));
        out.setByte(start + 5, flags);
        out.setInt(start + 6, frame.streamId());
    }

    /** Writes the 10-byte header of a DATA frame whose payload follows separately. */
    public static void writeHeader(ByteBuf out, int type, int flags, int streamId, int length) {
        out.writeInt(length);
        out.writeByte(type);
        out.writeByte(flags);
        out.writeInt(streamId);
    }

    static int typeOf(Frame frame) {
        return switch (frame) {
            case Frame.Hello h -> HELLO;
            case Frame.Request r -> REQUEST;
            case Frame.Data d -> DATA;
            case Frame.Response r -> RESPONSE;
            case Frame.Informational i -> INFORMATIONAL;
            case Frame.Trailers t -> TRAILERS;
            case Frame.Reset r -> RESET;
            case Frame.Window w -> WINDOW;
            case Frame.Ping p -> PING;
            case Frame.GoAway g -> GOAWAY;
            case Frame.FileResponse f -> FILE_RESPONSE;
            case Frame.BodyMemory b -> BODY_MEMORY;
            case Frame.SharedData d -> SHARED_DATA;
            case Frame.Release r -> RELEASE;
            case Frame.Tls t -> TLS;
            case Frame.Push p -> PUSH;
            case Frame.PushResult p -> PUSH_RESULT;
            case Frame.Priority p -> PRIORITY;
            case Frame.WsAccept a -> WS_ACCEPT;
            case Frame.WsOpen o -> WS_OPEN;
            case Frame.WsMessage m -> WS_MESSAGE;
            case Frame.WsClose c -> WS_CLOSE;
            case Frame.WsPing p -> WS_PING;
            case Frame.WsPong p -> WS_PONG;
        };
    }

    /** Writes the payload and returns the flags byte. */
    private static int encodePayload(Frame frame, ByteBuf out) {
        switch (frame) {
            case Frame.Hello h -> {
                out.writeShort(h.version());
                out.writeShort(h.settings().size());
                for (Frame.Setting s : h.settings()) {
                    out.writeShort(s.id());
                    out.writeInt((int) s.value());
                }
                return 0;
            }
            case Frame.Request r -> {
                encodeRequest(r.head(), out);
                return (r.head().hasBody() ? 0 : FLAG_END_STREAM) | (r.head().expectContinue() ? FLAG_EXPECT_CONTINUE : 0)
                        | (r.head().pushed() ? FLAG_PUSHED : 0) | (r.head().websocket() ? FLAG_WEBSOCKET : 0)
                        | (r.sameTls() ? FLAG_SAME_TLS : 0);
            }
            case Frame.Data d -> {
                out.writeBytes(d.data(), d.data().readerIndex(), d.data().readableBytes());
                return d.endStream() ? FLAG_END_STREAM : 0;
            }
            case Frame.Response r -> {
                out.writeShort(r.status());
                FieldCodec.writeFields(out, r.headers());
                return r.endStream() ? FLAG_END_STREAM : 0;
            }
            case Frame.Informational i -> {
                out.writeShort(i.status());
                FieldCodec.writeFields(out, i.headers());
                return 0;
            }
            case Frame.Trailers t -> {
                FieldCodec.writeFields(out, t.headers());
                return 0;
            }
            case Frame.Reset r -> {
                out.writeInt((int) r.code());
                return 0;
            }
            case Frame.Window w -> {
                if (w.increment() <= 0 || w.increment() > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException("WINDOW increment out of range: " + w.increment());
                }
                out.writeInt((int) w.increment());
                return 0;
            }
            case Frame.Ping p -> {
                out.writeLong(p.opaque());
                return p.ack() ? FLAG_ACK : 0;
            }
            case Frame.GoAway g -> {
                out.writeInt((int) g.code());
                out.writeCharSequence(g.reason(), CharsetUtil.UTF_8);
                return 0;
            }
            case Frame.FileResponse f -> {
                FileBody file = f.file();
                if (file.offset() < 0 || file.length() < 0) {
                    throw new IllegalArgumentException("FILE_RESPONSE offset and length must not be negative");
                }
                out.writeShort(f.status());
                FieldCodec.writeFields(out, f.headers());
                FieldCodec.writeStr16(out, file.path());
                out.writeLong(file.offset());
                out.writeLong(file.length());
                out.writeLong(file.device());
                out.writeLong(file.inode());
                return 0;
            }
            case Frame.BodyMemory b -> {
                if (b.ack()) {
                    return FLAG_ACK; // the answer carries nothing
                }
                if (b.slotSize() < 1 || b.slotSize() > 0xFFFF_FFFFL || b.slotCount() < 1 || b.slotCount() > 0xFFFF
                        || !b.path().startsWith("/")) {
                    throw new IllegalArgumentException("BODY_MEMORY needs slots of 1 byte or more, 1 to 65535 of them"
                            + " and an absolute path: " + b);
                }
                out.writeInt((int) b.slotSize());
                out.writeShort(b.slotCount());
                FieldCodec.writeStr16(out, b.path());
                return 0;
            }
            case Frame.SharedData d -> {
                if (d.slot() < 0 || d.slot() > 0xFFFF || d.length() < 1 || d.length() > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException("SHARED_DATA slot or length out of range: " + d);
                }
                out.writeShort(d.slot());
                out.writeInt((int) d.length());
                return d.endStream() ? FLAG_END_STREAM : 0;
            }
            case Frame.Tls t -> {
                encodeTls(t.facts(), out);
                return 0;
            }
            case Frame.Release r -> {
                if (r.slots().isEmpty()) {
                    throw new IllegalArgumentException("RELEASE of no slot");
                }
                for (int slot : r.slots()) {
                    if (slot < 0 || slot > 0xFFFF) {
                        throw new IllegalArgumentException("RELEASE slot out of range: " + slot);
                    }
                    out.writeShort(slot);
                }
                return 0;
            }
            case Frame.Push p -> {
                return PushCodec.encode(p, out);
            }
            case Frame.PushResult p -> {
                return PushCodec.encode(p, out);
            }
            case Frame.Priority p -> {
                return PushCodec.encode(p, out);
            }
            case Frame.WsAccept a -> {
                return WsCodec.encode(a, out);
            }
            case Frame.WsOpen o -> {
                return WsCodec.encode(o, out);
            }
            case Frame.WsMessage m -> {
                return WsCodec.encode(m, out);
            }
            case Frame.WsClose c -> {
                return WsCodec.encode(c, out);
            }
            case Frame.WsPing p -> {
                return WsCodec.encode(p, out);
            }
            case Frame.WsPong p -> {
                return WsCodec.encode(p, out);
            }
        }
    }

    /** REQUEST payload straight from the head (A.2): every length first, then the bytes, so a
     * worker reads the whole fixed part with one unpack and splits the header block at its NULs. */
    private static void encodeRequest(RequestHead head, ByteBuf out) {
        if (head.websocket() && head.hasBody()) {
            throw new IllegalArgumentException("a WebSocket offer has no body (spec A.2)");
        }
        String clientHost = host(head.client());
        String serverHost = host(head.server());
        out.writeByte(head.version().code);
        out.writeByte(FieldCodec.checkLength(head.scheme(), 0xFF));
        out.writeByte(FieldCodec.checkLength(head.method(), 0xFF));
        out.writeByte(FieldCodec.checkLength(clientHost, 0xFF));
        out.writeByte(FieldCodec.checkLength(serverHost, 0xFF));
        out.writeShort(port(head.client()));
        out.writeShort(port(head.server()));
        out.writeShort(FieldCodec.checkLength(head.rawPath(), 0xFFFF));
        out.writeShort(FieldCodec.checkLength(head.rawQuery(), 0xFFFF));
        out.writeLong(head.contentLength());
        out.writeInt(head.capabilities());
        List<Header> headers = head.headers();
        if (headers.size() > 0xFFFF) {
            throw new IllegalArgumentException("too many fields for one frame: " + headers.size());
        }
        out.writeShort(headers.size());
        int blockLengthAt = out.writerIndex();
        out.writeInt(0); // patched below, once the block is written
        FieldCodec.writeChars(out, head.scheme());
        FieldCodec.writeChars(out, head.method());
        FieldCodec.writeChars(out, head.rawPath());
        FieldCodec.writeChars(out, head.rawQuery());
        FieldCodec.writeChars(out, clientHost);
        FieldCodec.writeChars(out, serverHost);
        int blockStart = out.writerIndex();
        FieldCodec.writeNulBlock(out, headers);
        out.setInt(blockLengthAt, out.writerIndex() - blockStart);
    }

    /** A resolved address as its literal (RFC 5952 form for IPv6), never a looked-up name; "" when unknown. */
    private static String host(InetSocketAddress address) {
        if (address == null) {
            return "";
        }
        return address.isUnresolved() ? address.getHostString() : NetUtil.toAddressString(address.getAddress());
    }

    private static int port(InetSocketAddress address) {
        return address == null ? 0 : address.getPort();
    }
}
