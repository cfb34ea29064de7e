"""FileResponse bodies sent by the Java front end itself (A.2 FILE_RESPONSE, zero copy).

The worker names the file; the front end opens it, checks that it is still the file the worker
opened, and hands it to the socket. Both an async and a sync application serve
tests/e2e/apps/file_app.py's routes. That the front end, not the worker, sends the body shows
where it can be seen from outside: the Java process holds the file open during a download, and
a file replaced after the response was made is refused (500) instead of sent.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import struct
import subprocess
from pathlib import Path
from typing import Iterator, List

import httpx
import pytest

from conftest import require_tool
from curl_helpers import transfers
from e2e_http import RawConnection
from e2e_server import PeakMemory, Server, stop_cleanly, wait_for

SMALL = 50 * 1024
LARGE = 20 * 1024 * 1024
MAX_JAVA_GROWTH_MIB = 12  # far below LARGE: the file never passes through the heap or buffers


def write_random(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        left = size
        while left:
            piece = os.urandom(min(left, 1 << 20))
            digest.update(piece)
            out.write(piece)
            left -= len(piece)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("files")
    write_random(directory / "page.html", SMALL)
    write_random(directory / "big.bin", LARGE)
    return directory


def start(files: Path, app: str, log: Path) -> Server:
    return Server(log, app=f"file_app:{app}", options=["--access-log"],
                  env={"WSGING_E2E_FILES": str(files)}).start()


@pytest.fixture(scope="module")
def async_server(server_built: None, files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(files, "app", tmp_path_factory.mktemp("file-async") / "server.log")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def sync_server(server_built: None, files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(files, "sync_app", tmp_path_factory.mktemp("file-sync") / "server.log")
    yield server
    stop_cleanly(server)


@pytest.fixture(params=["async", "sync"])
def server(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue(f"{request.param}_server")


def open_files(pid: int, directory: Path) -> List[str]:
    """The files under `directory` that process `pid` holds open."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed while listing
        if target.startswith(f"{directory}/"):
            found.append(target)
    return found


def descriptor_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fresh_copy(files: Path, name: str) -> str:
    """A private copy of page.html for a test that changes it."""
    shutil.copyfile(files / "page.html", files / name)
    return name


