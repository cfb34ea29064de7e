package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every request the front end must refuse: the status, Connection: close, the close, no worker. */
class MalformedRequestTest {

    private static final String H = "Host: a\r\n";

    static Stream<Arguments> cases() {
        return Stream.of(
                // framing (request smuggling), RFC 9112 §6
                bad("Content-Length with Transfer-Encoding", 400,
                        "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                bad("Transfer-Encoding with Content-Length", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
                bad("duplicate Content-Length", 400,
                        "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
                bad("differing Content-Length", 400,
                        "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
                bad("Content-Length list", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: 5, 6\r\n\r\nhello!"),
                bad("non-numeric Content-Length", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: abc\r\n\r\n"),
                bad("signed Content-Length", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: +5\r\n\r\nhello"),
                bad("negative Content-Length", 400, "POST / HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n"),
                bad("Transfer-Encoding not chunked", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n\r\nabc"),
                bad("chunked not final", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
                bad("chunked twice", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                bad("Transfer-Encoding on HTTP/1.0", 400,
                        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                badBody("bad chunk size", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
                badBody("chunk size overflow", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n"),
                badBody("trailer obs-fold", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n"),
                badBody("whitespace after a chunk size", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n"),
                badBody("NUL in a chunk extension", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3;a\u0000\r\nabc\r\n0\r\n\r\n"),
                badBody("chunk without CRLF after data", 400,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n"),
                // line syntax, RFC 9112 §2.2, §3, §5
                bad("obs-fold", 400, "GET / HTTP/1.1\r\n" + H + "X-A: one\r\n two\r\n\r\n"),
                bad("obs-fold with tab", 400, "GET / HTTP/1.1\r\n" + H + "X-A: one\r\n\ttwo\r\n\r\n"),
                bad("whitespace before first header", 400, "GET / HTTP/1.1\r\n " + H + "\r\n"),
                bad("NUL in request line", 400, "GET /a\0b HTTP/1.1\r\n" + H + "\r\n"),
                bad("CR in request line", 400, "GET /a\rb HTTP/1.1\r\n" + H + "\r\n"),
                bad("tab separator in request line", 400, "GET\t/ HTTP/1.1\r\n" + H + "\r\n"),
                bad("DEL in request line", 400, "GET /a\u007fb HTTP/1.1\r\n" + H + "\r\n"),
                bad("control byte in header value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u0001b\r\n\r\n"),
                bad("NUL in header value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\0b\r\n\r\n"),
                bad("bare CR in header value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\rb\r\n\r\n"),
                bad("bare LF line ends", 400, "GET / HTTP/1.1\nHost: a\n\n"),
                bad("space in header name", 400, "GET / HTTP/1.1\r\n" + H + "Bad Name: x\r\n\r\n"),
                bad("space before colon", 400, "GET / HTTP/1.1\r\n" + H + "X-A : x\r\n\r\n"),
                bad("separator in header name", 400, "GET / HTTP/1.1\r\n" + H + "X(A): x\r\n\r\n"),
                bad("header without colon", 400, "GET / HTTP/1.1\r\n" + H + "NoColon\r\n\r\n"),
                bad("not HTTP at all", 400, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003"),
                // Host, RFC 9112 §3.2
                bad("missing Host on 1.1", 400, "GET / HTTP/1.1\r\n\r\n"),
                bad("two Host fields", 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                // request target, version
                bad("relative target", 400, "GET foo HTTP/1.1\r\n" + H + "\r\n"),
                bad("asterisk for GET", 400, "GET * HTTP/1.1\r\n" + H + "\r\n"),
                bad("CONNECT", 501, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
                bad("unknown version", 505, "GET / HTTP/3.0\r\n" + H + "\r\n"),
                // request-line shape, RFC 9112 §3 and §2.3
                bad("leading space", 400, " GET / HTTP/1.1\r\n" + H + "\r\n"),
                bad("two spaces after the method", 400, "GET  / HTTP/1.1\r\n" + H + "\r\n"),
                bad("lowercase version", 400, "GET / http/1.1\r\n" + H + "\r\n"),
                bad("version with a leading zero", 400, "GET / HTTP/01.1\r\n" + H + "\r\n"),
                bad("version with trailing space", 400, "GET / HTTP/1.1 \r\n" + H + "\r\n"),
                bad("fragment in the target", 400, "GET /a#b HTTP/1.1\r\n" + H + "\r\n"),
                bad("non-ASCII in the target", 400, "GET /caf\u00e9 HTTP/1.1\r\n" + H + "\r\n"),
                bad("separator in the method", 400, "GE(T / HTTP/1.1\r\n" + H + "\r\n"),
                // Host syntax, RFC 9112 §3.2
                bad("Host with a space", 400, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
                bad("Host with a slash", 400, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
                bad("Host list", 400, "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"),
                // RFC 9112 §6.1: a transfer coding the server does not understand
                bad("gzip then chunked", 501,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                bad("identity then chunked", 501,
                        "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n"),
                // limits
                bad("request line too long", 414, "GET /" + "a".repeat(300) + " HTTP/1.1\r\n" + H + "\r\n"),
                bad("header section too large", 431, "GET / HTTP/1.1\r\n" + H + "X-Big: " + "b".repeat(600) + "\r\n\r\n"),
                bad("too many headers", 431, "GET / HTTP/1.1\r\n" + H + "X: 1\r\n".repeat(10) + "\r\n"),
                bad("body too large by Content-Length", 413,
                        "POST / HTTP/1.1\r\n" + H + "Content-Length: 1001\r\n\r\n"),
                // Expect, RFC 9110 §10.1.1
                bad("unknown expectation", 417,
                        "POST / HTTP/1.1\r\n" + H + "Expect: teapot\r\nContent-Length: 1\r\n\r\nx"));
    }

    private static Arguments bad(String name, int status, String request) {
        return Arguments.of(name, status, request, false);
    }

    /** The head is fine and reaches the worker; the body is bad: the stream is cancelled. */
    private static Arguments badBody(String name, int status, String request) {
        return Arguments.of(name, status, request, true);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("cases")
    void refusedAndClosed(String name, int status, String request, boolean midBody) {
        var t = new Http1TestChannel(Http1TestChannel.limits(256, 512, 8, 1000));
        t.send(request);
        String out = t.received();
        assertEquals(List.of(status), Http1TestChannel.statuses(out), out);
        String lower = out.toLowerCase();
        assertTrue(lower.contains("\r\nconnection: close\r\n"), out);
        assertTrue(lower.contains("\r\ncontent-type: text/plain"), out);
        assertFalse(lower.contains("exception"), out);
        assertFalse(out.contains("<") || out.contains("GE(T") || out.contains("a b"), "input reflected: " + out);
        if (midBody) {
            assertEquals(org.wsging.exchange.ResetCode.CANCEL, t.dispatcher.last().reset);
        } else {
            assertTrue(t.dispatcher.streams.isEmpty(), "the request reached a worker");
        }
        assertFalse(t.open(), "connection left open");
        t.finish();
    }

    /** RFC 9110 §9.1: no method that long is implemented, and the worker link carries 255 bytes. */
    @Test
    void aMethodLongerThanTheLinkCarriesIs501() {
        var t = new Http1TestChannel();
        t.send("M".repeat(255) + " / HTTP/1.1\r\n" + H + "\r\n");
        assertEquals("M".repeat(255), t.dispatcher.last().head.method());
        t.respond(200, "ok", "content-length", "2");
        t.send("M".repeat(256) + " / HTTP/1.1\r\n" + H + "\r\n");
        String out = t.received();
        assertEquals(List.of(200, 501), Http1TestChannel.statuses(out), out);
        assertEquals(1, t.dispatcher.streams.size());
        assertFalse(t.open());
        t.finish();
    }

    @ParameterizedTest(name = "{0} after a good request")
    @MethodSource("cases")
    void refusedInOrderAfterAPipelinedRequest(String name, int status, String request, boolean midBody) {
        var t = new Http1TestChannel(Http1TestChannel.limits(256, 512, 8, 1000));
        t.send("GET /first HTTP/1.1\r\n" + H + "\r\n" + request);
        assertEquals(1, t.dispatcher.streams.size());
        assertEquals("", t.received(), "the refusal overtook the first response");
        t.respond(200, "first", "content-length", "5");
        String out = t.received();
        assertEquals(List.of(200, status), Http1TestChannel.statuses(out), out);
        assertFalse(t.open());
        t.finish();
    }
}
