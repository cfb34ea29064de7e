package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * Checks UTF-8 incrementally, one buffer after another, so that a text message is refused at the
 * first byte that cannot belong to a well-formed sequence (RFC 3629; Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), even when a code point is split across
 * pieces or frames.
 */
public final class Utf8Validator {

    private static final long ASCII_MASK = 0x8080808080808080L;

    /** Continuation bytes still expected for the current sequence; 0 between code points. */
    private int pending;
    /** The range allowed for the next byte; after the second byte of a sequence, 0x80-0xBF. */
    private int low = 0x80;
    private int high = 0xBF;

    /**
     * Checks the readable bytes of {@code data} (without moving its indices), continuing the
     * sequence left open by the previous call.
     *
     * @return the index of the first invalid byte, or -1 when all are valid so far
     */
    public int firstInvalid(ByteBuf data) {
        int i = data.readerIndex();
        int end = data.writerIndex();
        while (i < end) {
            if (pending == 0) {
                // most text is ASCII: skip it eight bytes at a time
                while (i + 8 <= end && (data.getLong(i) & ASCII_MASK) == 0) {
                    i += 8;
                }
                if (i == end) {
                    break;
                }
                int b = data.getByte(i) & 0xFF;
                if (b >= 0x80 && !start(b)) {
                    return i;
                }
            } else {
                int b = data.getByte(i) & 0xFF;
                if (b < low || b > high) {
                    return i;
                }
                pending--;
                low = 0x80;
                high = 0xBF;
            }
            i++;
        }
        return -1;
    }

    /** Whether the bytes checked so far end on a code point boundary. */
    public boolean atBoundary() {
        return pending == 0;
    }

    /** Forgets a sequence left open (a new message starts). */
    public void reset() {
        pending = 0;
        low = 0x80;
        high = 0xBF;
    }

    /** Checks an entire byte string on its own. */
    public static boolean isValid(ByteBuf data) {
        Utf8Validator v = new Utf8Validator();
        return v.firstInvalid(data) < 0 && v.atBoundary();
    }

    /** Starts a multi-byte sequence with lead byte {@code b} (0x80-0xFF); false when none can. */
    private boolean start(int b) {
        if (b >= 0xC2 && b <= 0xDF) {
            return expect(1, 0x80, 0xBF);
        }
        if (b == 0xE0) {
            return expect(2, 0xA0, 0xBF);   // below A0: overlong
        }
        if (b == 0xED) {
            return expect(2, 0x80, 0x9F);   // above 9F: surrogates U+D800-U+DFFF
        }
        if (b >= 0xE1 && b <= 0xEF) {
            return expect(2, 0x80, 0xBF);
        }
        if (b == 0xF0) {
            return expect(3, 0x90, 0xBF);   // below 90: overlong
        }
        if (b >= 0xF1 && b <= 0xF3) {
            return expect(3, 0x80, 0xBF);
        }
        if (b == 0xF4) {
            return expect(3, 0x80, 0x8F);   // above 8F: beyond U+10FFFF
        }
        return false;                       // a continuation byte, C0, C1 or F5-FF
    }

    private boolean expect(int count, int nextLow, int nextHigh) {
        pending = count;
        low = nextLow;
        high = nextHigh;
        return true;
    }
}
