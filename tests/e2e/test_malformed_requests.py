"""Every malformed request gets its status from the server, and the server keeps serving.

Sent over raw sockets, since ordinary clients refuse to produce these bytes. Where RFC 9112
says the connection cannot be trusted after the error (the message framing is unknown), the
server must also close it.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import pytest

from e2e_http import RawConnection, exchange
from e2e_outcomes import wait_for_outcome
from e2e_server import Server, stop_cleanly

H = b"Host: e2e\r\n"


class Case(NamedTuple):
    name: str
    request: bytes
    status: int
    must_close: bool


CASES = [
    # RFC 9112 §6.3: both framings at once is how requests are smuggled; it is an error.
    Case("content-length and transfer-encoding",
         b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400, True),
    # RFC 9112 §6.3 item 5: differing Content-Length values -> 400 and close.
    Case("duplicate content-length that differ",
         b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
         400, True),
    Case("content-length not a number",
         b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 12abc\r\n\r\n", 400, True),
    # RFC 9112 §5.2: obs-fold is rejected with 400 by this server.
    Case("obs-fold continuation line",
         b"GET / HTTP/1.1\r\n" + H + b"X-Folded: one\r\n two\r\n\r\n", 400, True),
    # RFC 9112 §7.1: chunk-size is hex digits; the route reads the body before answering.
    Case("bad chunk size",
         b"POST /sha256 HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
         400, True),
    Case("NUL in request line", b"GET /a\x00b HTTP/1.1\r\n" + H + b"\r\n", 400, True),
    Case("bare CR in request line", b"GET /a\rb HTTP/1.1\r\n" + H + b"\r\n", 400, True),
    # RFC 9110 §5.5: CR, LF and NUL are never valid in a field value; other controls are not field-vchar.
    Case("control character in header value", b"GET / HTTP/1.1\r\n" + H + b"X-Bad: a\x01b\r\n\r\n", 400, True),
    Case("NUL in header value", b"GET / HTTP/1.1\r\n" + H + b"X-Bad: a\x00b\r\n\r\n", 400, True),
    # RFC 9110 §5.1: a field name is a token.
    Case("space in header name", b"GET / HTTP/1.1\r\n" + H + b"Bad Name: x\r\n\r\n", 400, True),
    Case("separator in header name", b"GET / HTTP/1.1\r\n" + H + b"X(A): x\r\n\r\n", 400, True),
    # RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
    Case("whitespace before colon", b"GET / HTTP/1.1\r\n" + H + b"X-A : x\r\n\r\n", 400, True),
    # RFC 9112 §3.2: a 1.1 request without Host, or with two, MUST get 400.
    Case("missing Host on HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", 400, True),
    Case("two Host fields", b"GET / HTTP/1.1\r\n" + H + H + b"\r\n", 400, True),
    # Limits at their defaults: --max-request-line 8192, --max-headers 100, --max-header-size 16384.
    Case("request line too long", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414, True),
    Case("too many headers",
         b"GET / HTTP/1.1\r\n" + H + b"".join(b"X-N%d: v\r\n" % i for i in range(101)) + b"\r\n", 431, True),
    Case("header too large", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"v" * 17000 + b"\r\n\r\n", 431, True),
    # --max-body-size 1 GiB: the declared length alone is enough to refuse, before any body byte.
    Case("declared body too large",
         b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 2000000000\r\n\r\n", 413, True),
    # RFC 9110 §10.1.1: an expectation the server cannot meet -> 417.
    Case("unknown expectation", b"GET / HTTP/1.1\r\n" + H + b"Expect: teapot\r\n\r\n", 417, False),
]


def assert_still_serving(server: Server) -> None:
    response = exchange(server.port, b"GET / HTTP/1.1\r\n" + H + b"\r\n")
    assert (response.status, response.body) == (200, b"Hello, world!"), server.log()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_request_gets_its_status(main_server, case: Case) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(case.request)
        response = conn.read_head()
        assert response.status == case.status, f"{case.name}: got {response.status} {response.reason}"
        if case.must_close:
            conn.read_body(response)
            assert conn.closed_by_peer(), f"{case.name}: the connection stayed open after {response.status}"
    assert_still_serving(main_server)


def test_chunked_body_over_the_limit_gets_413(limits_server) -> None:
    # --max-body-size 1024 and no length announced: the server counts as the chunks arrive.
    with RawConnection(limits_server.port) as conn:
        body = (b"400\r\n" + b"b" * 1024 + b"\r\n") * 4 + b"0\r\n\r\n"
        conn.send(b"POST /sha256 HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + body)
        response = conn.read_response()
        assert response.status == 413
        assert conn.closed_by_peer()
    assert_still_serving(limits_server)


def test_body_within_the_limit_is_accepted(limits_server) -> None:
    response = exchange(limits_server.port, b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 1024\r\n\r\n" + b"b" * 1024)
    assert response.status == 200
    assert response.body.endswith(b" 1024")


def test_incomplete_head_times_out_with_408_and_close(limits_server) -> None:
    # --header-timeout 1: the head never ends, so the server answers 408 and closes (RFC 9110 §15.5.9).
    with RawConnection(limits_server.port, timeout=15) as conn:
        started = time.monotonic()
        conn.send(b"GET / HTTP/1.1\r\n" + H)
        response = conn.read_response()
        waited = time.monotonic() - started
        assert response.status == 408
        assert conn.closed_by_peer()
    assert 0.5 < waited < 10, f"408 came after {waited:.1f} s with --header-timeout 1"
    assert_still_serving(limits_server)


def test_upload_stopped_at_the_limit_makes_the_pending_read_raise(limits_server) -> None:
    # The app is reading when the undeclared body crosses --max-body-size 1024 (spec 6.2).
    with RawConnection(limits_server.port) as conn:
        conn.send(b"POST /read-body?tag=over-the-limit HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                  + b"200\r\n" + b"a" * 512 + b"\r\n")
        wait_for_outcome(limits_server.port, "over-the-limit", "reading")
        conn.send((b"400\r\n" + b"b" * 1024 + b"\r\n") * 4 + b"0\r\n\r\n")
        assert conn.read_response().status == 413
    wait_for_outcome(limits_server.port, "over-the-limit", "ClientDisconnected")


@pytest.fixture(scope="module")
def timeouts_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    """One-second body and keep-alive timeouts."""
    server = Server(tmp_path_factory.mktemp("timeouts") / "server.log",
                    options=["--body-timeout", "1", "--keepalive-timeout", "1"]).start()
    yield server
    stop_cleanly(server)


def test_stalled_body_times_out_with_408_and_close(timeouts_server) -> None:
    with RawConnection(timeouts_server.port, timeout=15) as conn:
        started = time.monotonic()
        conn.send(b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 10\r\n\r\nabc")
        response = conn.read_response()
        waited = time.monotonic() - started
        assert response.status == 408
        assert conn.closed_by_peer()
    assert 0.5 < waited < 10, f"408 came after {waited:.1f} s with --body-timeout 1"


def test_idle_keep_alive_connection_is_closed(timeouts_server) -> None:
    with RawConnection(timeouts_server.port, timeout=15) as conn:
        conn.send(b"GET / HTTP/1.1\r\n" + H + b"\r\n")
        assert conn.read_response().body == b"Hello, world!"
        idle_since = time.monotonic()
        assert conn.closed_by_peer(timeout=10)
        idle = time.monotonic() - idle_since
    assert 0.5 < idle < 10, f"closed after {idle:.1f} s idle with --keepalive-timeout 1"
