"""Endpoints that report what the host gave the application: the request's attributes, its
body read in several ways, its state and context, and the kind of call that served it."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import threading
from typing import Any, Dict, Iterator, Optional

from ..api.response import Response
from .replies import facts_of, json_reply, param

__all__ = ["ROUTES"]

# Set while a request is served; any value seen at the start of a request leaked from another.
_current: "contextvars.ContextVar[Optional[str]]" = contextvars.ContextVar(
    "wsging_conformance_current", default=None
)


def _loop_visible() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def request_facts(request: Any) -> Response:
    return json_reply(facts_of(request))


def _digest(data: bytes) -> Dict[str, Any]:
    return {"length": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _trailers(request: Any) -> Optional[list]:  # type: ignore[type-arg]
    trailers = request.body.trailers
    if trailers is None:
        return None
    return [[n.decode("latin-1"), v.decode("latin-1")] for n, v in trailers.raw]


def body_read(request: Any) -> Response:
    """The whole body with `read()`, then a second read that must return b"" at once."""
    data = request.body.read()
    again = request.body.read()
    return json_reply(
        {**_digest(data), "again": len(again), "content_length": request.content_length,
         "trailers": _trailers(request), "capabilities": facts_of(request)["capabilities"]}
    )


def body_mixed(request: Any) -> Response:
    """readline(), read(7), read(0), then iteration: sizes say whether reads are exact."""
    body = request.body
    line = body.readline()
    seven = body.read(7)
    rest = b"".join(chunk for chunk in body)
    return json_reply(
        {**_digest(line + seven + rest), "line": len(line), "seven": len(seven),
         "content_length": request.content_length}
    )


async def body_async(request: Any) -> Response:
    """aread(5) then `async for` over the rest, on the host's event loop."""
    first = await request.body.aread(5)
    rest = [chunk async for chunk in request.body]
    return json_reply({**_digest(first + b"".join(rest)), "first": len(first)})


def state(request: Any) -> Response:
    """request.state is empty at the outermost application and shared by `replace` copies."""
    seen = dict(request.state)
    copy = request.replace()
    copy.state["wsging.conformance"] = "set through a copy"
    shared = request.state.get("wsging.conformance") == "set through a copy"
    return json_reply({"initial": {k: str(v) for k, v in seen.items()}, "shared": shared})


def context(request: Any) -> Response:
    """A context variable set by the call is seen by later pulls of the body, which may run in
    another thread; at the start it must be unset, whatever ran in this thread before."""
    token = param(request, "token")
    at_start = _current.get()
    _current.set(token)

    def pulls() -> Iterator[bytes]:
        yield f"start={at_start}\n".encode()
        yield f"first-pull={_current.get()}\n".encode()
        yield f"last-pull={_current.get()}\n".encode()

    return Response(pulls(), content_type="text/plain")


def kind_sync(request: Any) -> Response:
    return json_reply(
        {"loop_visible": _loop_visible(),
         "main_thread": threading.current_thread() is threading.main_thread()}
    )


async def kind_async(request: Any) -> Response:
    await asyncio.sleep(0)
    return json_reply({"loop_visible": _loop_visible()})


ROUTES = {
    "/request": request_facts,
    "/body/read": body_read,
    "/body/mixed": body_mixed,
    "/body/async": body_async,
    "/state": state,
    "/context": context,
    "/kind/sync": kind_sync,
    "/kind/async": kind_async,
}
