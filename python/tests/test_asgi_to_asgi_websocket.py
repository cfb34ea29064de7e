"""`wsging.asgi.to_asgi` for WebSocket scopes, driven with hand-written ASGI events: the offer,
the acceptance, sync and async sessions, closes, refusals (spec 9, 15.4)."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, List

import pytest

from asgi_host import Host, run, websocket_scope
from wsging import Request, Response, WebSocketClosed
from wsging.asgi import to_asgi

CONNECT = {"type": "websocket.connect"}


def text(value: str) -> Any:
    return {"type": "websocket.receive", "text": value}


def binary(value: bytes) -> Any:
    return {"type": "websocket.receive", "bytes": value, "text": None}


def disconnect(code: int = 1000, reason: str = "") -> Any:
    return {"type": "websocket.disconnect", "code": code, "reason": reason}


async def echo(ws: Any) -> None:
    async for message in ws:
        await ws.send(message)


def sync_echo(ws: Any) -> None:
    assert threading.current_thread().name == "wsging-asgi-websocket"
    for message in ws:
        ws.send(message)


@pytest.mark.parametrize("session", [echo, sync_echo])
def test_accept_and_echo(session: Any) -> None:
    offers: List[Any] = []
    outcomes: List[str] = []

    def app(request: Request) -> Any:
        offers.append(request.websocket)
        request.on_complete(outcomes.append)
        assert request.capabilities.websocket and request.method == "GET"
        return request.websocket.accept(session, subprotocol="chat", headers={"x-hello": "1"})

    scope = websocket_scope(subprotocols=["chat", "v2"],
                            headers=[(b"sec-websocket-extensions", b"permessage-deflate")])
    host = run(Host(to_asgi(app), scope)
               .feed(CONNECT, text("héllo"), binary(b"\x00\x01"), disconnect(1000)).run())
    offer = offers[0]
    assert offer.subprotocols == ["chat", "v2"] and offer.transport == "h1-upgrade"
    assert offer.extensions == ["permessage-deflate"]
    assert host.sent[0] == {"type": "websocket.accept", "subprotocol": "chat",
                            "headers": [(b"x-hello", b"1")]}
    assert host.sent[1:] == [{"type": "websocket.send", "text": "héllo"},
                             {"type": "websocket.send", "bytes": b"\x00\x01"}]
    assert outcomes == ["completed"]


def test_http2_offer_transport() -> None:
    offers: List[Any] = []

    def app(request: Request) -> Any:
        offers.append(request.websocket)
        return Response("no", 403)

    scope = websocket_scope()
    scope["http_version"] = "2"
    run(Host(to_asgi(app), scope).feed(CONNECT).run())
    assert offers[0].transport == "h2-connect"


def test_session_close_code_and_what_the_session_sees() -> None:
    seen: List[Any] = []

    async def session(ws: Any) -> None:
        assert await ws.ping() is None  # ASGI has no ping
        await ws.send("bye", compress=False)  # compress is ignored
        await ws.close(4001, "done")
        seen.append((ws.close_code, ws.close_reason))
        try:
            await ws.send("after")
        except WebSocketClosed as exc:
            seen.append(exc.code)

    def app(request: Request) -> Any:
        return request.websocket.accept(session)

    host = run(Host(to_asgi(app), websocket_scope()).feed(CONNECT).run())
    assert host.sent[-1] == {"type": "websocket.close", "code": 4001, "reason": "done"}
    assert len(host.of("websocket.close")) == 1
    assert seen == [(4001, "done"), 4001]


def test_session_that_returns_closes_with_1000() -> None:
    def app(request: Request) -> Any:
        return request.websocket.accept(lambda ws: None)

    host = run(Host(to_asgi(app), websocket_scope()).feed(CONNECT).run())
    assert host.sent[-1] == {"type": "websocket.close", "code": 1000, "reason": ""}


@pytest.mark.parametrize("sync", [False, True])
def test_session_that_raises_closes_with_1011(sync: bool) -> None:
    outcomes: List[str] = []

    def broken(ws: Any) -> None:
        raise RuntimeError("session bug")

    async def abroken(ws: Any) -> None:
        raise RuntimeError("session bug")

    def app(request: Request) -> Any:
        request.on_complete(outcomes.append)
        return request.websocket.accept(broken if sync else abroken)

    host = run(Host(to_asgi(app), websocket_scope()).feed(CONNECT).run())
    assert host.sent[-1] == {"type": "websocket.close", "code": 1011, "reason": ""}
    assert outcomes == ["aborted"]


def test_client_drop_is_1006_and_client_gone() -> None:
    codes: List[Any] = []
    outcomes: List[str] = []

    async def session(ws: Any) -> None:
        try:
            await ws.receive()
        except WebSocketClosed as exc:
            codes.append((exc.code, ws.close_code))
            raise

    def app(request: Request) -> Any:
        request.on_complete(outcomes.append)
        return request.websocket.accept(session)

    host = run(Host(to_asgi(app), websocket_scope()).feed(CONNECT, disconnect(1006)).run())
    assert codes == [(1006, 1006)] and outcomes == ["client-gone"]
    assert host.of("websocket.close") == []  # nothing is sent to a closed connection


def test_receive_timeout_keeps_the_message_for_the_next_receive() -> None:
    got: List[Any] = []

    async def main() -> None:
        async def session(ws: Any) -> None:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.05)
            got.append(await ws.receive(timeout=5))

        def app(request: Request) -> Any:
            return request.websocket.accept(session)

        host = Host(to_asgi(app), websocket_scope()).feed(CONNECT).start()
        await asyncio.sleep(0.2)
        host.feed(text("late"))
        await host.run()

    run(main())
    assert got == ["late"]


def test_send_only_session_learns_the_client_left() -> None:
    codes: List[int] = []

    async def main() -> None:
        async def session(ws: Any) -> None:
            try:
                while True:
                    await ws.send("tick")
                    await asyncio.sleep(0.01)
            except WebSocketClosed as exc:
                codes.append(exc.code)

        def app(request: Request) -> Any:
            return request.websocket.accept(session)

        host = Host(to_asgi(app), websocket_scope()).feed(CONNECT).start()
        await host.wait_for("websocket.send", 3)
        host.feed(disconnect(1001, "going"))
        await host.run()

    run(main())
    assert codes == [1001]


def test_refusal_through_the_denial_extension() -> None:
    scope = websocket_scope(extensions={"websocket.http.response": {}})
    app = to_asgi(lambda request: Response("members only\n", 403, {"x-why": "login"}))
    host = run(Host(app, scope).feed(CONNECT).run())
    start = host.of("websocket.http.response.start")[0]
    assert start["status"] == 403 and dict(start["headers"])[b"x-why"] == b"login"
    body = b"".join(m.get("body", b"") for m in host.of("websocket.http.response.body"))
    assert body == b"members only\n"


class _Body:
    """A body that records whether it was pulled and closed."""

    def __init__(self) -> None:
        self.pulled = False
        self.closed = False

    def __iter__(self) -> "_Body":
        return self

    def __next__(self) -> bytes:
        self.pulled = True
        raise StopIteration

    def close(self) -> None:
        self.closed = True


def test_refusal_without_the_extension_is_a_close() -> None:
    body = _Body()
    host = run(Host(to_asgi(lambda request: Response(body, 403)), websocket_scope())
               .feed(CONNECT).run())
    # The host answers such a close with 403; the body is closed without being pulled.
    assert host.sent == [{"type": "websocket.close", "code": 1000}]
    assert body.closed and not body.pulled


def test_application_error_refuses_with_500() -> None:
    def app(request: Request) -> Any:
        raise ValueError("broken app")

    scope = websocket_scope(extensions={"websocket.http.response": {}})
    host = run(Host(to_asgi(app), scope).feed(CONNECT).run())
    assert host.of("websocket.http.response.start")[0]["status"] == 500
    body = b"".join(m.get("body", b"") for m in host.of("websocket.http.response.body"))
    assert b"broken" not in body


def test_acceptance_of_another_offer_is_refused() -> None:
    from wsging import WebSocketOffer

    def app(request: Request) -> Any:
        return WebSocketOffer().accept(echo)

    scope = websocket_scope(extensions={"websocket.http.response": {}})
    host = run(Host(to_asgi(app), scope).feed(CONNECT).run())
    assert host.of("websocket.http.response.start")[0]["status"] == 500
    assert host.of("websocket.accept") == []


def test_client_gone_before_connect() -> None:
    called: List[bool] = []
    app = to_asgi(lambda request: called.append(True))
    host = run(Host(app, websocket_scope()).feed(disconnect(1006)).run())
    assert host.sent == [] and called == []
