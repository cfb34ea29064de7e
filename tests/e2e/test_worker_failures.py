"""A worker that dies, hangs or whose app raises costs at most its own requests."""
from __future__ import annotations

import os
import signal
import threading
import time
from typing import Dict

import httpx
import pytest

from e2e_server import Server, stop_cleanly, wait_for

FAILURE_MARKER = "e2e-app-failure-marker"  # what apps/e2e_app.py's /raise raises


@pytest.fixture(scope="module")
def fragile_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    """One worker and a short --worker-timeout, so a hung worker is found within seconds."""
    server = Server(tmp_path_factory.mktemp("fragile") / "server.log",
                    options=["--workers", "1", "--worker-timeout", "2"]).start()
    yield server
    stop_cleanly(server)


def get(server: Server, path: str, timeout: float = 30) -> httpx.Response:
    return httpx.get(server.url + path, timeout=timeout)


class LogSince:
    """The server log written after this point: a shared server's log holds the lines of the
    tests before, which must not satisfy this test's checks."""

    def __init__(self, server: Server) -> None:
        self.path = server.log_path
        self.offset = self.path.stat().st_size

    def text(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            return log.read().decode("utf-8", "replace")

    def wait_for(self, what: str, *needles: str, timeout: float = 10) -> str:
        """The new part of the log once it holds every needle."""
        return wait_for(what, lambda: (lambda t: t if all(n in t for n in needles) else None)(self.text()), timeout)


def in_background(server: Server, path: str) -> Dict[str, object]:
    """Sends one request from a thread; the returned dict gets `response` or `error`, then `done`."""
    outcome: Dict[str, object] = {"done": threading.Event()}

    def run() -> None:
        try:
            outcome["response"] = get(server, path)
        except httpx.HTTPError as error:
            outcome["error"] = error
        finally:
            outcome["done"].set()  # type: ignore[attr-defined]

    threading.Thread(target=run, daemon=True).start()
    return outcome


def test_killed_worker_fails_only_its_in_flight_request(fragile_server) -> None:
    (victim,) = fragile_server.wait_for_workers(1)
    assert get(fragile_server, "/pid").text == str(victim)
    slow = in_background(fragile_server, "/slow?ms=60000")
    wait_for("the slow request to reach the app", lambda: get(fragile_server, "/inflight").text == "1", timeout=15)

    os.kill(victim, signal.SIGKILL)

    assert slow["done"].wait(15), "the in-flight request was never answered"  # type: ignore[attr-defined]
    # Spec A.7: a stream whose worker died before its response head gets 502.
    response = slow.get("response")
    assert response is not None and response.status_code == 502, slow
    # The next requests succeed, on a new worker.
    pids = {get(fragile_server, "/pid").text for _ in range(5)}
    assert victim not in [int(pid) for pid in pids]
    (replacement,) = fragile_server.wait_for_workers(1, exclude=[victim])
    assert pids == {str(replacement)}


def test_hung_worker_is_killed_and_its_request_gets_504(fragile_server) -> None:
    (hung,) = fragile_server.wait_for_workers(1)
    started = time.monotonic()
    response = get(fragile_server, "/hang?seconds=120", timeout=60)
    waited = time.monotonic() - started
    assert response.status_code == 504
    assert waited >= 2, f"answered after {waited:.1f} s, before --worker-timeout 2 could expire"
    assert waited < 30, f"a worker silent past --worker-timeout 2 took {waited:.1f} s to be replaced"
    (replacement,) = fragile_server.wait_for_workers(1, exclude=[hung])
    assert get(fragile_server, "/pid").text == str(replacement)
    wait_for("the hung worker to be gone", lambda: not os.path.exists(f"/proc/{hung}"), timeout=15)


def test_app_error_is_500_without_traceback(main_server) -> None:
    log = LogSince(main_server)
    response = get(main_server, "/raise")
    assert response.status_code == 500
    assert "Traceback" not in response.text and FAILURE_MARKER not in response.text, response.text
    # The traceback goes to the log instead.
    log.wait_for("the traceback in the server log", "Traceback (most recent call last)", FAILURE_MARKER)
    assert get(main_server, "/").text == "Hello, world!"


def test_app_error_before_the_head_is_a_plain_500_and_its_traceback_goes_to_the_log(main_server) -> None:
    # MUST-ERR-1: exactly the plain 500, nothing of the exception on the wire; the traceback,
    # with its frames, in the log.
    from e2e_http import exchange

    log = LogSince(main_server)
    response = exchange(main_server.port, b"GET /raise HTTP/1.1\r\nHost: e2e\r\n\r\n")
    assert response.status == 500, response
    assert response.header("content-type") == "text/plain; charset=utf-8"
    assert response.body == b"Internal Server Error", response.body
    written = log.wait_for("the traceback in the server log", "error in application for GET /raise",
                           "Traceback (most recent call last)", FAILURE_MARKER)
    # The frames of the application are there, down to the line that raised.
    assert 'e2e_app.py", line' in written and "in fail" in written, written


def test_app_error_with_debug_shows_the_traceback(limits_server) -> None:
    response = get(limits_server, "/raise")
    assert response.status_code == 500
    assert "Traceback" in response.text and FAILURE_MARKER in response.text, response.text


def test_app_error_after_the_head_ends_the_response_without_its_final_chunk(main_server) -> None:
    from e2e_http import RawConnection

    log = LogSince(main_server)
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /fail-mid-body HTTP/1.1\r\nHost: e2e\r\n\r\n")
        head = conn.read_head()
        assert (head.status, head.header("transfer-encoding")) == (200, "chunked")
        # A truncated body must never look complete: the connection ends before the last chunk.
        with pytest.raises(ConnectionError):
            conn.read_body(head)
    log.wait_for("the traceback in the server log",
                 "error in application after the response head for GET /fail-mid-body", FAILURE_MARKER)
    assert get(main_server, "/").text == "Hello, world!"


@pytest.mark.parametrize("kind", ["value", "name"])
def test_invalid_head_made_behind_the_api_never_reaches_the_wire(main_server, kind: str) -> None:
    from e2e_http import RawConnection

    log = LogSince(main_server)
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /bad-head?kind=" + kind.encode() + b" HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n\r\n")
        wire = b""
        while True:
            data = conn.sock.recv(65536)
            if not data:
                break
            wire += data
    status_line = wire.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 500 "), wire
    assert b"x-smuggled" not in wire.lower() and b"bad name" not in wire.lower(), wire
    assert b"must not be sent" not in wire, wire
    log.wait_for("the reason in the server log", "invalid response head")
    assert get(main_server, "/").text == "Hello, world!"
