package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestHeadScannerTest {

    private static int scan(RequestHeadScanner s, String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return s.scan(i -> b[i], 0, b.length);
    }

    @Test
    void findsTheEndOfTheHeadAcrossPieces() {
        var s = new RequestHeadScanner();
        String head = "\r\nGET / HTTP/1.1\r\nHost: a\r\nX: \t\u00e9\r\n\r\nBODY";
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        int end = RequestHeadScanner.NEED_MORE;
        for (int i = 0; i < b.length && end == RequestHeadScanner.NEED_MORE; i++) {
            end = s.scan(j -> b[j], i, i + 1);
        }
        assertEquals(head.indexOf("BODY"), end);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET / HTTP/1.1\\r\\nX: a\\r\\n b\\r\\n\\r\\n | obsolete line folding",
        "GET / HTTP/1.1\\r\\n\\tX: a\\r\\n\\r\\n | whitespace between the request line",
        "GET /\\u0000 HTTP/1.1\\r\\n\\r\\n | control character 0x0 in the request line",
        "GET / HTTP/1.1\\nX: a\\r\\n\\r\\n | bare LF in the request line",
        "GET / HTTP/1.1\\rX: a\\r\\n\\r\\n | bare CR in the request line",
        "GET / HTTP/1.1\\r\\nX: a\\u0007\\r\\n\\r\\n | control character 0x7 in a header line",
        "GET / HTTP/1.1\\r\\nX: a\\n\\r\\n | bare LF in a header line",
        "GET / HTTP/1.1\\r\\nX: a\\r\\n\\rx | bare CR at the end",
        "\\nGET / HTTP/1.1\\r\\n\\r\\n | bare LF before the request line",
        "' GET / HTTP/1.1\\r\\n\\r\\n' | invalid character in the method",
        "GE(T / HTTP/1.1\\r\\n\\r\\n | invalid character in the method",
        "GET  / HTTP/1.1\\r\\n\\r\\n | empty request target",
        "GET /a#b HTTP/1.1\\r\\n\\r\\n | fragment in the request target",
        "GET /\u00e9 HTTP/1.1\\r\\n\\r\\n | invalid byte in the request target",
        "GET / http/1.1\\r\\n\\r\\n | invalid HTTP version",
        "GET / HTTP/01.1\\r\\n\\r\\n | invalid HTTP version",
        "GET / HTTP/1.10\\r\\n\\r\\n | invalid HTTP version",
        "GET / HTTP/1.1 \\r\\n\\r\\n | invalid HTTP version",
        "GET /\\r\\n\\r\\n | bare CR in the request line",
    })
    void refuses(String escaped, String why) {
        var s = new RequestHeadScanner();
        String text = escaped.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
                .replace("\\u0000", "\0").replace("\\u0007", "\u0007");
        assertEquals(-2, scan(s, text));
        assertTrue(s.failure().startsWith(why.trim()), s.failure());
    }

    /** The array scan of the decoder answers exactly as the byte-by-byte one, wherever the head is cut. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\\r\\nGET /a?b HTTP/1.1\\r\\nHost: a\\r\\nX: \\t\u00e9\\r\\n\\r\\nBODY",
        "GET / HTTP/1.1\\r\\nX: a\\r\\n b\\r\\n\\r\\n",
        "GET /\u007f HTTP/1.1\\r\\n\\r\\n",
        "GET /\\t HTTP/1.1\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nX: a\u007f\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nX: a\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nX: a\\r\\n\\rx",
        "GET / HTTP/1.1\\r\\nX: \u0080\u00ff\\r\\n\\r\\n",
        "!#$%&'*+-.^_`|~09 /a?b=c&d=%20 HTTP/1.1\\r\\n\\r\\n",
        "GET http://a:80/x HTTP/9.9\\r\\n\\r\\n",
        "GE T / HTTP/1.1\\r\\n\\r\\n",
        "GET /a#b HTTP/1.1\\r\\n\\r\\n",
        "GET / HTTP/1.1x\\r\\n\\r\\n",
    })
    void arrayScanAgreesWithTheByteScan(String escaped) {
        String text = escaped.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        var reference = new RequestHeadScanner();
        int expected = scan(reference, text);
        for (int cut = 0; cut <= b.length; cut++) {
            var s = new RequestHeadScanner();
            int end = s.scan(b, 0, cut);
            if (end == RequestHeadScanner.NEED_MORE) {
                end = s.scan(b, cut, b.length);
            }
            assertEquals(expected, end, "cut at " + cut + " of " + escaped);
            assertEquals(reference.failure(), s.failure());
        }
    }
}
