"""HTTP/1.x behaviour seen by real clients: 100-continue, HEAD, HTTP/1.0, pipelining, chunking."""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import pytest

from curl_helpers import transfers
from e2e_http import RawConnection, exchange
from e2e_outcomes import wait_for_outcome

H = b"Host: e2e\r\n"


def test_expect_100_continue_with_curl(main_server, tmp_path: Path) -> None:
    body = os.urandom(300_000)
    (tmp_path / "body").write_bytes(body)
    results, log = transfers(["-H", "Expect: 100-continue", "--expect100-timeout", "30",
                              "--data-binary", f"@{tmp_path / 'body'}", main_server.url + "/sha256"])
    # The route reads the body before it answers; that first read is what lets the server say
    # 100 Continue (spec A.5). (An app that answers first, like /echo, sends its final head
    # before any read, and the client then sends the body without a 100.)
    assert "HTTP/1.1 100 Continue" in log, log
    expected = f"{hashlib.sha256(body).hexdigest()} {len(body)}".encode()
    assert [(data, status) for data, status, _ in results] == [(expected, 200)]


def test_no_100_continue_when_the_app_does_not_read(main_server) -> None:
    # The hello route answers without reading: curl waits for the final response (the long
    # --expect100-timeout keeps it from sending the body on its own) and gets no 100.
    results, log = transfers(["-H", "Expect: 100-continue", "--expect100-timeout", "30",
                              "--data-binary", "x" * 5000, main_server.url + "/"])
    assert "100 Continue" not in log, log
    assert [(data, status) for data, status, _ in results] == [(b"Hello, world!", 200)]


