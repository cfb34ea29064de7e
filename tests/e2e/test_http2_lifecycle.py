"""A client's RST_STREAM ends that request's work on HTTP/2 as a closed connection does on
HTTP/1.1 (spec 8.3, 11.1): an async application is cancelled; a sync one sees
`request.disconnected`, a failing body read and a closed body generator; the connection's other
streams go on. The same routes as the HTTP/1.1 lifecycle tests (apps/lifecycle_app.py)."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator, Tuple

import pytest

from e2e_outcomes import wait_for_outcome
from e2e_server import Server, stop_cleanly
from h2_client import H2Client

CANCEL = 0x8

MODES = {
    "pool": ("lifecycle_app:sync_app", ["--threads", "4"]),
    "inline-sync": ("lifecycle_app:sync_app", ["--inline-sync"]),
    "async": ("lifecycle_app:async_app", []),
}


def new_tag() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(params=list(MODES))
def mode_server(request, server_built: None, tmp_path: Path) -> Iterator[Tuple[str, Server]]:
    app, options = MODES[request.param]
    server = Server(tmp_path / "server.log", app=app, options=["--workers", "1", *options]).start()
    yield request.param, server
    stop_cleanly(server)


def test_a_reset_stream_closes_its_endless_body_and_tells_the_completion_callback(mode_server) -> None:
    _, server = mode_server
    tag = new_tag()
    with H2Client(server.port, timeout=20) as client:
        endless = client.request(f"/complete?body=endless&tag={tag}")
        client.wait("the endless response's head", lambda: client.streams[endless].headers is not None)
        client.reset(endless, CANCEL)
        wait_for_outcome(server.port, tag, f"client-gone in context of {tag}")
        # The connection is still good for other streams.
        after = client.request("/")
        record = client.response(after)
        assert (record.status, bytes(record.data)) == (200, b"Hello, world!")


@pytest.mark.parametrize("mode_server", ["pool", "inline-sync"], indirect=True)
def test_a_reset_during_a_sync_body_read_raises_client_disconnected(mode_server) -> None:
    """(An async read is reset in test_http2_flow.py.)"""
    _, server = mode_server
    tag = new_tag()
    with H2Client(server.port, timeout=20) as client:
        stream = client.request(f"/read-body?tag={tag}", method="POST", body=b"part of it", end_stream=False)
        wait_for_outcome(server.port, tag, "reading")
        client.reset(stream, CANCEL)
        wait_for_outcome(server.port, tag, "ClientDisconnected")
        assert client.get("/").status == 200


def test_sync_work_sees_disconnected_after_a_reset(server_built: None, tmp_path: Path) -> None:
    server = Server(tmp_path / "server.log", app="lifecycle_app:sync_app", options=["--workers", "1"]).start()
    try:
        tag = new_tag()
        with H2Client(server.port, timeout=20) as client:
            polling = client.request(f"/poll-disconnected?tag={tag}")
            wait_for_outcome(server.port, tag, "polling")
            client.reset(polling, CANCEL)
            wait_for_outcome(server.port, tag, "saw disconnected")
            assert client.get("/").status == 200
    finally:
        stop_cleanly(server)


def test_an_async_application_awaiting_is_cancelled_by_a_reset(server_built: None, tmp_path: Path) -> None:
    server = Server(tmp_path / "server.log", app="lifecycle_app:async_app", options=["--workers", "1"]).start()
    try:
        tag = new_tag()
        with H2Client(server.port, timeout=20) as client:
            sleeping = client.request(f"/sleep?tag={tag}")
            wait_for_outcome(server.port, tag, "sleeping")
            client.reset(sleeping, CANCEL)
            wait_for_outcome(server.port, tag, "CancelledError", timeout=5)
            assert client.get("/").status == 200
    finally:
        stop_cleanly(server)
