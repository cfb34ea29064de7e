"""WSGI applications (a plain one and a Flask one) served by the real server through
`wsging.wsgi.from_wsgi` (spec 15), driven with curl and httpx."""
from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from conftest import require_tool
from e2e_server import FRAMEWORKS_PYTHON, Server, stop_cleanly, wait_for

FAILURE_MARKER = "wsgi-shim-failure-marker"  # what apps/wsgi_shim_app.py's /raise raises


@pytest.fixture(scope="module")
def wsgi_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = Server(tmp_path_factory.mktemp("wsgi") / "server.log", app="wsgi_shim_app:app",
                    options=["--workers", "1"]).start()
    yield server
    stop_cleanly(server)


def test_hello_through_the_shim_with_curl(wsgi_server) -> None:
    done = subprocess.run([require_tool("curl"), "-sS", "-i", "--max-time", "10", wsgi_server.url + "/"],
                          capture_output=True, timeout=20)
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"\r\ncontent-length: 13" in head.lower() and b"transfer-encoding" not in head.lower()
    assert body == b"Hello, world!"


def test_environ_from_the_real_server(wsgi_server) -> None:
    response = httpx.get(wsgi_server.url + "/environ?a=1", timeout=10,
                         headers=[("X_Forwarded_For", "6.6.6.6"), ("X-Forwarded-For", "10.0.0.1"),
                                  ("Cookie", "a=1"), ("Cookie", "b=2")])
    environ = response.json()
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1" and environ["REQUEST_METHOD"] == "GET"
    assert environ["QUERY_STRING"] == "a=1" and environ["REMOTE_ADDR"] == "127.0.0.1"
    assert environ["HTTP_HOST"] == f"127.0.0.1:{wsgi_server.port}"
    assert environ["HTTP_X_FORWARDED_FOR"] == "10.0.0.1"  # the "_" spelling is dropped
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["wsgi.url_scheme"] == "http"


def test_generator_body_streams_chunk_by_chunk(wsgi_server) -> None:
    with httpx.Client(timeout=30) as client:
        with client.stream("GET", wsgi_server.url + "/stream") as response:
            chunks = response.iter_raw()
            first = next(chunks)
            # The second chunk does not exist yet: the app waits for /release.
            assert first == b"first\n"
            assert httpx.get(wsgi_server.url + "/release", timeout=10).text == "released"
            rest = b"".join(chunks)
    assert rest == b"second\n"
    assert response.headers.get("transfer-encoding") == "chunked"


def test_upload_of_a_few_megabytes_is_echoed_intact(wsgi_server, tmp_path: Path) -> None:
    # The echo streams the body back while it arrives, so the client must read while it sends,
    # as curl does. A client that sends a whole large body before reading anything (httpx's
    # sync client) waits on a server that buffers only a bounded amount for a client that does
    # not read (spec 14.4): the two wait on each other until the send timeout ends it.
    payload = os.urandom(6 * 1024 * 1024 + 123)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(payload)
    expected = hashlib.sha256(payload).hexdigest()
    for framing in ([], ["-H", "Transfer-Encoding: chunked"]):
        done = subprocess.run(
            [require_tool("curl"), "-sS", "--max-time", "60", "--data-binary", f"@{upload}",
             "-H", "Content-Type: application/octet-stream", *framing, wsgi_server.url + "/echo"],
            capture_output=True, timeout=70)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert hashlib.sha256(done.stdout).hexdigest() == expected, framing


def test_app_error_is_500_without_traceback_and_the_server_stays_up(wsgi_server) -> None:
    response = httpx.get(wsgi_server.url + "/raise", timeout=10)
    assert response.status_code == 500
    assert "Traceback" not in response.text and FAILURE_MARKER not in response.text
    wait_for("the traceback in the server log", lambda: FAILURE_MARKER in wsgi_server.log(), timeout=10)
    assert httpx.get(wsgi_server.url + "/", timeout=10).text == "Hello, world!"


def test_file_wrapper_sends_a_whole_file_and_a_part_of_one(wsgi_server) -> None:
    source = (Path(__file__).parent / "apps" / "wsgi_shim_app.py").read_bytes()
    whole = httpx.get(wsgi_server.url + "/file", timeout=10)
    assert whole.content == source and whole.headers["content-length"] == str(len(source))
    part = httpx.get(wsgi_server.url + "/file-part", timeout=10)
    assert part.content == source[10:30] and part.headers["content-length"] == "20"


def test_concurrent_requests_are_served_by_the_thread_pool(wsgi_server) -> None:
    results = []

    def one() -> None:
        results.append(httpx.get(wsgi_server.url + "/", timeout=10).text)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == ["Hello, world!"] * 16


# -- Flask -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flask_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("flask")  # scripts/requirements-test.txt installs it into the test environment
    server = Server(tmp_path_factory.mktemp("flask") / "server.log", app="flask_shim_app:app",
                    options=["--workers", "1"], python=FRAMEWORKS_PYTHON).start()
    yield server
    stop_cleanly(server)


def test_flask_app_through_the_shim(flask_server) -> None:
    url = flask_server.url
    assert httpx.get(url + "/", timeout=10).text == "Hello from Flask!"
    greeting = httpx.get(url + "/json/caf%C3%A9?q=x%20y", headers={"User-Agent": "e2e"}, timeout=10)
    assert greeting.json() == {"name": "caf\u00e9", "q": "x y", "agent": "e2e"}
    payload = os.urandom(3 * 1024 * 1024)
    uploaded = httpx.post(url + "/upload", content=payload, timeout=30).json()
    assert uploaded == {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    assert httpx.get(url + "/stream", timeout=10).text == "".join(f"line {i}\n" for i in range(5))
    assert httpx.get(url + "/missing", timeout=10).status_code == 404
    head = httpx.head(url + "/", timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len("Hello from Flask!"))


def test_flask_error_is_500_without_traceback(flask_server) -> None:
    response = httpx.get(flask_server.url + "/fail", timeout=10)
    assert response.status_code == 500
    assert "flask-failure-marker" not in response.text and "Traceback" not in response.text
    wait_for("Flask's traceback in the server log", lambda: "flask-failure-marker" in flask_server.log(),
             timeout=10)
    assert httpx.get(flask_server.url + "/", timeout=10).status_code == 200
