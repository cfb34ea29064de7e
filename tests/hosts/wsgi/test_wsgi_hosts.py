"""A WSGI-NG application, sync and async, hosted by WSGI containers through `to_wsgi`
(`to_uwsgi` under uWSGI), checked with curl, httpx and the websockets library (spec 10.2,
15.2, 15.3)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Optional, Tuple

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from wsgi_hosts import Host

FLAGS = ("response_trailers", "early_hints", "push", "websocket", "request_trailers")


def curl(*args: str, timeout: int = 30) -> subprocess.CompletedProcess:
    path = shutil.which("curl")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("curl is not installed")
        pytest.skip("curl is not installed")
    return subprocess.run([path, "-sS", "--max-time", str(timeout), *args], capture_output=True,
                          timeout=timeout + 10)


def test_capabilities_are_false_but_what_the_host_offers(host: Host) -> None:
    seen = httpx.get(host.url + "/capabilities", timeout=10).json()
    offered = {"gunicorn-sync": {"early_hints"}, "gunicorn-gthread": {"early_hints"},
               "uwsgi": {"websocket"}, "mod_wsgi": set()}[host.name]
    assert {name for name in FLAGS if seen[name]} == offered
    assert seen["offer"] is False


def test_lifespan_was_entered_by_the_wsgi_file_in_the_serving_process(host: Host) -> None:
    assert httpx.get(host.url + "/lifespan", timeout=10).json()["entered"] is True


def test_request_body_is_read_as_a_stream(host: Host) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 5)
    for body in (payload, (payload[i:i + 65536] for i in range(0, len(payload), 65536))):
        # with a length, then chunked (uWSGI leaves a chunked body to uwsgi.chunked_read,
        # which to_uwsgi reads it with; mod_wsgi runs with --chunked-request)
        seen = httpx.post(host.url + "/upload", content=body, timeout=30)
        assert seen.json() == {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}


def test_request_body_streams_back_while_it_arrives(host: Host) -> None:
    # Small: mod_wsgi's daemon mode passes the whole request on before the response comes back.
    def chunks():
        yield b"first,"
        yield b"second"

    echoed = httpx.post(host.url + "/echo", content=chunks(), timeout=30)
    assert echoed.status_code == 200 and echoed.content == b"first,second"


def test_response_streams_chunk_by_chunk(host: Host, shared_dir: Path) -> None:
    gate = shared_dir / f"gate-{host.name}-{host.kind}"
    with httpx.stream("GET", host.url + "/stream", params={"gate": str(gate)}, timeout=30) as response:
        chunks = response.iter_raw()
        received = b""
        while b"\n" not in received:  # the second line waits for the gate: it cannot be here yet
            received += next(chunks)
        assert received == b"first\n"
        gate.touch()
        received += b"".join(chunks)
    assert received == b"first\nsecond\n"


def test_file_response_through_the_containers_file_wrapper(host: Host, shared_dir: Path) -> None:
    data = os.urandom(2 * 1024 * 1024 + 3)
    path = shared_dir / f"file-{host.name}-{host.kind}.bin"
    path.write_bytes(data)
    path.chmod(0o644)
    response = httpx.get(host.url + "/file", params={"path": str(path)}, timeout=30)
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-length"] == str(len(data))
    # An async application's file is read on the private loop: no file wrapper then (15.3).
    assert response.headers["x-file-wrapper"] == ("used" if host.kind == "sync" else "unused")


def test_early_hints_where_the_host_has_them(host: Host) -> None:
    done = curl("-v", host.url + "/hints")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"hinted"
    hinted = b"< HTTP/1.1 103" in done.stderr and b"< link: </style.css>; rel=preload; as=style" in done.stderr
    assert hinted is host.name.startswith("gunicorn")


def test_set_cookie_twice_and_a_streamed_body(host: Host) -> None:
    response = httpx.get(host.url + "/cookies", timeout=10)
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.text == "one,two,three"


def test_application_error_gives_no_traceback_and_the_host_serves_on(host: Host) -> None:
    # to_wsgi answers the 500 itself (uWSGI alone would close the connection without one)
    # and logs the error to wsgi.errors, the container's log.
    done = curl("-i", host.url + "/fail")
    assert done.returncode == 0 and done.stdout.startswith(b"HTTP/1.1 500"), done.stdout
    assert done.stdout.endswith(b"\r\n\r\nInternal Server Error\n"), done.stdout
    assert b"hosted-app-failure-marker" not in done.stdout and b"Traceback" not in done.stdout
    assert "hosted-app-failure-marker" in host.log()  # the container logged it
    assert httpx.get(host.url + "/lifespan", timeout=10).status_code == 200


def raw_exchange(host: Host, request: bytes) -> Tuple[bytes, Optional[str]]:
    """Everything the host sends back on a connection of its own for `request`, and how the
    connection ended: None for a clean close, else the error's name (a reset)."""
    with socket.create_connection(("127.0.0.1", host.port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while True:
            try:
                data = connection.recv(65536)
            except ConnectionError as exc:
                return received, type(exc).__name__
            if not data:
                return received, None
            received += data


def test_a_body_that_raises_after_the_head_does_not_end_as_a_complete_response(host: Host) -> None:
    received, error = raw_exchange(host, b"GET /fail-in-body HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    chunked = b"transfer-encoding: chunked" in head.lower()
    complete = (body.endswith(b"0\r\n\r\n") if chunked else error is None)
    if host.name == "mod_wsgi":
        # mod_wsgi's daemon mode ends the response with its last chunk whatever the
        # application raised: the container cannot show an abort (docs/conformance.md).
        assert complete, (head, body, error)
    else:
        assert not complete, (head, body, error)  # gunicorn: no last chunk; uWSGI: a reset
    assert b"first;" in body and b"hosted-app-failure-marker" not in received
    assert httpx.get(host.url + "/lifespan", timeout=10).status_code == 200


@pytest.mark.parametrize("method, path, status", [
    ("HEAD", "/cookies", b"200"), ("HEAD", "/capabilities", b"200"), ("GET", "/no-content", b"204")])
def test_no_body_bytes_for_head_and_204(host: Host, method: str, path: str, status: bytes) -> None:
    # uWSGI sends whatever the iterable gives: to_wsgi gives it nothing for these (7.3).
    request = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    received, _ = raw_exchange(host, request)
    head, separator, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status) and separator and body == b"", received


def test_the_client_port_is_the_clients(host: Host) -> None:
    # uWSGI's HTTP socket sets no REMOTE_PORT: to_uwsgi reads it from the connection.
    with socket.create_connection(("127.0.0.1", host.port), timeout=10) as connection:
        connection.sendall(b"GET /client HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        local_port = connection.getsockname()[1]
        received = b""
        while True:
            data = connection.recv(65536)
            if not data:
                break
            received += data
    body = received.partition(b"\r\n\r\n")[2]
    if b"transfer-encoding: chunked" in received.partition(b"\r\n\r\n")[0].lower():
        body = body.split(b"\r\n")[1]
    assert json.loads(body) == ["127.0.0.1", local_port]


def ws_url(host: Host, query: str = "") -> str:
    return f"ws://127.0.0.1:{host.port}/ws{query}"


def test_websocket_only_where_the_host_has_it(host: Host) -> None:
    if host.name != "uwsgi":
        # An ordinary request here: request.websocket is None and the app falls back.
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url(host), open_timeout=10)
        assert refused.value.response.status_code == 426
        return
    with connect(ws_url(host), open_timeout=10, close_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"
        ws.send(b"\xff\x00binary")
        assert ws.recv(timeout=10) == b"\xff\x00binary"
        big = "x" * 300_000
        ws.send(big)
        assert ws.recv(timeout=10) == big
