"""An asyncio application for the tests that must see an `async def` application behind the real
server (W7) and compare the server with TestClient (capabilities in a header, so that HEAD
responses show them too)."""
from __future__ import annotations

import asyncio
import json
import threading
from typing import AsyncIterator, Dict

from wsging import Response

_NAMES = ["response_trailers", "early_hints", "push", "websocket", "request_trailers"]
_gates: Dict[str, asyncio.Event] = {}


def _gate(request) -> asyncio.Event:
    tag = request.query_string.decode("ascii")
    gate = _gates.get(tag)
    if gate is None:
        gate = _gates[tag] = asyncio.Event()
    return gate


async def app(request) -> Response:
    if request.path == "/capabilities":
        # Read the body first, as an application would: a chunked body's trailers come last.
        await request.body.aread()
        names = [name for name in _NAMES if getattr(request.capabilities, name)]
        return Response(b"", headers={"x-capabilities": " ".join(names) or "-"})
    if request.path == "/wait":
        # The head goes out at once; the body waits on an asyncio.Event that only another
        # request to this worker sets. With one thread for sync code, only code running on the
        # event loop can be waiting here and answer that other request at the same time.
        gate = _gate(request)

        async def body() -> AsyncIterator[bytes]:
            await asyncio.wait_for(gate.wait(), 30)
            yield json.dumps({
                "task": asyncio.current_task() is not None,
                "thread": threading.current_thread().name,
            }).encode()

        return Response(body(), content_type="application/json")
    if request.path == "/open":
        _gate(request).set()
        return Response("opened")
    return Response("no such route\n", status=404)
