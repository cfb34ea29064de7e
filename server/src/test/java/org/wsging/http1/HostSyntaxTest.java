package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2-3.2.3). */
class HostSyntaxTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "example.com | true", "example.com:8080 | true", "127.0.0.1 | true", "[::1] | true", "[::1]:80 | true",
        "[v1.x] | true", "`` | true", "a:| true", "e%32e | true", "a,b | true", "xn--caf-dma.example | true",
        "a b | false", "a/b | false", "a, b | false", "user@host | false", "a?b | false", "a#b | false",
        "a\\b | false", "a:8o | false", "a:80:81 | false", "[::1 | false", "[] | false", "[::1]x | false",
        "::1 | false", "a%zz | false", "a% | false", "caf\u00e9 | false", "a\"b | false", "<a> | false",
    })
    void valid(String host, boolean valid) {
        assertEquals(valid, HostSyntax.valid(host), host);
    }
}
