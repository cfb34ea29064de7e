package org.wsging.worker.link;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import java.util.ArrayList;
import java.util.List;
import org.wsging.exchange.Header;

/**
 * Payload field encodings of spec A.2 ({@code u8 u16 u32 i64 str8 str16 fields}). Readers take
 * the payload's end index and throw {@link LinkProtocolException} instead of reading past it.
 * Strings are bytes: one char per byte (ISO-8859-1) in both directions, nothing is decoded.
 */
final class FieldCodec {
    private FieldCodec() {}

    static void need(ByteBuf in, int end, int n) {
        if (end - in.readerIndex() < n) {
            throw new LinkProtocolException("truncated payload");
        }
    }

    static int readU8(ByteBuf in, int end) {
        need(in, end, 1);
        return in.readUnsignedByte();
    }

    static int readU16(ByteBuf in, int end) {
        need(in, end, 2);
        return in.readUnsignedShort();
    }

    static long readU32(ByteBuf in, int end) {
        need(in, end, 4);
        return in.readUnsignedInt();
    }

    static long readI64(ByteBuf in, int end) {
        need(in, end, 8);
        return in.readLong();
    }

    static String readStr8(ByteBuf in, int end) {
        return readString(in, end, readU8(in, end));
    }

    static String readStr16(ByteBuf in, int end) {
        return readString(in, end, readU16(in, end));
    }

    private static String readString(ByteBuf in, int end, int n) {
        need(in, end, n);
        return n == 0 ? "" : in.readCharSequence(n, CharsetUtil.ISO_8859_1).toString();
    }

    /** A str16 as an {@link AsciiString}: the bytes are kept, no char decoding happens. */
    static AsciiString readBytes16(ByteBuf in, int end) {
        int n = readU16(in, end);
        need(in, end, n);
        if (n == 0) {
            return AsciiString.EMPTY_STRING;
        }
        byte[] bytes = new byte[n];
        in.readBytes(bytes);
        return new AsciiString(bytes, false);
    }

    static List<Header> readFields(ByteBuf in, int end) {
        int count = readU16(in, end);
        // Each pair needs at least 4 bytes: reject an impossible count before allocating for it.
        need(in, end, count * 4);
        List<Header> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            fields.add(new Header(readBytes16(in, end), readBytes16(in, end)));
        }
        return fields;
    }

    static void writeStr8(ByteBuf out, CharSequence s) {
        checkLength(s, 0xFF);
        out.writeByte(s.length());
        writeChars(out, s);
    }

    static void writeStr16(ByteBuf out, CharSequence s) {
        checkLength(s, 0xFFFF);
        out.writeShort(s.length());
        writeChars(out, s);
    }

    static void writeFields(ByteBuf out, List<Header> fields) {
        if (fields.size() > 0xFFFF) {
            throw new IllegalArgumentException("too many fields for one frame: " + fields.size());
        }
        out.writeShort(fields.size());
        for (int i = 0, n = fields.size(); i < n; i++) {
            Header h = fields.get(i);
            writeStr16(out, h.name());
            writeStr16(out, h.value());
        }
    }

    private static void checkLength(CharSequence s, int max) {
        if (s.length() > max) {
            throw new IllegalArgumentException("field of " + s.length() + " bytes exceeds " + max);
        }
    }

    /** ISO-8859-1: one byte per char, the inverse of the readers (chars above 0xFF become '?'). */
    private static void writeChars(ByteBuf out, CharSequence s) {
        if (s instanceof AsciiString a) {
            ByteBufUtil.copy(a, out);
        } else if (!s.isEmpty()) {
            out.writeCharSequence(s, CharsetUtil.ISO_8859_1);
        }
    }
}
