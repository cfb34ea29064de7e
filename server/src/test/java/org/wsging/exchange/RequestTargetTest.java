package org.wsging.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestTargetTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "/                              | /            | ''",
        "/a/b?x=1&y                     | /a/b         | x=1&y",
        "/a?                            | /a           | ''",
        "/a?b?c                         | /a           | b?c",
        "/%7e/%2F?%20                   | /%7e/%2F     | %20",
        "http://example.com/p?q         | /p           | q",
        "http://example.com             | /            | ''",
        "HTTPS://example.com:8443?q     | /            | q",
        "*                              | *            | ''",
    })
    void splitsExactlyAsReceived(String target, String path, String query) {
        RequestTarget t = RequestTarget.parse(target);
        assertEquals(path, t.rawPath());
        assertEquals(query, t.rawQuery());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET     | foo",
        "GET     | *",
        "GET     | http://",
        "GET     | 1http://x/",
        "GET     | ://x/",
    })
    void refuses(String method, String target) {
        assertNotNull(RequestTarget.problem(method, target));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"GET | /", "OPTIONS | *", "GET | http://h/p"})
    void accepts(String method, String target) {
        assertNull(RequestTarget.problem(method, target));
    }
}
