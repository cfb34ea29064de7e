"""PEP 3333 through the real server: a WSGI application checked by wsgiref's validator on every
request (apps/wsgi_pep3333_app.py), served through `from_wsgi`, driven by curl, httpx and raw
sockets (spec 15.2, 15.3)."""
from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import httpx
import pytest

from curl_helpers import curl
from e2e_server import Server, stop_cleanly

APP = "wsgi_pep3333_app:app"
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def pep_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = Server(tmp_path_factory.mktemp("pep3333") / "server.log", app=APP).start()
    yield server
    stop_cleanly(server)
    assert "without being closed" not in server.log()  # the validator's unclosed-iterable note
    assert "WSGIWarning" not in server.log()


def closed(server: Server, tag: str) -> str:
    return httpx.get(server.url + "/closed", params={"tag": tag}, timeout=20).text


def test_streamed_upload_with_content_length_and_chunked(pep_server, tmp_path: Path) -> None:
    payload = os.urandom(5 * 1024 * 1024 + 7)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(payload)
    expected = hashlib.sha256(payload).hexdigest()
    sized = httpx.post(pep_server.url + "/upload", content=payload, timeout=30).json()
    assert sized == {"size": len(payload), "sha256": expected, "content_length": str(len(payload))}
    # No Content-Length: wsgi.input_terminated says reading to the end is safe.
    for framing in (["-H", "Transfer-Encoding: chunked"], ["--http2-prior-knowledge"]):
        done = curl([*framing, "--data-binary", f"@{upload}", "-H", "Content-Length:",
                     pep_server.url + "/upload"])
        assert done.returncode == 0, done.stderr
        assert done.stdout == (b'{"size": %d, "sha256": "%s", "content_length": null}'
                               % (len(payload), expected.encode())), framing


def test_environ_of_a_chunked_request(pep_server) -> None:
    def body():
        yield b"a"
        yield b"b"

    environ = httpx.post(pep_server.url + "/environ?x=1", content=body(), timeout=10).json()
    assert environ["CONTENT_LENGTH"] is None and environ["wsgi.input_terminated"] is True
    assert environ["SCRIPT_NAME"] == "" and environ["PATH_INFO"] == "/environ"
    assert environ["QUERY_STRING"] == "x=1" and environ["SERVER_PROTOCOL"] == "HTTP/1.1"


def test_echo_streams_both_ways(pep_server, tmp_path: Path) -> None:
    payload = os.urandom(3 * 1024 * 1024)
    upload = tmp_path / "echo.bin"
    upload.write_bytes(payload)
    done = curl(["-H", "Transfer-Encoding: chunked", "--data-binary", f"@{upload}", pep_server.url + "/echo"])
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(done.stdout).digest() == hashlib.sha256(payload).digest()


def test_write_callable_before_and_between_the_iterables_chunks(pep_server) -> None:
    response = httpx.get(pep_server.url + "/write?tag=write", timeout=10)
    assert response.status_code == 200 and response.text == "w1,w2,w3,i1,w4,i2"
    assert closed(pep_server, "write") == "closed"


def test_streamed_response_arrives_whole_and_is_closed(pep_server) -> None:
    with httpx.stream("GET", pep_server.url + "/stream?tag=whole&n=40", timeout=30) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        data = response.read()
    assert data == b"".join((b"%08d" % i) * (CHUNK // 8) for i in range(40))
    assert closed(pep_server, "whole") == "closed"


def test_close_is_called_for_a_head_request(pep_server) -> None:
    response = httpx.head(pep_server.url + "/stream?tag=head&n=3", timeout=10)
    assert response.status_code == 200 and response.content == b""
    assert closed(pep_server, "head") == "closed"


def test_close_is_called_when_the_client_leaves_mid_body(pep_server) -> None:
    with socket.create_connection(("127.0.0.1", pep_server.port), timeout=10) as client:
        client.sendall(b"GET /stream?tag=gone HTTP/1.1\r\nHost: e2e\r\n\r\n")
        received = b""
        while len(received) < 4 * CHUNK:  # the body is endless: read some of it, then leave
            data = client.recv(CHUNK)
            assert data, "the server closed the connection"
            received += data
        assert received.startswith(b"HTTP/1.1 200")
    assert closed(pep_server, "gone") == "closed"


@pytest.mark.parametrize("route", ["fail-after-head", "fail-first"])
def test_close_is_called_when_the_application_fails(pep_server, route: str) -> None:
    done = curl(["-i", f"{pep_server.url}/{route}?tag={route}"], timeout=15)
    if route == "fail-first":  # before the head: an ordinary 500, without the error's text
        assert done.returncode == 0 and done.stdout.startswith(b"HTTP/1.1 500")
    else:  # after it: the response is cut short, which curl reports
        assert done.returncode != 0 and done.stdout.startswith(b"HTTP/1.1 200")
    assert b"marker" not in done.stdout and b"Traceback" not in done.stdout
    assert closed(pep_server, route) == "closed"
    assert httpx.get(pep_server.url + "/environ", timeout=10).status_code == 200


def _worker_read_bytes(server: Server) -> int:
    (worker,) = server.wait_for_workers(1)
    with open(f"/proc/{worker}/io") as io:
        fields = dict(line.split(": ") for line in io.read().splitlines())
    return int(fields["rchar"])


def test_file_wrapper_is_sent_by_the_server_not_read_by_the_worker(pep_server, tmp_path: Path) -> None:
    data = os.urandom(24 * 1024 * 1024)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    before = _worker_read_bytes(pep_server)
    response = httpx.get(pep_server.url + "/sendfile", params={"path": str(path)}, timeout=30)
    read = _worker_read_bytes(pep_server) - before
    assert response.status_code == 200 and response.headers["content-length"] == str(len(data))
    assert response.content == data
    # The worker handed the server the file (sendfile there); it did not read it (its link
    # traffic is a few KiB).
    assert read < len(data) // 8, read
    # Through the validator (a wrapped iterable, which hides the file) it is iterated instead.
    wrapped = httpx.get(pep_server.url + "/wrapped", params={"path": str(path)}, timeout=30)
    assert wrapped.status_code == 200 and wrapped.content == data


@pytest.fixture(scope="module")
def mounted_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = Server(tmp_path_factory.mktemp("pep3333-mounted") / "server.log", app=APP,
                    options=["--root-path", "/mount/"]).start()
    yield server
    stop_cleanly(server)


@pytest.mark.parametrize(
    ("path", "script_name", "path_info"),
    [("/mount/environ", "/mount", "/environ"), ("/mount", "/mount", ""),
     ("/mounted/environ", "", "/mounted/environ"), ("/elsewhere", "", "/elsewhere")],
)
def test_script_name_from_root_path(mounted_server, path: str, script_name: str, path_info: str) -> None:
    response = httpx.get(mounted_server.url + path, timeout=10)
    assert response.status_code == (200 if path_info == "/environ" else 404)
    assert (response.json()["SCRIPT_NAME"], response.json()["PATH_INFO"]) == (script_name, path_info)
