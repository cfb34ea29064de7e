package org.wsging.http1;

/**
 * The syntax of a Host field value (RFC 9112 §3.2, RFC 9110 §7.2): {@code uri-host [ ":" port ]}
 * with uri-host an IP-literal, an IPv4address or a reg-name (RFC 3986 §3.2.2) and port
 * {@code *DIGIT}. An empty value is valid (a target without authority, RFC 9112 §3.2). A value
 * outside this syntax (a space, a '/', a list, userinfo) is one that a server and a proxy in front
 * of it may read differently, so it is refused rather than handed to the application.
 */
final class HostSyntax {
    private HostSyntax() {}

    /** unreserved and sub-delims of RFC 3986 §2.2-2.3, by byte value; '%' is checked apart. */
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            REG_NAME[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            REG_NAME[c] = true;
            REG_NAME[c - 'a' + 'A'] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
    }

    static boolean valid(String value) {
        int n = value.length();
        int i = 0;
        if (n > 0 && value.charAt(0) == '[') {
            // IP-literal = "[" ( IPv6address / IPvFuture ) "]": the letters, digits and
            // separators those use; the address itself is left to whoever uses it.
            int close = value.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = value.charAt(i);
                if (!(c == ':' || (c < 128 && REG_NAME[c]))) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            // reg-name (IPv4address is a reg-name by its characters)
            while (i < n && value.charAt(i) != ':') {
                char c = value.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || !isHex(value.charAt(i + 1)) || !isHex(value.charAt(i + 2))) {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                if (c >= 128 || !REG_NAME[c]) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (value.charAt(i) != ':') {
            return false;
        }
        for (i++; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0 && c < 128;
    }
}
