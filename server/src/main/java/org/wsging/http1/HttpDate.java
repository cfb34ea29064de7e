package org.wsging.http1;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.AsciiString;
import java.util.Date;

/** The IMF-fixdate of the current second (RFC 9110 §5.6.7), formatted once per second; an
 * AsciiString, which the response encoder copies as bytes rather than char by char. */
public final class HttpDate {
    private record Cached(long second, AsciiString text) {}

    private static volatile Cached cached = new Cached(-1, AsciiString.EMPTY_STRING);

    private HttpDate() {}

    public static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, new AsciiString(DateFormatter.format(new Date(second * 1000))));
            cached = c;
        }
        return c.text;
    }
}
