"""The ASGI lifespan protocol for `to_asgi` (spec 11.4, 15.4): `lifespan.startup` enters the
application's `lifespan` (found through middleware as the reference worker finds it; a sync
context manager in a thread of its own, an async one on the loop), `lifespan.shutdown` exits
it. A failure is reported with its message, so the host does not serve (MUST-LIFE-2)."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from ..worker.loading import Lifespan, LoadError

__all__ = ["run_lifespan"]

logger = logging.getLogger("wsging.asgi")

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]


async def run_lifespan(app: Any, receive: Receive, send: Send, *, enter: bool = True) -> None:
    """`enter` False: `to_asgi` entered the lifespan itself (requests came before this
    scope); startup and shutdown are then only acknowledged, the exit is at process end."""
    lifespan = Lifespan(app if enter else None, getattr(app, "__qualname__", type(app).__name__))
    while True:
        message = await receive()
        kind = message.get("type")
        if kind == "lifespan.startup":
            try:
                await lifespan.startup()
            except LoadError as exc:
                logger.error("%s", exc, exc_info=exc.__cause__)
                await send({"type": "lifespan.startup.failed", "message": exc.reason})
                return
            await send({"type": "lifespan.startup.complete"})
        elif kind == "lifespan.shutdown":
            try:
                await lifespan.shutdown()
            except Exception as exc:
                # Logged; a clean shutdown's exit status does not change for it (11.4).
                logger.error("error leaving the lifespan", exc_info=exc)
                text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                await send({"type": "lifespan.shutdown.failed", "message": text})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
