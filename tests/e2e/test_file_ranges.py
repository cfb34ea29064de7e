"""Parts of files, Range and conditional requests, and explicit content types, through the real
server (tests/e2e/apps/file_range_app.py), driven by curl and raw sockets.

`FileResponse(path, offset=, length=)` names a slice that the Java front end sends with sendfile
(A.2 FILE_RESPONSE carries the offset and length); `wsging.file_response(request, path)` turns
Range, If-Range, If-None-Match and If-Modified-Since into 206, 416 and 304 as RFC 9110 asks.
"""
from __future__ import annotations

import os
import re
import socket
import struct
from email.utils import formatdate
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from curl_helpers import curl
from e2e_http import RawConnection
from e2e_server import FRAMEWORKS_PYTHON, Server, stop_cleanly, wait_for

SIZE = 100_000
LARGE = 20 * 1024 * 1024
MTIME = 1_700_000_000  # a fixed past modification time: dates in the tests are exact


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ranges")
    (directory / "page.html").write_bytes(os.urandom(SIZE))
    with open(directory / "big.bin", "wb") as out:
        for _ in range(LARGE // (1 << 20)):
            out.write(os.urandom(1 << 20))
    (directory / "empty.txt").write_bytes(b"")
    for name in ("page.html", "big.bin", "empty.txt"):
        os.utime(directory / name, (MTIME, MTIME))
    return directory


def start(files: Path, app: str, log: Path) -> Server:
    return Server(log, app=f"file_range_app:{app}", env={"WSGING_E2E_FILES": str(files)},
                  python=FRAMEWORKS_PYTHON).start()


@pytest.fixture(scope="module")
def async_server(server_built: None, files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(files, "app", tmp_path_factory.mktemp("ranges-async") / "server.log")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def sync_server(server_built: None, files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(files, "sync_app", tmp_path_factory.mktemp("ranges-sync") / "server.log")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def flask_server(server_built: None, files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(files, "flask_app", tmp_path_factory.mktemp("ranges-flask") / "server.log")
    yield server
    stop_cleanly(server)


@pytest.fixture(params=["async", "sync"])
def server(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue(f"{request.param}_server")


class Reply:
    def __init__(self, status: int, headers: Dict[str, List[str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str:
        values = self.headers.get(name, [])
        assert len(values) == 1, f"{name}: {values}"
        return values[0]

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.headers}>"


def fetch(url: str, *args: str) -> Reply:
    """One transfer with curl: status, headers (lower-case names) and the body as received."""
    done = curl(["-i", *args, url])
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: Dict[str, List[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return Reply(status, headers, body)


def open_files(pid: int, directory: Path) -> List[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(f"{directory}/"):
            found.append(target)
    return found


# -- FileResponse(path, offset=, length=) --------------------------------------------------


@pytest.mark.parametrize("offset, length", [(0, 100), (12_345, 6_789), (SIZE - 10, 10), (SIZE, 0), (500, None)])
def test_a_slice_is_exactly_its_bytes(server: Server, files: Path, offset: int, length: int) -> None:
    data = (files / "page.html").read_bytes()
    query = f"name=page.html&offset={offset}" + ("" if length is None else f"&length={length}")
    reply = fetch(f"{server.url}/slice?{query}")
    expected = data[offset:] if length is None else data[offset : offset + length]
    assert reply.status == 200
    assert reply.header("content-length") == str(len(expected))
    assert reply.body == expected


def test_a_slice_of_a_large_file_is_sent_by_the_front_end(async_server: Server, files: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", async_server.port))
    try:
        offset, length = 1_000_001, LARGE - 2_000_000
        sock.sendall(f"GET /slice?name=big.bin&offset={offset}&length={length} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        head = sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert f"content-length: {length}\r\n".encode() in head.lower()
        # The client reads no further: the slice waits in Java as an open file, not as bytes.
        holding = wait_for("java to hold big.bin open", lambda: open_files(async_server.pid, files), 10)
        assert holding == [str(files / "big.bin")]
        for worker in async_server.worker_pids():
            assert open_files(worker, files) == [], "the worker closed its file at once"
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    wait_for("java to close big.bin", lambda: open_files(async_server.pid, files) == [], 10)


def test_a_file_cut_short_of_its_slice_after_the_response_was_made_is_a_500(
    server: Server, files: Path, request: pytest.FixtureRequest
) -> None:
    name = f"cut-{request.node.callspec.id}.bin"
    (files / name).write_bytes((files / "page.html").read_bytes())
    reply = fetch(f"{server.url}/slice-then-truncate?name={name}&offset=1000&length=5000")
    assert reply.status == 500
    assert reply.body != (files / "page.html").read_bytes()[1000:6000]
    wait_for("the error naming the file", lambda: str(files / name) in server.log(), 10)
    again = fetch(f"{server.url}/slice?name=page.html&offset=1&length=2")
    assert again.status == 200 and again.body == (files / "page.html").read_bytes()[1:3]


def test_a_file_replaced_after_its_slice_was_made_is_a_500(
    server: Server, files: Path, request: pytest.FixtureRequest
) -> None:
    # The worker names the file the slice opened (device, inode), not the one the path names
    # when the response is handed over, so the front end refuses the replacement (MUST-FILE-2).
    name = f"replaced-{request.node.callspec.id}.bin"
    (files / name).write_bytes((files / "page.html").read_bytes())
    reply = fetch(f"{server.url}/slice-then-replace?name={name}&offset=1000&length=5000")
    assert reply.status == 500
    assert b"replaced content" not in reply.body
    wait_for("the error naming the file", lambda: str(files / name) in server.log(), 10)
    again = fetch(f"{server.url}/slice?name=page.html&offset=1&length=2")
    assert again.status == 200 and again.body == (files / "page.html").read_bytes()[1:3]


def test_an_explicit_content_type_wins_over_the_guess(server: Server) -> None:
    reply = fetch(f"{server.url}/typed?name=page.html")
    assert reply.status == 200
    assert reply.header("content-type") == "application/x-explicit"


# -- file_response(request, path): Range -----------------------------------------------------


@pytest.mark.parametrize(
    "spec, start, end",
    [("0-99", 0, 99), ("99990-", 99990, SIZE - 1), ("-500", SIZE - 500, SIZE - 1), ("5000-9999999", 5000, SIZE - 1)],
)
def test_curl_range_gets_206_with_exactly_the_slice(server: Server, files: Path, spec: str, start: int, end: int) -> None:
    reply = fetch(f"{server.url}/file?name=page.html", "-r", spec)
    assert reply.status == 206
    assert reply.header("content-range") == f"bytes {start}-{end}/{SIZE}"
    assert reply.header("content-length") == str(end - start + 1)
    assert reply.header("content-type") == "text/html"
    assert reply.header("accept-ranges") == "bytes"
    assert reply.body == (files / "page.html").read_bytes()[start : end + 1]


def test_a_range_of_a_large_file_is_sent_by_the_front_end(async_server: Server, files: Path) -> None:
    with RawConnection(async_server.port, timeout=30, rcvbuf=16384) as conn:
        conn.send(b"GET /file?name=big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=1048576-\r\n\r\n")
        response = conn.read_head()
        assert response.status == 206
        assert response.header("content-range") == f"bytes 1048576-{LARGE - 1}/{LARGE}"
        wait_for("java to hold big.bin open", lambda: open_files(async_server.pid, files), 10)
        for worker in async_server.worker_pids():
            assert open_files(worker, files) == [], "the front end sends the range, not the worker"
        received = bytearray()
        conn.read_body(response, sink=received.extend)
        with open(files / "big.bin", "rb") as big:
            big.seek(1048576)
            assert bytes(received) == big.read()


def test_the_whole_file_says_it_accepts_ranges_and_carries_validators(server: Server, files: Path) -> None:
    reply = fetch(f"{server.url}/file?name=page.html")
    assert reply.status == 200
    assert reply.header("accept-ranges") == "bytes"
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', reply.header("etag"))
    assert reply.header("last-modified") == formatdate(MTIME, usegmt=True)
    assert reply.header("content-length") == str(SIZE)
    assert reply.body == (files / "page.html").read_bytes()


@pytest.mark.parametrize("spec", [f"{SIZE}-", f"{SIZE + 5}-{SIZE + 10}", "-0"])
def test_an_unsatisfiable_range_is_416_with_the_current_length(server: Server, spec: str) -> None:
    reply = fetch(f"{server.url}/file?name=page.html", "-H", f"Range: bytes={spec}")
    assert reply.status == 416
    assert reply.header("content-range") == f"bytes */{SIZE}"
    assert reply.body == b""


def test_a_range_of_an_empty_file_is_416(server: Server) -> None:
    reply = fetch(f"{server.url}/file?name=empty.txt", "-r", "0-")
    assert reply.status == 416
    assert reply.header("content-range") == "bytes */0"


@pytest.mark.parametrize("value", ["bytes=0-0,-1", "bytes=9-5", "items=0-5", "bytes=abc"])
def test_several_ranges_or_a_range_that_is_not_one_get_the_whole_file(server: Server, files: Path, value: str) -> None:
    reply = fetch(f"{server.url}/file?name=page.html", "-H", f"Range: {value}")
    assert reply.status == 200
    assert reply.body == (files / "page.html").read_bytes()


def test_head_with_a_range_gets_the_full_length_and_no_body_and_the_connection_goes_on(server: Server) -> None:
    with RawConnection(server.port) as conn:
        conn.send(
            b"HEAD /file?name=page.html HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n\r\n"
            b"GET /file?name=page.html HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\n\r\n"
        )
        head = conn.read_response(no_body=True)
        assert head.status == 200  # RFC 9110 section 14.2: ranges are defined for GET only
        assert head.header("content-length") == str(SIZE)
        assert head.header("accept-ranges") == "bytes"
        get = conn.read_response()
        assert get.status == 206 and len(get.body) == 10
        assert conn.buffer == b"", "HEAD sent body bytes"


# -- file_response(request, path): validators ------------------------------------------------


def etag_of(server: Server) -> str:
    return fetch(f"{server.url}/file?name=page.html", "-I").header("etag")


def test_if_none_match_with_the_etag_is_304_with_the_validators_and_no_body(server: Server) -> None:
    etag = etag_of(server)
    for value in (etag, f'"other", W/{etag}', "*"):
        reply = fetch(f"{server.url}/file?name=page.html", "-H", f"If-None-Match: {value}")
        assert reply.status == 304, value
        assert reply.body == b""
        assert reply.header("etag") == etag
        assert reply.header("last-modified") == formatdate(MTIME, usegmt=True)
        assert reply.header("cache-control") == "max-age=60"
        assert "x-extra" not in reply.headers and "content-type" not in reply.headers


def test_if_none_match_with_another_etag_is_200(server: Server, files: Path) -> None:
    reply = fetch(f"{server.url}/file?name=page.html", "-H", 'If-None-Match: "not-it"')
    assert reply.status == 200
    assert reply.body == (files / "page.html").read_bytes()


@pytest.mark.parametrize(
    "since, status",
    [(MTIME, 304), (MTIME + 3600, 304), (MTIME - 1, 200)],
)
def test_curl_z_if_modified_since(server: Server, since: int, status: int) -> None:
    reply = fetch(f"{server.url}/file?name=page.html", "-z", formatdate(since, usegmt=True))
    assert reply.status == status
    assert len(reply.body) == (0 if status == 304 else SIZE)


def test_if_none_match_takes_precedence_over_if_modified_since(server: Server) -> None:
    since = formatdate(MTIME + 3600, usegmt=True)
    reply = fetch(f"{server.url}/file?name=page.html", "-H", 'If-None-Match: "not-it"', "-H", f"If-Modified-Since: {since}")
    assert reply.status == 200


def test_if_match_that_fails_is_412(server: Server) -> None:
    etag = etag_of(server)
    assert fetch(f"{server.url}/file?name=page.html", "-H", 'If-Match: "not-it"').status == 412
    assert fetch(f"{server.url}/file?name=page.html", "-H", f"If-Match: {etag}").status == 200
    old = formatdate(MTIME - 10, usegmt=True)
    assert fetch(f"{server.url}/file?name=page.html", "-H", f"If-Unmodified-Since: {old}").status == 412


@pytest.mark.parametrize("matching", [True, False])
def test_if_range_with_an_etag_or_a_date(server: Server, files: Path, matching: bool) -> None:
    etag = etag_of(server)
    date = formatdate(MTIME if matching else MTIME - 1, usegmt=True)
    for validator in ((etag if matching else '"stale"'), date):
        reply = fetch(f"{server.url}/file?name=page.html", "-r", "10-19", "-H", f"If-Range: {validator}")
        if matching:
            assert reply.status == 206, validator
            assert reply.body == (files / "page.html").read_bytes()[10:20]
        else:
            assert reply.status == 200, validator
            assert len(reply.body) == SIZE


def test_if_range_with_a_weak_etag_never_matches(server: Server) -> None:
    etag = etag_of(server)
    reply = fetch(f"{server.url}/file?name=page.html", "-r", "10-19", "-H", f"If-Range: W/{etag}")
    assert reply.status == 200


# -- Flask's send_file through from_wsgi -----------------------------------------------------


def test_flask_send_file_keeps_its_mimetype_and_its_own_conditional_handling(flask_server: Server, files: Path) -> None:
    data = (files / "page.html").read_bytes()
    whole = fetch(f"{flask_server.url}/send?name=page.html")
    assert whole.status == 200
    assert whole.header("content-type") == "application/x-explicit"
    assert whole.body == data
    etag = whole.header("etag")
    cached = fetch(f"{flask_server.url}/send?name=page.html", "-H", f"If-None-Match: {etag}")
    assert cached.status == 304 and cached.body == b""
    part = fetch(f"{flask_server.url}/send?name=page.html", "-r", "100-199")
    assert part.status == 206
    assert part.header("content-range") == f"bytes 100-199/{SIZE}"
    assert part.header("content-type") == "application/x-explicit"
    assert part.body == data[100:200]
