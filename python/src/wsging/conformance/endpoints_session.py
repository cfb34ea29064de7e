"""Endpoints about a request's life around its response: WebSocket offers, a client that
leaves, completion callbacks, push, the lifespan, and reading back what was recorded."""

from __future__ import annotations

import time
from typing import Any, Iterator

from ..api.response import Response
from . import records
from .replies import facts_of, json_reply, param

__all__ = ["ROUTES", "SUBPROTOCOL"]

SUBPROTOCOL = "conf.v2"  # chosen when offered
CLOSE_CODE, CLOSE_REASON = 4001, "conformance"


async def _async_session(ws: Any) -> None:
    async for message in ws:
        if message == "close":
            await ws.close(CLOSE_CODE, CLOSE_REASON)
            return
        await ws.send(message)


def _sync_session(ws: Any) -> None:
    for message in ws:
        if message == "close":
            ws.close(CLOSE_CODE, CLOSE_REASON)
            return
        ws.send(message)


def websocket(request: Any) -> Any:
    offer = request.websocket
    if offer is None:
        # Not an offer here: the fallback an application serves (spec 10.3).
        return json_reply(
            {"offer": False, "capability": request.capabilities.websocket},
            426, [("upgrade", "websocket")],
        )
    if param(request, "refuse"):
        return Response(b"refused by the application", 403, content_type="text/plain")
    session = _sync_session if param(request, "session") == "sync" else _async_session
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in offer.subprotocols else None
    return offer.accept(session, subprotocol=subprotocol)


def disconnect(request: Any) -> Response:
    """A slow stream whose client leaves: the host must stop pulling it and close it (7.4,
    11.1); what `disconnected` said then tells a notice (True) from a failed write (False)."""
    token = param(request, "token")

    def ticks() -> Iterator[bytes]:
        try:
            yield b"started\n"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.05)
                yield b"."
            records.record(token, ran_out=True)
        finally:
            records.record(token, closed=True, disconnected=request.disconnected)

    return Response(ticks(), content_type="text/plain")


def complete(request: Any) -> Response:
    token = param(request, "token")

    def done(outcome: str) -> None:
        records.record(token, outcome=outcome)

    request.on_complete(done)
    return Response(iter([b"complete;", b"soon"]), content_type="text/plain")


def recorded(request: Any) -> Response:
    """What was recorded under `token`, waiting up to `wait` seconds for `key`."""
    token = param(request, "token")
    key = param(request, "key")
    if key:
        records.wait_for(token, key, min(float(param(request, "wait", "0")), 10.0))
    return json_reply(records.read(token))


def lifespan(request: Any) -> Response:
    return json_reply(dict(records.lifespan_state))


def push(request: Any) -> Response:
    extension = request.extensions.get("push")
    result = None if extension is None else extension.push("/pushed", headers=[("accept", "text/plain")])
    return json_reply(
        {"offered": extension is not None, "result": result,
         "capability": request.capabilities.push}
    )


def pushed(request: Any) -> Response:
    return json_reply(facts_of(request))


ROUTES = {
    "/ws": websocket,
    "/disconnect": disconnect,
    "/complete": complete,
    "/recorded": recorded,
    "/lifespan": lifespan,
    "/push": push,
    "/pushed": pushed,
}
