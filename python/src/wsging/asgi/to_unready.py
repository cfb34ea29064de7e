"""The answer `to_asgi` gives while the application cannot serve: its lifespan, which the host
left to `to_asgi`, failed to enter (spec 11.4, MUST-LIFE-2). HTTP gets the 500 of spec 11.3;
a WebSocket offer the same 500 through the denial extension, or a close before acceptance,
which the host answers with 403."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping

from .to_response import INTERNAL_ERROR_BODY

__all__ = ["refuse_unready"]

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]

_HEAD = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", b"%d" % len(INTERNAL_ERROR_BODY)),
]


async def refuse_unready(scope: Mapping[str, Any], receive: Receive, send: Send) -> None:
    try:
        if scope.get("type") == "http":
            await send({"type": "http.response.start", "status": 500, "headers": _HEAD})
            await send({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})
            return
        if (await receive()).get("type") != "websocket.connect":
            return  # the client left first
        if "websocket.http.response" in (scope.get("extensions") or {}):
            await send({"type": "websocket.http.response.start", "status": 500, "headers": _HEAD})
            await send({"type": "websocket.http.response.body", "body": INTERNAL_ERROR_BODY})
        else:
            await send({"type": "websocket.close", "code": 1000})
    except OSError:
        pass  # ASGI 2.4: the client left while the answer went out
