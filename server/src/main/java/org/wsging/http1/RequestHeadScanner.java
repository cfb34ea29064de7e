package org.wsging.http1;

/**
 * Checks the raw bytes of one request head (request line and header section) before Netty parses
 * them, for what Netty accepts but RFC 9112 lets a server refuse and smuggling attacks rely on:
 * <ul>
 *   <li>a request line that is not exactly {@code method SP request-target SP HTTP-version}
 *       (RFC 9112 §3): a method of tchars (RFC 9110 §9.1, §5.6.2), one SP on each side of a
 *       target of visible ASCII without a fragment (RFC 9112 §3.2; the '#' of RFC 3986 §3.5 is
 *       never sent), and a version spelled {@code HTTP/} DIGIT {@code .} DIGIT, case-sensitive
 *       (RFC 9112 §2.3). Netty splits the line on any run of whitespace and upper-cases the
 *       version, which would accept a leading space or {@code http/1.1};</li>
 *   <li>control bytes (NUL, bare CR, other CTLs, DEL) in the request line (RFC 9112 §3) and in
 *       field lines (RFC 9110 §5.5: only HTAB among the controls);</li>
 *   <li>a bare LF or a CR not followed by LF as a line end (RFC 9112 §2.2);</li>
 *   <li>obs-fold, a field line starting with SP or HTAB (RFC 9112 §5.2), and whitespace between
 *       the start line and the first field (RFC 9112 §2.2).</li>
 * </ul>
 * Sans-IO: feed bytes with {@link #scan}; it tells where the head ended or what was wrong. Empty
 * lines before the request line are skipped as RFC 9112 §2.2 recommends.
 */
final class RequestHeadScanner {

    /** The scanner's states; each row of {@link #next} lists the legal moves from one. */
    private enum State {
        /** Before the request line: only CRLF pairs may appear. */
        START,
        START_CR,
        /** In the method (at least one tchar seen). */
        METHOD,
        /** Just past the SP after the method: the target's first byte comes. */
        TARGET_START,
        TARGET,
        /** Just past the SP after the target: {@link #versionAt} counts the version's bytes. */
        VERSION,
        REQUEST_LINE_CR,
        /** At the start of a field line, or of the empty line that ends the head. */
        LINE_START,
        FIELD_LINE,
        FIELD_LINE_CR,
        END_CR,
        DONE,
        FAILED
    }

    /** Outcome of {@link #scan}. */
    static final int NEED_MORE = -1;