def test_100_continue_comes_before_the_body_is_sent(main_server) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(b"POST /sha256 HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert conn.read_head(final=False).status == 100
        conn.send(b"hello")
        response = conn.read_response()
    assert (response.status, response.body) == (200, f"{hashlib.sha256(b'hello').hexdigest()} 5".encode())


def test_head_has_the_get_headers_and_no_body(main_server) -> None:
    results, log = transfers(["-I", main_server.url + "/"])
    assert [(data, status) for data, status, _ in results][0][1] == 200
    assert "content-length: 13" in log.lower(), log
    # Pipelined behind the HEAD, a GET proves no body bytes followed the HEAD response.
    with RawConnection(main_server.port) as conn:
        conn.send(b"HEAD / HTTP/1.1\r\n" + H + b"\r\nGET / HTTP/1.1\r\n" + H + b"\r\n")
        head = conn.read_response(no_body=True)
        get = conn.read_response()
    assert (head.status, head.header("content-length")) == (200, "13")
    assert (get.status, get.body) == (200, b"Hello, world!")


def test_http_1_0_with_curl(main_server) -> None:
    results, log = transfers(["-0", main_server.url + "/"])
    assert "> GET / HTTP/1.0" in log, log
    assert [(data, status) for data, status, _ in results] == [(b"Hello, world!", 200)]


def test_http_1_0_streamed_response_is_not_chunked(main_server) -> None:
    # RFC 9112 §7: chunked is HTTP/1.1 only; a 1.0 response of unknown length ends at close.
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /chunks?n=3 HTTP/1.0\r\n\r\n")
        response = conn.read_response()
    assert response.status == 200
    assert response.header("transfer-encoding") is None
    assert response.body == b"chunk-0\nchunk-1\nchunk-2\n"


def test_pipelined_requests_answer_in_order(main_server) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(b"".join(b"GET /q?%d HTTP/1.1\r\n%s\r\n" % (i, H) for i in (1, 2, 3)))
        bodies = [conn.read_response().body for _ in range(3)]
    assert bodies == [b"1", b"2", b"3"]


def test_chunked_request_and_response(main_server) -> None:
    # A chunk extension and a trailer field must be accepted and ignored (RFC 9112 §7.1.1, §7.1.2).
    request = (b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: none\r\n\r\n")
    with RawConnection(main_server.port) as conn:
        conn.send(request)
        response = conn.read_response()
    assert response.status == 200
    assert response.header("transfer-encoding") == "chunked"
    assert response.body == b"hello, world"


def test_streamed_response_is_chunked_on_http_1_1(main_server) -> None:
    response = exchange(main_server.port, b"GET /chunks?n=4 HTTP/1.1\r\n" + H + b"\r\n")
    assert response.header("transfer-encoding") == "chunked"
    assert response.body == b"".join(b"chunk-%d\n" % i for i in range(4))


def test_client_address_is_the_peer_of_the_connection(main_server) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /client HTTP/1.1\r\n" + H + b"\r\n")
        response = conn.read_response()
        assert response.body.decode() == f"127.0.0.1:{conn.local_port}"


def wire_until_close(port: int, request: bytes) -> bytes:
    """The raw response bytes of a `Connection: close` request, trailer section included."""
    with RawConnection(port) as conn:
        conn.send(request)
        wire = b""
        while True:
            data = conn.sock.recv(65536)
            if not data:
                return wire
            wire += data


def test_response_trailers_reach_a_client_that_accepts_them(main_server) -> None:
    wire = wire_until_close(main_server.port, b"GET /trailers HTTP/1.1\r\n" + H + b"TE: trailers\r\nConnection: close\r\n\r\n")
    expected = hashlib.sha256(b"first,second").hexdigest().encode()
    # RFC 9112 §7.1.2: the trailer section follows the last (zero-size) chunk.
    assert wire.lower().endswith(b"\r\n0\r\nx-body-sha256: " + expected + b"\r\n\r\n"), wire


def test_trailers_are_dropped_for_a_client_that_did_not_ask(main_server) -> None:
    wire = wire_until_close(main_server.port, b"GET /trailers HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert wire.endswith(b"\r\n0\r\n\r\n") and b"x-body-sha256" not in wire.lower(), wire


def test_early_hints_with_curl(main_server) -> None:
    results, log = transfers([main_server.url + "/hints"])
    assert "< HTTP/1.1 103" in log and "rel=preload" in log, log
    assert [(data, status) for data, status, _ in results] == [(b"hints sent", 200)]


def test_no_early_hints_on_http_1_0(main_server) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /hints HTTP/1.0\r\n\r\n")
        response = conn.read_response()
    assert response.interim == [] and response.body == b"hints not sent"


def test_raw_path_query_and_headers_reach_the_app_exactly_as_sent(main_server) -> None:
    # No dot-segment removal, no decoding, no case folding, no merging, no name mangling (spec 5.1).
    target = b"/inspect/a/../b/./%2F%7e%41//c?x=%20+y&&z=%2F"
    fields = [("Host", "e2e"), ("X-Mixed-Case", "One"), ("x-mixed-case", "two"), ("X_Under_Score", "3"),
              ("Accept", "*/*;q=0.5")]
    head = b"".join(f"{name}: {value}\r\n".encode() for name, value in fields)
    response = exchange(main_server.port, b"GET " + target + b" HTTP/1.1\r\n" + head + b"\r\n")
    assert response.status == 200, response
    seen = json.loads(response.body)
    assert seen["raw_path"] == "/inspect/a/../b/./%2F%7e%41//c"
    assert seen["path"] == "/inspect/a/../b/.//~A//c"
    assert seen["query_string"] == "x=%20+y&&z=%2F"
    assert [tuple(pair) for pair in seen["headers"]] == fields


@pytest.mark.parametrize(
    "request_bytes, expected",
    [
        (b"GET /inspect/ HTTP/1.0\r\n\r\n", []),
        # websocket: an HTTP/1.1 connection can carry sessions (spec 10.1), offer or not.
        (b"GET /inspect/ HTTP/1.1\r\n" + H + b"\r\n", ["early_hints", "websocket"]),
        (b"GET /inspect/ HTTP/1.1\r\n" + H + b"TE: trailers\r\n\r\n", ["response_trailers", "early_hints", "websocket"]),
        (b"POST /inspect/ HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         ["early_hints", "websocket", "request_trailers"]),
        (b"POST /inspect/ HTTP/1.1\r\n" + H + b"Content-Length: 2\r\n\r\nhi", ["early_hints", "websocket"]),
    ],
    ids=["HTTP/1.0", "HTTP/1.1", "TE: trailers", "chunked request", "sized request"],
)
def test_capabilities_are_set_only_where_the_feature_works(main_server, request_bytes, expected) -> None:
    response = exchange(main_server.port, request_bytes)
    assert response.status == 200, response
    assert json.loads(response.body)["capabilities"] == expected


def test_request_trailers_reach_the_app_apart_from_the_headers(main_server) -> None:
    body = b"5\r\nhello\r\n0\r\nX-Checksum: 5d41402a\r\n\r\n"
    response = exchange(main_server.port, b"POST /read-body HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + body)
    assert response.status == 200, response
    seen = json.loads(response.body)
    assert seen["length"] == 5
    assert [(name.lower(), value) for name, value in seen["trailers"]] == [("x-checksum", "5d41402a")]
    assert "x-checksum" not in [name.lower() for name, _ in seen["headers"]]


def test_request_without_trailers_has_none(main_server) -> None:
    response = exchange(main_server.port, b"POST /read-body HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
    assert json.loads(response.body)["trailers"] is None


def test_head_goes_out_before_the_first_chunk_exists(main_server) -> None:
    tag = uuid.uuid4().hex[:12].encode()
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /held-first-chunk?tag=" + tag + b" HTTP/1.1\r\n" + H + b"\r\n")
        # The first chunk waits for /release, sent only after the head has arrived.
        head = conn.read_head()
        assert (head.status, head.header("x-head")) == (200, "early")
        released = exchange(main_server.port, b"GET /release?tag=" + tag + b" HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
        assert released.body == b"released"
        conn.read_body(head)
        assert head.body == b"released"


@pytest.mark.parametrize("method, status", [("HEAD", 200), ("GET", 204), ("GET", 304)])
def test_bodiless_responses_send_no_body_and_never_pull_it(main_server, method, status) -> None:
    tag = uuid.uuid4().hex[:12]
    request = f"{method} /bodiless?status={status}&tag={tag} HTTP/1.1\r\n".encode() + H + b"\r\n"
    with RawConnection(main_server.port) as conn:
        # Pipelined behind it, a GET shows that no body bytes followed the bodiless response.
        conn.send(request + b"GET / HTTP/1.1\r\n" + H + b"\r\n")
        first = conn.read_response(no_body=True)
        second = conn.read_response()
    assert (first.status, first.header("x-probe")) == (status, "1")
    assert (second.status, second.body) == (200, b"Hello, world!")
    wait_for_outcome(main_server.port, tag, "closed, never pulled")


def test_body_shorter_than_its_content_length_is_cut_off_by_a_close(main_server) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /length-mismatch?declared=10&actual=5 HTTP/1.1\r\n" + H + b"\r\n")
        head = conn.read_head()
        assert head.header("content-length") == "10"
        with pytest.raises(ConnectionError):
            conn.read_body(head)


def test_body_longer_than_its_content_length_is_not_sent_past_it(main_server) -> None:
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /length-mismatch?declared=5&actual=10 HTTP/1.1\r\n" + H + b"\r\n")
        response = conn.read_response()
        assert (response.header("content-length"), response.body) == ("5", b"mmmmm")
        rest = conn.buffer
        while True:  # nothing else follows: the connection closes
            data = conn.sock.recv(65536)
            if not data:
                break
            rest += data
        assert rest == b""
