package org.wsging.http1;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/** The IMF-fixdate of the current second (RFC 9110 §5.6.7), formatted once per second. */
final class HttpDate {
    private record Cached(long second, String text) {}

    private static volatile Cached cached = new Cached(-1, "");

    private HttpDate() {}

    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, DateFormatter.format(new Date(second * 1000)));
            cached = c;
        }
        return c.text;
    }
}