    /** "HTTP/1.1" with each DIGIT as '0': the shape a version must have (RFC 9112 §2.3). */
    private static final byte[] VERSION_SHAPE = "HTTP/0.0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** tchar of RFC 9110 §5.6.2, by byte value. */
    private static final boolean[] TCHAR = new boolean[256];
    /** Bytes that may stand in a request target as received: visible US-ASCII but '#' (RFC 9112 §3.2). */
    private static final boolean[] TARGET_CHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (int c = 0x21; c < 0x7f; c++) {
            TARGET_CHAR[c] = c != '#';
        }
    }

    private State state = State.START;
    private int versionAt;
    private boolean firstFieldLine = true;
    private String failure;

    /**
     * Scans bytes {@code [from, to)} of {@code bytes} (read with {@code get}).
     *
     * @return the index just past the head's final CRLF, {@link #NEED_MORE} when the head goes on,
     *         or {@code -2} when the bytes are malformed ({@link #failure()} says why)
     */
    int scan(ByteSource bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!feed(bytes.get(i) & 0xff)) {
                return state == State.DONE ? i + 1 : -2;
            }
        }
        return NEED_MORE;
    }

    /**
     * {@link #scan(ByteSource, int, int)} over an array, with the plain bytes of a request line
     * or field line (the bulk of a head, none of which changes the state) skipped in a tight loop.
     */
    int scan(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (state == State.FIELD_LINE) {
                while (i < to && isPlainFieldByte(bytes[i] & 0xff)) {
                    i++;
                }
            } else if (state == State.TARGET) {
                while (i < to && TARGET_CHAR[bytes[i] & 0xff]) {
                    i++;
                }
            } else if (state == State.METHOD) {
                while (i < to && TCHAR[bytes[i] & 0xff]) {
                    i++;
                }
            } else if (state == State.VERSION && versionAt == 0 && to - i > VERSION_SHAPE.length
                    && isVersion(bytes, i)) {
                i += VERSION_SHAPE.length; // the usual "HTTP/1.1" in one step
                versionAt = VERSION_SHAPE.length;
            }
            if (i == to) {
                break;
            }
            if (!feed(bytes[i] & 0xff)) {
                return state == State.DONE ? i + 1 : -2;
            }
            i++;
        }
        return NEED_MORE;
    }

    /** A byte that keeps a field line going (see {@link #fieldLineByte}); CR and LF are not. */
    private static boolean isPlainFieldByte(int b) {
        return (b >= 0x20 || b == '\t') && b != 0x7f;
    }

    /**
     * Scans one more byte (0-255).
     *
     * @return true while the head goes on; false once this byte ended it or broke it
     *         ({@link #failed()} tells which)
     */
    boolean feed(int b) {
        state = next(state, b);
        return state != State.DONE && state != State.FAILED;
    }

    boolean failed() {
        return state == State.FAILED;
    }

    String failure() {
        return failure;
    }

    boolean started() {
        return state != State.START;
    }

    void reset() {
        state = State.START;
        versionAt = 0;
        firstFieldLine = true;
        failure = null;
    }

    private State next(State s, int b) {
        switch (s) {
            case START:
                if (b == '\r') {
                    return State.START_CR;
                }
                if (b == '\n') {
                    return fail("bare LF before the request line");
                }
                return methodByte(b);
            case START_CR:
                return b == '\n' ? State.START : fail("bare CR before the request line");
            case METHOD:
                return b == ' ' ? State.TARGET_START : methodByte(b);
            case TARGET_START:
            case TARGET:
                if (b == ' ' && s == State.TARGET) {
                    versionAt = 0;
                    return State.VERSION;
                }
                if (TARGET_CHAR[b]) {
                    return State.TARGET;
                }
                return requestLineByte(b, b == '#' ? "fragment in the request target"
                        : b == ' ' ? "empty request target" : "invalid byte in the request target");
            case VERSION:
                if (versionAt == VERSION_SHAPE.length) {
                    return b == '\r' ? State.REQUEST_LINE_CR : requestLineByte(b, "invalid HTTP version");
                }
                int shape = VERSION_SHAPE[versionAt++];
                if (shape == '0' ? b >= '0' && b <= '9' : b == shape) {
                    return State.VERSION;
                }
                return requestLineByte(b, "invalid HTTP version");
            case REQUEST_LINE_CR:
                return b == '\n' ? State.LINE_START : fail("bare CR in the request line");
            case LINE_START:
                if (b == '\r') {
                    return State.END_CR;
                }
                if (b == ' ' || b == '\t') {
                    return fail(firstFieldLine
                            ? "whitespace between the request line and the first header"
                            : "obsolete line folding in a header (RFC 9112 section 5.2)");
                }
                firstFieldLine = false;
                return fieldLineByte(b);
            case FIELD_LINE:
                if (b == '\r') {
                    return State.FIELD_LINE_CR;
                }
                return fieldLineByte(b);
            case FIELD_LINE_CR:
                return b == '\n' ? State.LINE_START : fail("bare CR in a header line");
            case END_CR:
                return b == '\n' ? State.DONE : fail("bare CR at the end of the header section");
            default:
                throw new IllegalStateException("scanner used in state " + s);
        }
    }

    private static boolean isVersion(byte[] bytes, int at) {
        for (int k = 0; k < VERSION_SHAPE.length; k++) {
            int b = bytes[at + k];
            if (VERSION_SHAPE[k] == '0' ? b < '0' || b > '9' : b != VERSION_SHAPE[k]) {
                return false;
            }
        }
        return true;
    }

    private State methodByte(int b) {
        return TCHAR[b] ? State.METHOD : requestLineByte(b, "invalid character in the method");
    }

    /** Fails on a byte the request line cannot hold where it stands: why, controls first. */
    private State requestLineByte(int b, String otherwise) {
        if (b == '\n') {
            return fail("bare LF in the request line");
        }
        if (b == '\r') {
            return fail("bare CR in the request line");
        }
        if (b < 0x20 || b == 0x7f) {
            return fail("control character 0x" + Integer.toHexString(b) + " in the request line");
        }
        return fail(otherwise);
    }

    private State fieldLineByte(int b) {
        if (b == '\n') {
            return fail("bare LF in a header line");
        }
        if ((b < 0x20 && b != '\t') || b == 0x7f) {
            return fail("control character 0x" + Integer.toHexString(b) + " in a header line");
        }
        return State.FIELD_LINE;
    }

    private State fail(String why) {
        failure = why;
        return State.FAILED;
    }

    /** Random access to the bytes being scanned (a ByteBuf in the decoder, an array in tests). */
    @FunctionalInterface
    interface ByteSource {
        byte get(int index);
    }
}
