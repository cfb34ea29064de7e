"""PyPy 3 as the worker interpreter (`--python pypy3`): sync and async applications, streaming
both ways, a WSGI application through `from_wsgi`, and WebSocket echo, through the real server.
The workers are checked to be PyPy by their executable."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from curl_helpers import curl
from e2e_server import ROOT, Server, stop_cleanly


def pypy() -> str:
    """The PyPy 3 interpreter; missing, a test fails under CI=true, else skips."""
    path = shutil.which("pypy3")
    if path is None:
        message = "pypy3 is not installed (apt-get install -y pypy3)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def serve(tmp_path_factory: pytest.TempPathFactory, app: str, app_dir=None):
    options = ["--python", pypy(), "--workers", "1"]
    kwargs = {} if app_dir is None else {"app_dir": app_dir}
    server = Server(tmp_path_factory.mktemp("pypy") / "server.log", app=app, options=options, **kwargs).start()
    (worker,) = server.wait_for_workers(1)
    assert "pypy" in os.path.realpath(f"/proc/{worker}/exe"), os.path.realpath(f"/proc/{worker}/exe")
    return server


@pytest.fixture(scope="module")
def async_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = serve(tmp_path_factory, "e2e_app:app")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def sync_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = serve(tmp_path_factory, "hello:app", app_dir=ROOT / "examples")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def wsgi_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = serve(tmp_path_factory, "wsgi_pep3333_app:app")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def ws_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = serve(tmp_path_factory, "ws_echo_app:app")
    yield server
    stop_cleanly(server)


def test_sync_application(sync_server) -> None:
    assert httpx.get(sync_server.url + "/", timeout=10).text.startswith("Hello")


def test_async_application_streams_both_ways(async_server, tmp_path: Path) -> None:
    payload = os.urandom(4 * 1024 * 1024 + 1)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(payload)
    for framing in ([], ["-H", "Transfer-Encoding: chunked"]):
        done = curl([*framing, "--data-binary", f"@{upload}", async_server.url + "/echo"])
        assert done.returncode == 0, done.stderr
        assert hashlib.sha256(done.stdout).digest() == hashlib.sha256(payload).digest(), framing
    with httpx.stream("GET", async_server.url + "/stream?size=3000000&chunk=65536", timeout=30) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        assert sum(len(chunk) for chunk in response.iter_raw()) == 3_000_000


def test_wsgi_application_through_from_wsgi(wsgi_server, tmp_path: Path) -> None:
    payload = os.urandom(1024 * 1024 + 3)
    seen = httpx.post(wsgi_server.url + "/upload", content=payload, timeout=30).json()
    assert seen["size"] == len(payload) and seen["sha256"] == hashlib.sha256(payload).hexdigest()
    assert httpx.get(wsgi_server.url + "/write?tag=pypy", timeout=10).text == "w1,w2,w3,i1,w4,i2"
    assert httpx.get(wsgi_server.url + "/closed?tag=pypy", timeout=20).text == "closed"


@pytest.mark.parametrize("path", ["/", "/sync"])
def test_websocket_echo(ws_server, path: str) -> None:
    with connect(f"ws://127.0.0.1:{ws_server.port}{path}", open_timeout=10, close_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"
        ws.send(b"\x00\xffbinary" * 1000)
        assert ws.recv(timeout=10) == b"\x00\xffbinary" * 1000
