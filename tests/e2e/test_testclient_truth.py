"""TestClient against the real server: the same requests get the same capabilities, and an
asyncio application is served by the real server (W7).

The table below is the one both sides must agree with: each row is sent as raw bytes to
`./wsging serve` and as the equivalent call to `wsging.testing.TestClient`.
"""
from __future__ import annotations

import json
import sys
import uuid
from typing import Iterator, List, Tuple

import pytest

from e2e_http import RawConnection, exchange
from e2e_server import APPS, ROOT, Server, stop_cleanly

for path in (str(ROOT / "python" / "src"), str(APPS)):
    if path not in sys.path:
        sys.path.insert(0, path)

import asyncio_app  # noqa: E402
from wsging.testing import TestClient  # noqa: E402

Fields = List[Tuple[str, str]]

# (HTTP version, method, extra fields, body framing, capabilities the application sees)
TABLE: List[Tuple[str, str, Fields, str, str]] = [
    ("1.0", "GET", [], "none", "-"),
    ("1.0", "GET", [("TE", "trailers")], "none", "-"),
    ("1.0", "POST", [], "sized", "-"),
    ("1.1", "GET", [], "none", "early_hints websocket"),
    ("1.1", "GET", [("TE", "trailers")], "none", "response_trailers early_hints websocket"),
    ("1.1", "GET", [("TE", "deflate, Trailers")], "none", "response_trailers early_hints websocket"),
    ("1.1", "GET", [("TE", "gzip"), ("TE", "trailers")], "none", "response_trailers early_hints websocket"),
    ("1.1", "GET", [("TE", "trailers;q=0.5")], "none", "early_hints websocket"),
    ("1.1", "HEAD", [("TE", "trailers")], "none", "early_hints websocket"),
    ("1.1", "HEAD", [], "none", "early_hints websocket"),
    ("1.1", "POST", [], "sized", "early_hints websocket"),
    ("1.1", "POST", [], "chunked", "early_hints websocket request_trailers"),
    ("1.1", "POST", [("TE", "trailers")], "chunked", "response_trailers early_hints websocket request_trailers"),
]
IDS = [f"HTTP/{v} {m} {' '.join(f'{n}:{x}' for n, x in f) or '-'} {b}" for v, m, f, b, _ in TABLE]


@pytest.fixture(scope="module")
def asyncio_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # One thread for sync code: only an application on the event loop serves two waiting calls.
    options = ["--threads", "1"]
    server = Server(tmp_path_factory.mktemp("asyncio") / "server.log", app="asyncio_app:app", options=options)
    server.start()
    yield server
    stop_cleanly(server)


def _raw(version: str, method: str, fields: Fields, framing: str) -> bytes:
    head = f"{method} /capabilities HTTP/{version}\r\nHost: e2e\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in fields)
    if framing == "sized":
        return (head + "Content-Length: 2\r\n\r\nhi").encode()
    if framing == "chunked":
        return (head + "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n").encode()
    return (head + "\r\n").encode()


def _test_client(version: str, method: str, fields: Fields, framing: str) -> str:
    body = {"none": b"", "sized": b"hi", "chunked": iter([b"hi"])}[framing]
    with TestClient(asyncio_app.app, http_version=version) as client:
        response = client.request(method, "/capabilities", headers=fields, body=body)
    assert response.status == 200, response
    return response.headers["x-capabilities"]


@pytest.mark.parametrize("version, method, fields, framing, expected", TABLE, ids=IDS)
def test_test_client_derives_the_capabilities_the_server_gives(
    asyncio_server: Server, version: str, method: str, fields: Fields, framing: str, expected: str
) -> None:
    with RawConnection(asyncio_server.port) as conn:
        conn.send(_raw(version, method, fields, framing))
        response = conn.read_response(no_body=method == "HEAD")
    assert response.status == 200, response
    assert response.header("x-capabilities") == expected
    assert _test_client(version, method, fields, framing) == expected


def test_an_asyncio_application_serves_concurrent_calls_on_its_event_loop(asyncio_server: Server) -> None:
    # W7: the first call awaits an asyncio.Event that only the second call sets; the worker has
    # one thread for sync code, so both can only be in progress at once as coroutines.
    tag = uuid.uuid4().hex
    with RawConnection(asyncio_server.port) as waiting:
        waiting.send(f"GET /wait?{tag} HTTP/1.1\r\nHost: e2e\r\n\r\n".encode())
        head = waiting.read_head()  # the call is in progress: its body waits for /open
        assert head.status == 200, head
        opened = exchange(asyncio_server.port, f"GET /open?{tag} HTTP/1.1\r\nHost: e2e\r\n\r\n".encode())
        assert (opened.status, opened.body) == (200, b"opened")
        waiting.read_body(head)
    seen = json.loads(head.body)
    assert seen["task"] is True  # the body ran in an asyncio task
    assert not seen["thread"].startswith("wsging-app")  # on the loop, not in the thread pool
