package org.wsging.websocket;

import io.netty.buffer.ByteBuf;

/**
 * Checks text arriving in pieces that may split a code point (RFC 3629): {@link #feed} fails at
 * the first byte no valid UTF-8 text can continue with, {@link #complete} says whether the text
 * so far ends on a whole code point. Overlong forms, surrogates and code points above U+10FFFF
 * are refused, as RFC 3629 section 4 requires.
 */
final class Utf8Validator {
    /** Continuation bytes still expected for the current code point. */
    private int needed;
    /** Allowed range of the next byte (the second byte of some lead bytes is narrower). */
    private int lower = 0x80;
    private int upper = 0xBF;

    /** Feeds the readable bytes of {@code bytes} (not consumed); false once the text is invalid. */
    boolean feed(ByteBuf bytes) {
        for (int i = bytes.readerIndex(), end = bytes.writerIndex(); i < end; i++) {
            if (!feed(bytes.getByte(i) & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private boolean feed(int b) {
        if (needed == 0) {
            if (b < 0x80) {
                return true;
            }
            lower = 0x80;
            upper = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                needed = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                needed = 2;
                if (b == 0xE0) {
                    lower = 0xA0; // no overlong three-byte forms
                } else if (b == 0xED) {
                    upper = 0x9F; // no surrogates
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                needed = 3;
                if (b == 0xF0) {
                    lower = 0x90; // no overlong four-byte forms
                } else if (b == 0xF4) {
                    upper = 0x8F; // nothing above U+10FFFF
                }
            } else {
                return false;
            }
            return true;
        }
        if (b < lower || b > upper) {
            return false;
        }
        lower = 0x80;
        upper = 0xBF;
        needed--;
        return true;
    }

    /** Whether the text fed so far ends on a whole code point. */
    boolean complete() {
        return needed == 0;
    }

    /** Starts a new text. */
    void reset() {
        needed = 0;
        lower = 0x80;
        upper = 0xBF;
    }
}
