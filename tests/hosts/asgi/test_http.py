"""HTTP through `to_asgi` on every ASGI host (uvicorn, hypercorn, granian, daphne), with the
async and the sync application: the request the application sees, bodies streamed both ways,
errors, files, and the capabilities the host's declared extensions give."""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import APPS, Host, require_tool

MARKER = "asgi-host-secret-marker"


def test_request_attributes_from_the_scope(host: Host) -> None:
    with host.client() as client:
        response = client.get("/caps?a=1&b=%20", headers={"X-Custom": "yes"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["kind"] == host.kind
    assert seen["http_version"] == "1.1" and seen["scheme"] == "http"
    assert seen["method"] == "GET" and seen["path"] == "/caps"
    assert seen["query_string"] == "a=1&b=%20"
    assert seen["client"][0] == "127.0.0.1"
    assert "x-custom" in seen["header_names"]  # ASGI hands names lower-case
    assert seen["spec_version"] == [1, 0]
    assert seen["tls"] is None and seen["disconnected"] is False
    # No host declares request trailers, and none of them a WebSocket capability for an
    # ordinary request (spec 10.1: when in doubt, False).
    assert seen["request_trailers"] is False and seen["websocket"] is False


def test_streaming_echo_of_a_large_upload(host: Host, tmp_path: Path) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(payload)
    for framing in ([], ["-H", "Transfer-Encoding: chunked"]):
        done = subprocess.run(
            [require_tool("curl"), "-sS", "--max-time", "60", "--data-binary", f"@{upload}",
             *framing, host.url + "/echo"], capture_output=True, timeout=70)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert hashlib.sha256(done.stdout).digest() == hashlib.sha256(payload).digest(), framing


def test_streamed_response_arrives_in_chunks(host: Host) -> None:
    with host.client() as client:
        with client.stream("GET", "/stream?n=64") as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers
            body = b"".join(response.iter_bytes())
    assert body == b"".join((b"%04d" % i) * 256 for i in range(64))


def test_error_before_the_head_is_a_plain_500(host: Host) -> None:
    with host.client() as client:
        response = client.get("/error")
        assert response.status_code == 500
        assert MARKER not in response.text and "Traceback" not in response.text
        # The host and the application serve on.
        assert client.get("/caps").status_code == 200


def test_head_arrives_before_a_slow_first_chunk(host: Host) -> None:
    """MUST-RESP-4: granian and daphne write the head with the first body event; to_asgi
    sends an empty one at once, so the head does not wait a second for the first chunk."""
    with host.client() as client:
        started = time.monotonic()
        with client.stream("GET", "/late") as response:
            head_after = time.monotonic() - started
            body = response.read()
        body_after = time.monotonic() - started
    assert response.status_code == 200 and body == b"late"
    assert head_after < 0.6 <= 1.0 <= body_after, (head_after, body_after)


def test_error_after_the_head_aborts_the_response(host: Host) -> None:
    """MUST-ERR-2: the body raised after its first chunk; the client sees the message cut
    short (HTTP/1.1: closed without the last chunk) at once, never a complete one."""
    with httpx.Client(base_url=host.url, timeout=5) as client:
        with client.stream("GET", "/abort") as response:
            assert response.status_code == 200
            received = b""
            with pytest.raises(httpx.RemoteProtocolError):
                for chunk in response.iter_raw():
                    received += chunk
    assert MARKER not in received.decode(errors="replace")
    with host.client() as client:
        assert client.get("/caps").status_code == 200  # the host serves on


def test_file_response(host: Host) -> None:
    with host.client() as client:
        response = client.get("/file")
    assert response.status_code == 200
    assert response.content == (APPS / "ng_apps.py").read_bytes()
    assert response.headers["content-type"] == "text/x-python"


def test_trailers_over_http1_are_dropped_and_the_body_is_whole(host: Host) -> None:
    """No host here sends trailers over HTTP/1.1: the capability says so and the callable
    still runs (its body is whole)."""
    with host.client() as client:
        caps = client.get("/caps", headers={"TE": "trailers"}).json()
        response = client.get("/trailers", headers={"TE": "trailers"})
    assert caps["response_trailers"] is False
    assert response.status_code == 200
    assert response.content == b"".join(b"part-%d;" % i for i in range(5))


def test_early_hints_over_http1(host: Host) -> None:
    with host.client() as client:
        caps = client.get("/caps").json()
        hints = client.get("/hints").json()
    # Only hypercorn declares http.response.early_hint, and only for HTTP/2 and HTTP/3.
    assert caps["early_hints"] is False and hints == {"sent": False}


def test_client_that_leaves_ends_the_streamed_response(host: Host) -> None:
    key = f"{host.name}-{host.kind}-hold"
    with host.client() as client:
        with client.stream("GET", f"/hold?id={key}") as response:
            assert response.status_code == 200
            next(response.iter_raw())
    # The connection is closed: the application learns it, its body is closed, and its
    # completion callback says the client went.
    outcome = _eventually(host, key)
    assert outcome == "client-gone"


def _eventually(host: Host, key: str, seconds: float = 15) -> str:
    import time

    deadline = time.monotonic() + seconds
    with host.client() as client:
        while time.monotonic() < deadline:
            response = client.get(f"/outcome?id={key}")
            if response.status_code == 200:
                return response.text
            time.sleep(0.1)
    raise AssertionError(f"no outcome for {key} after {seconds} s:\n{host.log_text()}")


def test_many_requests_on_one_connection(host: Host) -> None:
    with httpx.Client(base_url=host.url, timeout=15) as client:
        for i in range(20):
            assert client.post("/echo", content=b"x" * i).content == b"x" * i
