"""wsging.asgi.from_asgi for WebSocket offers (spec 15.4, 9): hand-written ASGI applications
driven by the in-process TestClient."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest

from wsging import WebSocketClosed
from wsging.asgi import from_asgi
from wsging.testing import TestClient

Scope = Dict[str, Any]


def served(app: Any) -> Any:
    async def no_lifespan(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)

    return from_asgi(no_lifespan)


async def echo(scope: Scope, receive: Any, send: Any) -> None:
    """Echoes text and bytes; closes with 4000 on "bye"; records the disconnect it receives."""
    assert (await receive())["type"] == "websocket.connect"
    chosen = scope["subprotocols"][0] if scope["subprotocols"] else None
    await send({"type": "websocket.accept", "subprotocol": chosen, "headers": [(b"x-session", b"1")]})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            DISCONNECTS.append(message)
            return
        if message.get("text") == "bye":
            await send({"type": "websocket.close", "code": 4000, "reason": "goodbye"})
            return
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": "echo:" + message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"][::-1]})


DISCONNECTS: List[Dict[str, Any]] = []


def test_websocket_scope() -> None:
    seen: List[Scope] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(scope)
        await echo(scope, receive, send)

    with TestClient(served(app)) as client:
        with client.websocket_connect("/chat?room=1", subprotocols=["v2", "v1"]) as ws:
            assert ws.accepted
    scope = seen[0]
    assert scope["type"] == "websocket" and scope["scheme"] == "ws"
    assert scope["path"] == "/chat" and scope["query_string"] == b"room=1"
    assert scope["subprotocols"] == ["v2", "v1"]
    assert scope["asgi"]["version"] == "3.0"
    assert "websocket.http.response" in scope["extensions"]
    assert (b"upgrade", b"websocket") in scope["headers"]
    assert scope["wsging.request"].websocket is not None


def test_echo_text_and_bytes_with_subprotocol_and_headers() -> None:
    with TestClient(served(echo)) as client:
        with client.websocket_connect("/", subprotocols=["chat"]) as ws:
            assert ws.subprotocol == "chat"
            assert ws.response.status == 101 and ws.response.headers.get("x-session") == "1"
            ws.send("hi")
            assert ws.receive() == "echo:hi"
            ws.send(b"\x01\x02\x03")
            assert ws.receive() == b"\x03\x02\x01"


def test_close_from_the_application_with_code_and_reason() -> None:
    with TestClient(served(echo)) as client:
        ws = client.websocket_connect("/")
        ws.send("bye")
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive()
    assert closed.value.code == 4000 and closed.value.reason == "goodbye"


def test_close_from_the_client_reaches_the_application() -> None:
    DISCONNECTS.clear()
    with TestClient(served(echo)) as client:
        ws = client.websocket_connect("/")
        ws.send("x")
        assert ws.receive() == "echo:x"
        ws.close(4001, "leaving")
        # The session ends when the application has returned.
        client.close()
    assert DISCONNECTS == [{"type": "websocket.disconnect", "code": 4001, "reason": "leaving"}]


def test_dropped_connection_is_1006() -> None:
    DISCONNECTS.clear()
    with TestClient(served(echo)) as client:
        ws = client.websocket_connect("/")
        ws.drop()
        client.close()
    assert DISCONNECTS[0]["code"] == 1006


def test_close_before_accept_is_403() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008})

    with TestClient(served(app)) as client:
        ws = client.websocket_connect("/")
    assert not ws.accepted and ws.response.status == 403


def test_denial_response_extension() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 401, "headers": [(b"www-authenticate", b"Bearer")]})
        await send({"type": "websocket.http.response.body", "body": b"log in ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"first"})

    with TestClient(served(app)) as client:
        ws = client.websocket_connect("/")
    assert not ws.accepted
    assert ws.response.status == 401 and ws.response.headers.get("www-authenticate") == "Bearer"
    assert ws.response.body == b"log in first"


def test_error_before_accept_is_500() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise ValueError("no")

    with TestClient(served(app), raise_server_exceptions=False) as client:
        ws = client.websocket_connect("/")
    assert not ws.accepted and ws.response.status == 500


def test_error_in_the_session_closes_with_1011() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise RuntimeError("session failure")

    with TestClient(served(app), raise_server_exceptions=False) as client:
        ws = client.websocket_connect("/")
        ws.send("boom")
        with pytest.raises(WebSocketClosed) as closed:
            ws.receive()
    assert closed.value.code == 1011


def test_send_after_the_client_closed_raises_an_oserror() -> None:
    raised: List[BaseException] = []
    finished = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        assert (await receive())["type"] == "websocket.disconnect"
        try:
            await send({"type": "websocket.send", "text": "late"})
        except OSError as exc:
            raised.append(exc)
        finished.set()

    with TestClient(served(app)) as client:
        ws = client.websocket_connect("/")
        ws.close()
        assert finished.wait(10)
    assert len(raised) == 1


def test_receive_waiting_in_another_task_before_the_accept() -> None:
    # Quart reads its messages in a task of its own, started before the handler accepts.
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        import asyncio

        assert (await receive())["type"] == "websocket.connect"
        reader = asyncio.ensure_future(receive())
        await asyncio.sleep(0)  # the reader waits before the accept is sent
        await send({"type": "websocket.accept"})
        message = await reader
        await send({"type": "websocket.send", "text": "got " + message["text"]})

    with TestClient(served(app)) as client:
        with client.websocket_connect("/") as ws:
            ws.send("early")
            assert ws.receive() == "got early"
