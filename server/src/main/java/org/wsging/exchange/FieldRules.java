package org.wsging.exchange;

import io.netty.util.AsciiString;

/**
 * The rules a response field from the application must meet before the server writes it, the same
 * as the Python API's (wsging.api.headers): spec/header-vectors.json holds both to every case.
 * The worker validates where the application made the field (spec 7.2); these checks stand
 * behind it, so a field that bypassed the API never reaches the wire (MUST-RESP-3).
 *
 * <p>Each failure is an {@link IllegalArgumentException} whose message names the field.
 */
public final class FieldRules {
    private static final long[] TCHAR = new long[2];

    static {
        // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
        // "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
        String tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int i = 0; i < tchars.length(); i++) {
            char c = tchars.charAt(i);
            TCHAR[c >> 6] |= 1L << (c & 63);
        }
    }

    private FieldRules() {}

    /** Whether {@code name} is an HTTP token (RFC 9110 §5.1: field-name = token). */
    public static boolean isToken(CharSequence name) {
        int n = name.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c >= 128 || (TCHAR[c >> 6] & (1L << (c & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code name}, or an exception when it is not a token. */
    public static CharSequence name(CharSequence name) {
        if (!isToken(name)) {
            throw new IllegalArgumentException("header name " + quoted(name) + " is not an HTTP token");
        }
        return name;
    }

    /**
     * {@code value} without the optional whitespace around it, which is not part of a field value
     * (RFC 9110 §5.5), or an exception when it holds a control character other than HTAB
     * (0x00-0x08, 0x0A-0x1F) or DEL: field-vchar is VCHAR or obs-text, with SP and HTAB inside.
     * Returns {@code value} itself when there is nothing to remove.
     */
    public static CharSequence value(CharSequence name, CharSequence value) {
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("value of header " + quoted(name)
                        + " contains a control character (0x" + Integer.toHexString(c) + ", RFC 9110 §5.5)");
            }
        }
        int begin = 0;
        int end = n;
        while (begin < end && isOws(value.charAt(begin))) {
            begin++;
        }
        while (end > begin && isOws(value.charAt(end - 1))) {
            end--;
        }
        if (begin == 0 && end == n) {
            return value;
        }
        return value instanceof AsciiString a ? a.subSequence(begin, end, false) : value.subSequence(begin, end);
    }

    /**
     * A Content-Length value (already without surrounding whitespace): one non-negative decimal
     * integer (RFC 9110 §8.6: 1*DIGIT) that fits a long; a list such as "5, 5", a sign or
     * anything else is refused, as a sender must not send it.
     */
    public static long contentLength(CharSequence value) {
        int n = value.length();
        if (n == 0 || n > 19) {
            throw badLength(value);
        }
        long result = 0;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw badLength(value);
            }
            result = result * 10 + (c - '0');
            if (result < 0) {
                throw badLength(value);
            }
        }
        return result;
    }

    private static IllegalArgumentException badLength(CharSequence value) {
        return new IllegalArgumentException("content-length must be one non-negative integer, got " + quoted(value));
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static String quoted(CharSequence s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0, n = Math.min(s.length(), 200); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c > 0x7e) {
                out.append(String.format("\\x%02x", (int) c & 0xff));
            } else {
                out.append(c);
            }
        }
        if (s.length() > 200) {
            out.append("...");
        }
        return out.append('"').toString();
    }
}
