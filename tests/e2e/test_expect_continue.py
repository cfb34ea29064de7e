"""`Expect: 100-continue` on a request whose response is streamed (RFC 9110 §10.1.1): the client
gets `100 Continue` before the final head, so it sends its body at once instead of waiting."""
from __future__ import annotations

import time
from pathlib import Path

from curl_helpers import transfers
from e2e_http import RawConnection


def test_curl_upload_with_expectation_to_a_streamed_echo_does_not_wait(example_server, tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"0123456789abcdef" * 4096)  # 64 KiB
    url = example_server.url + "/echo"
    transfers(["--data-binary", "warm-up", url])  # the worker's first request pays for imports
    variants = (
        ["--data-binary", f"@{upload}", "-H", "Expect: 100-continue"],
        ["-T", str(upload), "-X", "POST", "-H", "Expect: 100-continue"],  # streamed from the file
    )
    for args in variants:
        started = time.monotonic()
        results, log = transfers([*args, url])
        elapsed = time.monotonic() - started
        # Without a 100 curl waits a full second before it sends the body; with it, a few ms.
        assert "Done waiting for 100-continue" not in log, log
        assert "HTTP/1.1 100 Continue" in log, log
        assert elapsed < 0.8, (args, elapsed, log)
        assert [(body, status) for body, status, _ in results] == [(upload.read_bytes(), 200)]


def test_100_continue_comes_before_the_streamed_final_head(example_server) -> None:
    with RawConnection(example_server.port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
            b"Connection: close\r\n\r\n"
        )
        # Nothing of the body is sent until the server says to go on.
        while b"\r\n\r\n" not in conn.buffer:
            assert conn._fill(), "closed before any answer"
        assert conn.buffer.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), conn.buffer[:200]
        conn.send(b"hello")
        while not conn.buffer.endswith(b"0\r\n\r\n"):
            assert conn._fill(), conn.buffer
        rest = conn.buffer[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
        assert rest.startswith(b"HTTP/1.1 200 OK\r\n"), rest[:200]
        assert rest.count(b"100 Continue") == 0
        assert rest.endswith(b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), rest
