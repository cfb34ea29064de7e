"""Middleware both ways through the real server (spec 12, 15): Werkzeug's ProxyFix and Paste's
gzip middleware around `to_wsgi(app)` served through `from_wsgi`, and a WSGI-NG middleware around
`from_wsgi(wsgi_app)` (apps/wsgi_middleware_app.py). Werkzeug and Paste live in the hosts
virtualenv (tests/hosts/requirements.txt), whose interpreter runs the workers."""
from __future__ import annotations

import gzip
import os
import socket
from pathlib import Path

import httpx
import pytest

from curl_helpers import curl
from e2e_server import ROOT, Server, stop_cleanly

HOSTS_PYTHON = ROOT / "target" / "venv-hosts" / "bin" / "python"
CHUNK = 64 * 1024
STACKS = ["wsgi-mw", "ng-mw"]


@pytest.fixture(scope="module")
def mw_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    if not HOSTS_PYTHON.exists():
        message = f"{HOSTS_PYTHON} is missing (scripts/lib/hosts.sh makes it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = Server(tmp_path_factory.mktemp("wsgi-mw") / "server.log", app="wsgi_middleware_app:app",
                    options=["--python", str(HOSTS_PYTHON)]).start()
    yield server
    stop_cleanly(server)


def closed(server: Server, tag: str) -> str:
    return httpx.get(server.url + "/closed", params={"tag": tag}, timeout=20).text


def test_proxy_fix_rewrites_what_the_wsgi_ng_application_sees(mw_server) -> None:
    seen = httpx.get(mw_server.url + "/wsgi-mw/who", timeout=10, headers={
        "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "example.org"}).json()
    assert seen == {"client": "203.0.113.7", "scheme": "https", "host": "example.org"}
    plain = httpx.get(mw_server.url + "/wsgi-mw/who", timeout=10).json()
    assert plain["client"] == "127.0.0.1" and plain["scheme"] == "http"


@pytest.mark.parametrize("stack", STACKS)
def test_set_cookie_twice_survives(mw_server, stack: str) -> None:
    response = httpx.get(f"{mw_server.url}/{stack}/cookies", timeout=10)
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.text == "one,two,three"
    if stack == "ng-mw":
        assert response.headers["x-ng-middleware"] == "seen"


def test_gzip_middleware_compresses_the_wsgi_ng_response(mw_server) -> None:
    done = curl(["-i", "-H", "Accept-Encoding: gzip", mw_server.url + "/wsgi-mw/cookies"])
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert b"\r\ncontent-encoding: gzip" in head.lower()
    assert head.lower().count(b"\r\nset-cookie: ") == 2
    assert gzip.decompress(body) == b"one,two,three"


@pytest.mark.parametrize("stack", STACKS)
def test_chunked_upload_streams_back(mw_server, stack: str, tmp_path: Path) -> None:
    payload = os.urandom(2 * 1024 * 1024 + 11)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(payload)
    done = curl(["-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream",
                 "--data-binary", f"@{upload}", f"{mw_server.url}/{stack}/echo?tag=echo-{stack}"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == payload
    if stack == "ng-mw":
        assert closed(mw_server, f"echo-{stack}") == "closed"


@pytest.mark.parametrize("stack", STACKS)
def test_streamed_body_is_closed_when_the_client_leaves(mw_server, stack: str) -> None:
    # No Accept-Encoding: Paste's gzip middleware, which buffers whole responses, stays out.
    with socket.create_connection(("127.0.0.1", mw_server.port), timeout=10) as client:
        client.sendall(f"GET /{stack}/stream?tag=gone-{stack} HTTP/1.1\r\nHost: e2e\r\n\r\n".encode())
        received = b""
        while len(received) < 4 * CHUNK:
            data = client.recv(CHUNK)
            assert data, "the server closed the connection"
            received += data
        assert received.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in received.lower()
    assert closed(mw_server, f"gone-{stack}") == "closed"
