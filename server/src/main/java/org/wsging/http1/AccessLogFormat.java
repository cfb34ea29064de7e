package org.wsging.http1;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The access-log line: the Combined Log Format that log tools parse (Apache's and nginx's
 * "combined"), with the request's duration in seconds appended:
 *
 * <pre>CLIENT - - [07/Dec/2026:04:16:15 +0000] "GET /p?q=1 HTTP/1.1" 200 5 "REFERER" "USER-AGENT" 0.000412</pre>
 *
 * The time is when the request head arrived; bytes are the response body's ("-" for none);
 * fields the request lacks are "-". IPv6 clients are written in the RFC 5952 form ({@code ::1}).
 * Quoted fields escape {@code "}, {@code \} and control bytes as {@code \xHH}, so a request cannot
 * forge a line or a field.
 */
public final class AccessLogFormat {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.systemDefault());

    /** The formatted time of the last second seen, reused by every line of that second. */
    private record Second(long epochSecond, String text) {}

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    private AccessLogFormat() {}

    public static String line(String client, long startMillis, String method, String target, String version,
                       int status, long bytes, String referer, String userAgent, long durationNanos) {
        StringBuilder b = new StringBuilder(160);
        b.append(client).append(" - - [").append(time(startMillis)).append("] \"");
        quoted(b, method);
        b.append(' ');
        quoted(b, target);
        b.append(' ');
        quoted(b, version);
        b.append("\" ").append(status).append(' ');
        if (bytes > 0) {
            b.append(bytes);
        } else {
            b.append('-');
        }
        b.append(" \"");
        quoted(b, referer == null ? "-" : referer);
        b.append("\" \"");
        quoted(b, userAgent == null ? "-" : userAgent);
        b.append("\" ");
        long micros = durationNanos / 1000;
        b.append(micros / 1_000_000).append('.');
        String fraction = Long.toString(micros % 1_000_000);
        b.append("000000", 0, 6 - fraction.length()).append(fraction);
        return b.toString();
    }

    static String time(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        Second cached = lastSecond;
        if (cached.epochSecond != second) {
            cached = new Second(second, TIME.format(Instant.ofEpochSecond(second)));
            lastSecond = cached;
        }
        return cached.text;
    }

    private static void quoted(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                b.append(String.format(Locale.ROOT, "\\x%02X", (int) c));
            } else {
                b.append(c);
            }
        }
    }

    /** The address as text: IPv4 dotted, IPv6 in the RFC 5952 §4 canonical form. */
    public static String address(InetAddress address) {
        if (!(address instanceof Inet6Address v6)) {
            return address.getHostAddress();
        }
        byte[] a = v6.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        // §4.2.3: the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(groups[i])); // §4.1 no leading zeros, §4.3 lower case
        }
        String scope = v6.getScopeId() != 0 ? "%" + v6.getScopeId() : "";
        return b + scope;
    }
}
