"""The request smuggling and parsing battery, through the real server over raw sockets.

Every vector of `vectors/http1_requests.py` is sent on a fresh connection. The first answer must
carry the vector's status. Where RFC 9112 demands a close (any rejected request: its framing can
no longer be trusted, §9.3 and §6.3), the server must close, and nothing it sent may be the
answer to the request hidden in the vector's bytes. Where the request is valid, the connection
must stay usable: the next request on it is answered as itself, which shows the vector's bytes
were framed exactly (a body byte left over, or one taken from the next request, would corrupt it).
"""
from __future__ import annotations

from typing import List

import pytest

from e2e_http import RawConnection, RawResponse
from vectors.http1_requests import VECTORS, Vector

H = b"Host: e2e\r\n"


def read_until_closed(conn: RawConnection) -> List[RawResponse]:
    """Every response the server sends before it closes the connection (bounded by the socket timeout)."""
    responses: List[RawResponse] = []
    while True:
        try:
            response = conn.read_head()
        except ConnectionError:
            assert not conn.buffer.strip(), f"bytes after the last response: {conn.buffer[:200]!r}"
            return responses
        conn.read_body(response)
        responses.append(response)
        assert len(responses) < 10, "more responses than requests"


@pytest.mark.parametrize("vector", VECTORS, ids=[v.name for v in VECTORS])
def test_vector(main_server, vector: Vector) -> None:
    with RawConnection(main_server.port) as conn:
        try:
            conn.send(vector.request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse and close before the whole vector is written
        first = conn.read_head()
        conn.read_body(first)
        assert first.status == vector.status, (
            f"{vector.name} ({vector.rfc}): got {first.status} {first.reason} {first.body[:200]!r}")
        if first.status >= 400:
            assert first.header("content-type") is not None
            # A fixed text: nothing the client sent is reflected (no markup, no header values).
            assert b"<" not in first.body and b"SCRIPT" not in first.body.upper(), first.body
        if vector.length is not None:
            assert first.body.endswith(b" %d" % vector.length), f"{vector.name}: the app read {first.body!r}"
        if vector.close:
            if first.status >= 400:
                assert (first.header("connection") or "").lower() == "close", first.headers
            rest = read_until_closed(conn)
            answered = [first, *rest]
            assert all(r.body != b"SMUGGLED" for r in answered), (
                f"{vector.name}: the hidden request was answered: {[r.status for r in answered]}")
        else:
            conn.send(b"GET /q?in-step HTTP/1.1\r\n" + H + b"\r\n")
            probe = conn.read_response()
            assert (probe.status, probe.body) == (200, b"in-step"), (
                f"{vector.name}: the next request on the connection got {probe.status} {probe.body[:200]!r}")


def test_battery_covers_the_attack_classes() -> None:
    """At least 120 vectors; every one names the RFC section its expectation comes from."""
    assert len(VECTORS) >= 120
    assert all("RFC" in v.rfc for v in VECTORS)
    names = " ".join(v.name for v in VECTORS)
    for topic in ("CL.TE", "TE.CL", "xchunked", "CL twice", "chunk size", "chunk extension", "bare LF", "bare CR",
                  "NUL", "before the colon", "obs-fold", "field name", "absolute-form", "authority-form",
                  "asterisk-form", "fragment", "over the limit", "HTTP/1.2", "HTTP/2.0", "HTTP/01.1",
                  "lowercase http", "Host", "method with", "smuggled after"):
        assert topic in names, topic


def test_smuggled_request_is_answered_when_it_is_not_hidden(main_server) -> None:
    """The marker request itself works: without a bad request in front, it is answered."""
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /q?SMUGGLED HTTP/1.1\r\n" + H + b"\r\n")
        assert conn.read_response().body == b"SMUGGLED"


def test_rejections_do_not_reflect_the_input(main_server) -> None:
    """A 400 names the kind of fault in a fixed text; the client's bytes are never echoed."""
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET / <SCRIPT>ALERT(1)</SCRIPT>\r\n" + H + b"\r\n")
        response = conn.read_response()
    assert response.status == 400
    assert response.body == b"400 Bad Request: invalid HTTP version\n"
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET / HTTP/1.1\r\n" + H + b"<svg/onload=x>: 1\r\n\r\n")
        response = conn.read_response()
    assert response.status == 400
    assert response.body == b"400 Bad Request: malformed request\n"


def test_tiny_chunks_reach_the_application_merged(main_server) -> None:
    """2000 one-byte chunks sent at once reach the app in a few pieces, not one per chunk.

    Each chunk would otherwise cost a pass through the front end's pipeline, a link DATA frame
    and a step of the application's loop: a million of them took seconds where the bytes take
    milliseconds. Pieces decoded from the bytes of one read are merged.
    """
    count = 2000
    with RawConnection(main_server.port) as conn:
        conn.send(b"POST /pieces HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                  + b"1\r\na\r\n" * count + b"0\r\n\r\n")
        response = conn.read_response()
    pieces, length = map(int, response.body.split())
    assert length == count
    assert pieces <= 20, f"{count} one-byte chunks reached the application in {pieces} pieces"


def test_absolute_form_target_gives_the_application_its_authority_as_host(main_server) -> None:
    """RFC 9112 §3.2.2: the target's authority wins over the Host field, and the app sees which."""
    import json

    with RawConnection(main_server.port) as conn:
        conn.send(b"GET http://other.example:8080/inspect/x?y HTTP/1.1\r\nHost: e2e\r\n\r\n")
        seen = json.loads(conn.read_response().body)
    assert seen["raw_path"] == "/inspect/x"
    assert seen["query_string"] == "y"
    assert [value for name, value in seen["headers"] if name.lower() == "host"] == ["other.example:8080"]
