"""SIGTERM lets in-flight requests finish, then the server exits 0 (graceful shutdown)."""
from __future__ import annotations

import re
import signal
import socket
import threading
from typing import Dict, Tuple

import httpx
import pytest

from e2e_server import wait_for


def slow_request_in_flight(server, ms: int) -> Tuple[threading.Thread, Dict[str, object]]:
    """Starts GET /slow?ms=MS in a thread and returns once the app runs it: the thread, and
    where it leaves its "response" or "error"."""
    outcome: Dict[str, object] = {}

    def slow_request() -> None:
        try:
            outcome["response"] = httpx.get(f"{server.url}/slow?ms={ms}", timeout=30)
        except httpx.HTTPError as error:
            outcome["error"] = error

    client = threading.Thread(target=slow_request, daemon=True)
    client.start()
    wait_for("the slow request to reach the app",
             lambda: httpx.get(server.url + "/inflight", timeout=10).text == "1", timeout=15)
    return client, outcome


def test_sigterm_lets_the_in_flight_request_finish(start_server) -> None:
    server = start_server(options=["--graceful-timeout", "20"])
    client, outcome = slow_request_in_flight(server, 2000)

    server.signal(signal.SIGTERM)

    client.join(30)
    response = outcome.get("response")
    assert response is not None and (response.status_code, response.text) == (200, "slept"), outcome
    status = server.wait(30)
    assert status == 0, server.log()


@pytest.mark.parametrize("round_", range(3))  # the race is timing-bound: three tries at it
def test_sigterm_never_resets_a_busy_keep_alive_client(start_server, round_: int) -> None:
    """Eight keep-alive clients sending request after request: at SIGTERM each request gets its
    response (with Connection: close when it was in flight) or, when it lost the race with the
    close, finds the connection ended (FIN: RFC 9112 §9.3.1 lets a client retry). A close with
    the client's next request unread in the kernel is a reset instead (RFC 9293 §3.6.1), which
    cost 3 of 8 such clients their connection with ECONNRESET."""
    server = start_server(options=["--graceful-timeout", "20"])
    request = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
    endings: Dict[int, str] = {}
    counts = [0] * 8

    def client(i: int) -> None:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
            while True:
                try:
                    conn.sendall(request)
                    data = b""
                    while not data.endswith(b"Hello, world!"):
                        chunk = conn.recv(65536)
                        if not chunk:
                            endings[i] = "eof" if not data else f"eof inside a response: {data!r}"
                            return
                        data += chunk
                except OSError as error:
                    endings[i] = repr(error)
                    return
                assert data.startswith(b"HTTP/1.1 200"), data
                counts[i] += 1
                if b"\r\nconnection: close\r\n" in data.lower():
                    endings[i] = "close"
                    return

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(8)]
    for thread in threads:
        thread.start()
    wait_for("every client to be busy", lambda: min(counts) >= 20, timeout=30)

    server.signal(signal.SIGTERM)

    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(endings) == list(range(8)), endings
    assert set(endings.values()) <= {"eof", "close"}, endings
    assert server.wait(30) == 0, server.log()


def test_requests_cut_off_by_the_graceful_timeout_are_logged(start_server) -> None:
    server = start_server(options=["--graceful-timeout", "1"])
    client, outcome = slow_request_in_flight(server, 20000)
    server.signal(signal.SIGTERM)
    assert server.wait(30) == 0, server.log()
    client.join(10)
    assert "error" in outcome, outcome
    log = server.log()
    match = re.search(r"^wsging: error: graceful timeout expired: dropped GET /slow\?ms=20000 from "
                      r"/127\.0\.0\.1:\d+ after (\d+\.\d) s \(no response sent\)$", log, re.M)
    assert match is not None, log
    assert 0.9 <= float(match.group(1)) < 10, match.group(0)
