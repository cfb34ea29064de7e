"""WebSocket through `to_asgi` on every ASGI host, with async and sync sessions, driven by the
websockets library (HTTP/1.1) and by an RFC 8441 client on hypercorn's HTTP/2: echo, the
subprotocol, close codes, a session that raises, a refusal, completion outcomes."""
from __future__ import annotations

import time
from typing import Callable

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from conftest import KINDS, Certificate, Host
from h2_websocket import BINARY, CLOSE, TEXT, H2WebSocket


def _outcome(host: Host, key: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    with host.client() as client:
        while time.monotonic() < deadline:
            response = client.get(f"/outcome?id={key}")
            if response.status_code == 200:
                return response.text
            time.sleep(0.1)
    raise AssertionError(f"no outcome for {key}:\n{host.log_text()}")


def test_echo_with_a_subprotocol(host: Host) -> None:
    key = f"ws-echo-{host.name}-{host.kind}"
    with connect(f"{host.ws_url}/ws?id={key}", subprotocols=["other", "chat"]) as ws:
        assert ws.subprotocol == "chat"
        ws.send("héllo")
        assert ws.recv(timeout=10) == "héllo"
        ws.send(b"\x00\xffbinary")
        assert ws.recv(timeout=10) == b"\x00\xffbinary"
        big = "x" * 200_000
        ws.send(big)
        assert ws.recv(timeout=10) == big
    # The client closed with a handshake: the session ended normally. hypercorn reports any
    # close the client starts as websocket.disconnect with 1006 (its close code is lost), so
    # there the session sees a dropped connection.
    assert _outcome(host, key) == ("client-gone" if host.name == "hypercorn" else "completed")


def test_application_close_code_and_reason(host: Host) -> None:
    with connect(f"{host.ws_url}/ws") as ws:
        ws.send("close:4001")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    # daphne sends the code without the reason.
    assert ws.close_code == 4001 and ws.close_reason == ("" if host.name == "daphne" else "bye")


def test_session_that_raises_closes_with_1011(host: Host) -> None:
    key = f"ws-raise-{host.name}-{host.kind}"
    with connect(f"{host.ws_url}/ws?id={key}") as ws:
        ws.send("raise")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    assert ws.close_code == 1011
    assert _outcome(host, key) == "aborted"


def test_refusal_is_an_http_403(host: Host) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{host.ws_url}/ws-refuse", open_timeout=10)
    response = refused.value.response
    assert response.status_code == 403
    # With the denial extension (uvicorn, hypercorn, granian) the application's own body
    # goes out; daphne has none: the refusal is a close before accepting, which it answers
    # with a 403 of its own.
    if host.name != "daphne":
        assert response.body == b"no websocket here\n"


def test_ordinary_requests_still_served_after_sessions(host: Host) -> None:
    for _ in range(3):
        with connect(f"{host.ws_url}/ws") as ws:
            ws.send("ping")
            assert ws.recv(timeout=10) == "ping"
    assert httpx.get(host.url + "/caps", timeout=10).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_websocket_over_http2_with_hypercorn(
    start_host: Callable[..., Host], certificate: Certificate, kind: str
) -> None:
    host = start_host("hypercorn", kind, certificate)
    ws = H2WebSocket(host.port, "/ws", subprotocols=["chat"])
    try:
        assert ws.settings.get(0x8) == 1  # SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441)
        assert ws.status == 200 and ws.header(b"sec-websocket-protocol") == b"chat"
        ws.send(TEXT, "über h2".encode())
        assert ws.receive() == (TEXT, "über h2".encode())
        ws.send(BINARY, b"\x01\x02")
        assert ws.receive() == (BINARY, b"\x01\x02")
        ws.send(TEXT, b"close:4002")
        opcode, payload = ws.receive()
        assert opcode == CLOSE and payload == b"\x0f\xa2bye"
    finally:
        ws.close()
    # The application saw an HTTP/2 offer (transport "h2-connect") and served others after.
    refused = H2WebSocket(host.port, "/ws-refuse")
    try:
        assert refused.status == 403
    finally:
        refused.close()
