"""SIGTERM lets in-flight requests finish, then the server exits 0 (graceful shutdown)."""
from __future__ import annotations

import signal
import threading
from typing import Dict

import httpx

from e2e_server import wait_for


def test_sigterm_lets_the_in_flight_request_finish(start_server) -> None:
    server = start_server(options=["--graceful-timeout", "20"])
    outcome: Dict[str, object] = {}

    def slow_request() -> None:
        try:
            outcome["response"] = httpx.get(server.url + "/slow?ms=2000", timeout=30)
        except httpx.HTTPError as error:
            outcome["error"] = error

    client = threading.Thread(target=slow_request, daemon=True)
    client.start()
    wait_for("the slow request to reach the app",
             lambda: httpx.get(server.url + "/inflight", timeout=10).text == "1", timeout=15)

    server.signal(signal.SIGTERM)

    client.join(30)
    response = outcome.get("response")
    assert response is not None and (response.status_code, response.text) == (200, "slept"), outcome
    status = server.wait(30)
    assert status == 0, server.log()
