package org.wsging.http1;

/**
 * Checks the framing of a chunked request body (RFC 9112 §7.1) on its raw bytes, before Netty
 * decodes it, for what Netty's chunk parser lets through:
 * <ul>
 *   <li>a chunk-size that is not 1*HEXDIG, or whitespace after it without a chunk extension
 *       ({@code 5 CRLF}; BWS is only allowed before ';');</li>
 *   <li>control bytes or a bare CR/LF in a chunk extension or chunk line;</li>
 *   <li>obs-fold, control bytes or bare CR/LF in the trailer section (RFC 9112 §7.1.2 has trailer
 *       fields use the field-line syntax of §5, whose obs-fold a server rejects, §5.2).</li>
 * </ul>
 * Chunk data is skipped in bulk, so the cost is per chunk line, not per body byte. Sans-IO like
 * {@link RequestHeadScanner}: {@link #scan} tells where the body ended or that it is malformed.
 */
final class ChunkedBodyScanner {

    /** Outcome of {@link #scan}: the body goes on. */
    static final int NEED_MORE = -1;
    /** Outcome of {@link #scan}: the bytes are malformed ({@link #failure()} says why). */
    static final int MALFORMED = -2;

    /** A chunk size with more hex digits than this is refused (2^60 bytes is no real body). */
    private static final int MAX_SIZE_DIGITS = 15;

    private enum State {
        SIZE_START, SIZE, SIZE_BWS, EXT, EXT_QUOTED, EXT_QUOTED_ESCAPE, SIZE_CR,
        DATA, DATA_CR, DATA_LF,
        TRAILER_LINE_START, TRAILER_LINE, TRAILER_CR, END_CR, DONE, FAILED
    }

    private State state = State.SIZE_START;
    private long size;
    private int digits;
    private String failure;

    /**
     * Scans bytes {@code [from, to)} of {@code bytes}.
     *
     * @return the index just past the body's final CRLF, {@link #NEED_MORE}, or {@link #MALFORMED}
     */
    int scan(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (state == State.DATA) {
                int n = (int) Math.min(size, to - i);
                i += n;
                size -= n;
                if (size == 0) {
                    state = State.DATA_CR;
                }
                continue;
            }
            state = next(bytes[i] & 0xff);
            i++;
            if (state == State.DONE) {
                return i;
            }
            if (state == State.FAILED) {
                return MALFORMED;
            }
        }
        return NEED_MORE;
    }

    /**
     * Skips chunk data without looking at it: when the scanner is inside a chunk's data, takes
     * up to {@code available} of its bytes and says how many. The caller then need not copy them.
     */
    int skipData(int available) {
        if (state != State.DATA) {
            return 0;
        }
        int n = (int) Math.min(size, available);
        size -= n;
        if (size == 0) {
            state = State.DATA_CR;
        }
        return n;
    }

    String failure() {
        return failure;
    }

    void reset() {
        state = State.SIZE_START;
        size = 0;
        digits = 0;
        failure = null;
    }

    private State next(int b) {
        switch (state) {
            case SIZE_START:
            case SIZE: {
                int digit = Character.digit(b, 16);
                if (digit >= 0) {
                    if (++digits > MAX_SIZE_DIGITS) {
                        return fail("chunk size too large");
                    }
                    size = size * 16 + digit;
                    return State.SIZE;
                }
                if (state == State.SIZE_START) {
                    return fail("invalid chunk size");
                }
                return afterSize(b);
            }
            case SIZE_BWS:
                if (b == ' ' || b == '\t') {
                    return State.SIZE_BWS;
                }
                return b == ';' ? State.EXT : fail("whitespace after a chunk size without an extension");
            case EXT:
                if (b == '\r') {
                    return State.SIZE_CR;
                }
                if (b == '"') {
                    return State.EXT_QUOTED;
                }
                return isExtByte(b) ? State.EXT : fail("invalid byte in a chunk extension");
            case EXT_QUOTED:
                if (b == '"') {
                    return State.EXT;
                }
                if (b == '\\') {
                    return State.EXT_QUOTED_ESCAPE;
                }
                return isFieldByte(b) ? State.EXT_QUOTED : fail("invalid byte in a chunk extension");
            case EXT_QUOTED_ESCAPE:
                return isFieldByte(b) ? State.EXT_QUOTED : fail("invalid byte in a chunk extension");
            case SIZE_CR:
                if (b != '\n') {
                    return fail("bare CR in a chunk line");
                }
                digits = 0;
                return size == 0 ? State.TRAILER_LINE_START : State.DATA;
            case DATA_CR:
                return b == '\r' ? State.DATA_LF : fail("chunk data not followed by CRLF");
            case DATA_LF:
                return b == '\n' ? State.SIZE_START : fail("chunk data not followed by CRLF");
            case TRAILER_LINE_START:
                if (b == '\r') {
                    return State.END_CR;
                }
                if (b == ' ' || b == '\t') {
                    return fail("obsolete line folding in a trailer field (RFC 9112 section 5.2)");
                }
                return trailerByte(b);
            case TRAILER_LINE:
                return b == '\r' ? State.TRAILER_CR : trailerByte(b);
            case TRAILER_CR:
                return b == '\n' ? State.TRAILER_LINE_START : fail("bare CR in a trailer field");
            case END_CR:
                return b == '\n' ? State.DONE : fail("bare CR at the end of the trailer section");
            default:
                throw new IllegalStateException("scanner used in state " + state);
        }
    }

    private State afterSize(int b) {
        if (b == '\r') {
            return State.SIZE_CR;
        }
        if (b == ';') {
            return State.EXT;
        }
        if (b == ' ' || b == '\t') {
            return State.SIZE_BWS;
        }
        return fail(b == '\n' ? "bare LF in a chunk line" : "invalid chunk size");
    }

    private State trailerByte(int b) {
        if (isFieldByte(b)) {
            return State.TRAILER_LINE;
        }
        return fail(b == '\n' ? "bare LF in a trailer field" : "control character in a trailer field");
    }

    /** Bytes of a chunk-ext outside quotes: tchar, BWS, ';' and '=' (RFC 9112 §7.1.1). */
    private static boolean isExtByte(int b) {
        return b == ' ' || b == '\t' || b == ';' || b == '=' || (b > 0x20 && b < 0x7f && "(),/:<>?@[\\]{}".indexOf(b) < 0);
    }

    /** HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5): a field or quoted-string byte. */
    private static boolean isFieldByte(int b) {
        return b == '\t' || (b >= 0x20 && b != 0x7f);
    }

    private State fail(String why) {
        failure = why;
        return State.FAILED;
    }
}
