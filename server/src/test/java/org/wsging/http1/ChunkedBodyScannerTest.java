package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The chunked-body check on raw bytes (RFC 9112 §7.1), cut at every place a read can end. */
class ChunkedBodyScannerTest {

    private static byte[] bytes(String escaped) {
        return escaped.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The scan of the whole, checked against the same bytes fed in two pieces cut anywhere. */
    private static int scanEverywhere(byte[] b) {
        int whole = new ChunkedBodyScanner().scan(b, 0, b.length);
        for (int cut = 0; cut <= b.length; cut++) {
            var s = new ChunkedBodyScanner();
            int end = s.scan(b, 0, cut);
            if (end == ChunkedBodyScanner.NEED_MORE) {
                end = s.scan(b, cut, b.length);
            }
            assertEquals(whole, end, "cut at " + cut);
        }
        return whole;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "5\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "5;a=b\\r\\nhello\\r\\n0;last\\r\\n\\r\\n",
        "5 ; a = \"x;\\\"y\"\\r\\nhello\\r\\n0\\r\\n\\r\\n",
        "00A\\r\\n0123456789\\r\\n000\\r\\n\\r\\n",
        "5\\r\\nhello\\r\\n0\\r\\nX-T: 1\\r\\nY: \\t\u00e9\\r\\n\\r\\n",
        "0\\r\\n\\r\\n",
    })
    void findsTheEndOfAValidBody(String escaped) {
        byte[] b = bytes(escaped + "NEXT");
        assertEquals(b.length - 4, scanEverywhere(b));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0x5\\r\\nhello\\r\\n0\\r\\n\\r\\n | invalid chunk size",
        "' 5\\r\\nhello\\r\\n0\\r\\n\\r\\n' | invalid chunk size",
        "\\r\\nhello\\r\\n0\\r\\n\\r\\n | invalid chunk size",
        "5 \\r\\nhello\\r\\n0\\r\\n\\r\\n | whitespace after a chunk size",
        "10000000000000005\\r\\nhello\\r\\n | chunk size too large",
        "5\\nhello\\r\\n0\\r\\n\\r\\n | bare LF in a chunk line",
        "5\\rhello\\r\\n0\\r\\n\\r\\n | bare CR in a chunk line",
        "5;a\\0\\r\\nhello\\r\\n0\\r\\n\\r\\n | invalid byte in a chunk extension",
        "5;a=(b)\\r\\nhello\\r\\n0\\r\\n\\r\\n | invalid byte in a chunk extension",
        "5;a=\"\\0\"\\r\\nhello\\r\\n0\\r\\n\\r\\n | invalid byte in a chunk extension",
        "3\\r\\nhello\\r\\n0\\r\\n\\r\\n | chunk data not followed by CRLF",
        "5\\r\\nhello\\n0\\r\\n\\r\\n | chunk data not followed by CRLF",
        "0\\r\\nX: 1\\r\\n 2\\r\\n\\r\\n | obsolete line folding in a trailer",
        "0\\r\\n\\tX: 1\\r\\n\\r\\n | obsolete line folding in a trailer",
        "0\\r\\nX: a\\0b\\r\\n\\r\\n | control character in a trailer",
        "0\\r\\nX: 1\\n\\r\\n | bare LF in a trailer",
        "0\\r\\nX: 1\\r\\n\\rx | bare CR at the end",
    })
    void refuses(String escaped, String why) {
        byte[] b = bytes(escaped);
        assertEquals(ChunkedBodyScanner.MALFORMED, scanEverywhere(b));
        var s = new ChunkedBodyScanner();
        s.scan(b, 0, b.length);
        assertTrue(s.failure().startsWith(why.trim()), s.failure());
    }
}
