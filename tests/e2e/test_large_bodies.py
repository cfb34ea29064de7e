"""100 MB bodies go through with the worker's memory flat, and a slow reader stalls the app.

The worker's peak resident memory is read from /proc (it is a child of the java process); a
worker that buffered a body would grow by about its size, so growth must stay far below it.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path
from typing import Iterator, Tuple

import httpx
import pytest

from conftest import require_tool
from e2e_http import RawConnection
from e2e_server import PeakMemory, Server, wait_for

SIZE = 100 * 1024 * 1024
MAX_WORKER_GROWTH_MIB = 64
PIECE = 1024 * 1024


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, str]:
    """A 100 MB file of random bytes and its sha256."""
    path = tmp_path_factory.mktemp("payload") / "100MB.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(SIZE // PIECE):
            piece = os.urandom(PIECE)
            digest.update(piece)
            out.write(piece)
    return path, digest.hexdigest()


def the_worker(server: Server) -> int:
    (pid,) = server.wait_for_workers(1)
    return pid


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize("app", ["async e2e app", "sync example"])
def test_curl_upload_comes_back_from_echo_with_flat_worker_memory(request, payload, app, framing) -> None:
    server = request.getfixturevalue("main_server" if app.startswith("async") else "example_server")
    path, expected = payload
    args = [require_tool("curl"), "-sS", "--fail", "--max-time", "100", "--data-binary", f"@{path}",
            "-H", "Content-Type: application/octet-stream", "-H", "Expect:"]
    if framing == "chunked":
        args += ["-H", "Transfer-Encoding: chunked"]
    digest = hashlib.sha256()
    received = 0
    with PeakMemory(the_worker(server)) as memory:
        # curl sends and receives at once, so the echo streams both ways at the same time.
        curl = subprocess.Popen([*args, server.url + "/echo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            while True:
                piece = curl.stdout.read(PIECE)
                if not piece:
                    break
                digest.update(piece)
                received += len(piece)
            assert curl.wait(30) == 0, curl.stderr.read().decode(errors="replace")
        finally:
            if curl.poll() is None:
                curl.kill()
                curl.wait(10)
    assert received == SIZE
    assert digest.hexdigest() == expected
    assert memory.growth_mib < MAX_WORKER_GROWTH_MIB, f"worker grew by {memory.growth_mib:.1f} MiB"


def test_httpx_chunked_generator_upload_is_read_with_flat_worker_memory(main_server, payload) -> None:
    # httpx sends the whole body before it reads the response, so this upload goes to a route
    # that answers after reading (an echo would deadlock on any client that does that).
    path, expected = payload

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as source:
            while True:
                piece = source.read(PIECE)
                if not piece:
                    return
                yield piece

    with PeakMemory(the_worker(main_server)) as memory:
        response = httpx.post(main_server.url + "/sha256", content=chunks(), timeout=100)
    assert response.status_code == 200
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.text == f"{expected} {SIZE}"
    assert memory.growth_mib < MAX_WORKER_GROWTH_MIB, f"worker grew by {memory.growth_mib:.1f} MiB"


def test_slow_reader_makes_the_app_writer_wait(main_server) -> None:
    size, chunk = 64 * 1024 * 1024, 65536
    # What may legitimately sit between the app and this socket: the link windows (64 KiB
    # each way), the server's socket send buffer (at most tcp_wmem's 4 MiB by default) and
    # our small receive buffer. Anything near the whole body means nobody waited.
    bound = 16 * 1024 * 1024

    def streamed() -> int:
        return int(httpx.get(main_server.url + "/progress", timeout=10).text)

    with PeakMemory(the_worker(main_server)) as memory, RawConnection(main_server.port, timeout=30, rcvbuf=16384) as slow:
        slow.send(f"GET /stream?size={size}&chunk={chunk} HTTP/1.1\r\nHost: e2e\r\n\r\n".encode())
        head = slow.read_head()
        assert head.status == 200

        # Not reading: the producer must come to a stop well before the end of the body.
        readings = [streamed()]

        def stalled() -> bool:
            time.sleep(0.25)
            readings.append(streamed())
            return len(readings) >= 5 and len(set(readings[-5:])) == 1

        wait_for("the app's generator to stop producing", stalled, timeout=30, interval=0)
        assert 0 < readings[-1] <= bound, f"the app produced {readings[-1]} bytes for a client that read none"

        # Reading again lets it finish, and every byte arrives.
        slow.read_body(head, sink=lambda data: None)
    assert head.body_length == size
    assert streamed() == size
    assert memory.growth_mib < MAX_WORKER_GROWTH_MIB, f"worker grew by {memory.growth_mib:.1f} MiB"
