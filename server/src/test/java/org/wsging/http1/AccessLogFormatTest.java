package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AccessLogFormatTest {

    @ParameterizedTest
    @CsvSource({
            "0:0:0:0:0:0:0:1, ::1",
            "0:0:0:0:0:0:0:0, ::",
            "2001:db8:0:0:0:0:2:1, 2001:db8::2:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "FE80:0:0:0:0:0:0:ABCD, fe80::abcd",
            "1:0:0:0:0:0:0:0, 1::",
            "127.0.0.1, 127.0.0.1",
    })
    void addressesAreWrittenInTheirShortestCanonicalForm(String given, String expected) throws Exception {
        assertEquals(expected, AccessLogFormat.address(InetAddress.getByName(given)));
    }

    @Test
    void aLineIsTheCombinedLogFormatWithTheDuration() {
        String line = AccessLogFormat.line("::1", 0, "GET", "/a b\"\n", "HTTP/1.1", 404, 0, null, "curl/8", 1_234_567_000L);
        assertTrue(line.matches("::1 - - \\[01/Jan/1970:\\d\\d:00:00 [+-]\\d{4}\\] \"GET /a b\\\\x22\\\\x0A HTTP/1.1\" 404 - \"-\" \"curl/8\" 1\\.234567"),
                line);
    }
}