def test_file_is_served_byte_identical_with_its_length_and_type(server: Server, files: Path) -> None:
    response = httpx.get(f"{server.url}/file", params={"name": "page.html"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-length"] == str(SMALL)
    assert response.headers["content-type"] == "text/html"
    assert sha256(response.content) == sha256((files / "page.html").read_bytes())
    line = f'"GET /file?name=page.html HTTP/1.1" 200 {SMALL} '
    wait_for("the access-log line", lambda: line in server.log(), 10)


def test_large_file_with_flat_java_memory(server: Server, files: Path) -> None:
    args = [require_tool("curl"), "-sS", "--fail", "--max-time", "60", f"{server.url}/file?name=big.bin"]
    expected = sha256((files / "big.bin").read_bytes())
    # The first download warms the server up (classes loaded, code compiled); the second is measured.
    for _ in range(2):
        with PeakMemory(server.pid) as memory:
            done = subprocess.run(args, capture_output=True, timeout=90)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert len(done.stdout) == LARGE
        assert sha256(done.stdout) == expected
    assert memory.growth_mib < MAX_JAVA_GROWTH_MIB, f"java grew by {memory.growth_mib:.1f} MiB"


def test_head_gets_the_length_without_a_body_and_the_connection_goes_on(server: Server) -> None:
    with RawConnection(server.port) as conn:
        conn.send(
            b"HEAD /file?name=page.html HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /file?name=page.html HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        head = conn.read_response(no_body=True)
        assert head.status == 200
        assert head.header("content-length") == str(SMALL)
        get = conn.read_response()
        assert get.status == 200 and len(get.body) == SMALL
        assert conn.buffer == b"", "HEAD sent body bytes"


def test_keep_alive_after_a_file_response(server: Server, files: Path) -> None:
    url = f"{server.url}/file?name=page.html"
    found, log = transfers([url, url, f"{server.url}/pid"])
    assert [(status, connects) for _, status, connects in found] == [(200, 1), (200, 0), (200, 0)], log
    assert found[0][0] == found[1][0] == (files / "page.html").read_bytes()


def test_http10_client_gets_the_file_with_content_length(server: Server, files: Path) -> None:
    with RawConnection(server.port) as conn:
        conn.send(b"GET /file?name=page.html HTTP/1.0\r\n\r\n")
        response = conn.read_response()
        assert response.status == 200
        assert response.header("content-length") == str(SMALL)
        assert response.body == (files / "page.html").read_bytes()
        assert conn.closed_by_peer()


@pytest.mark.parametrize("change", ["replace", "truncate", "delete"])
def test_a_file_changed_after_the_response_was_made_is_a_500_and_the_server_goes_on(
    server: Server, files: Path, change: str, request: pytest.FixtureRequest
) -> None:
    name = fresh_copy(files, f"changed-{change}-{request.node.callspec.id}.html")
    response = httpx.get(f"{server.url}/file-then-{change}", params={"name": name}, timeout=30)
    assert response.status_code == 500
    assert name not in response.text, "the path is for the log, not the client"
    assert b"replaced content" not in response.content
    wait_for("the error naming the file", lambda: f"{files / name}" in server.log(), 10)
    assert open_files(server.pid, files) == []
    again = httpx.get(f"{server.url}/file", params={"name": "page.html"}, timeout=30)
    assert again.status_code == 200 and len(again.content) == SMALL


def abort_mid_download(port: int) -> None:
    """Starts downloading big.bin slowly, reads a little of it, then resets the connection."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # the server blocks soon
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    try:
        sock.sendall(b"GET /file?name=big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        received = 0
        while received < 100_000:
            data = sock.recv(16384)
            assert data, "closed before the body"
            received += len(data)
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        sock.close()


def test_the_front_end_holds_the_file_while_sending_and_closes_it_when_the_client_aborts(
    server: Server, files: Path
) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    try:
        sock.sendall(b"GET /file?name=big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        # The client reads no further: the body waits in Java as an open file, not as bytes.
        holding = wait_for("java to hold big.bin open", lambda: open_files(server.pid, files), 10)
        assert holding == [str(files / "big.bin")]
        for worker in server.worker_pids():
            assert open_files(worker, files) == [], "the worker closed its file at once"
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    wait_for("java to close big.bin", lambda: open_files(server.pid, files) == [], 10)


def test_no_descriptor_leaks_after_many_responses_and_aborted_downloads(server: Server, files: Path) -> None:
    with httpx.Client(timeout=30) as client:
        assert client.get(f"{server.url}/file", params={"name": "page.html"}).status_code == 200
    before = descriptor_count(server.pid)
    with httpx.Client(timeout=30) as client:
        for _ in range(200):
            response = client.get(f"{server.url}/file", params={"name": "page.html"})
            assert response.status_code == 200 and len(response.content) == SMALL
        for _ in range(20):
            assert client.head(f"{server.url}/file", params={"name": "page.html"}).status_code == 200
    for _ in range(5):
        abort_mid_download(server.port)
    wait_for("no file left open", lambda: open_files(server.pid, files) == [], 10)
    wait_for(
        f"the descriptor count to return to {before}",
        lambda: descriptor_count(server.pid) <= before,
        15,
    )
    again = httpx.get(f"{server.url}/file", params={"name": "big.bin"}, timeout=60)
    assert again.status_code == 200 and len(again.content) == LARGE


def test_sigterm_lets_a_file_download_in_progress_finish(server_built: None, files: Path, tmp_path: Path) -> None:
    server = start(files, "app", tmp_path / "server.log")
    try:
        with RawConnection(server.port, timeout=30, rcvbuf=16384) as conn:
            conn.send(b"GET /file?name=big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            response = conn.read_head()
            # The worker is done with it: only the front end's writing of the file is in flight.
            wait_for("java to hold big.bin open", lambda: open_files(server.pid, files), 10)
            server.signal(signal.SIGTERM)
            digest = hashlib.sha256()
            conn.read_body(response, sink=digest.update)
            assert response.body_length == LARGE
            assert digest.hexdigest() == sha256((files / "big.bin").read_bytes())
            assert response.header("connection") is None or conn.closed_by_peer()
        assert server.wait(30) == 0, server.log()
    finally:
        stop_cleanly(server)
