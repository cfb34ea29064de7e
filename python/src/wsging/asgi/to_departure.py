"""What `to_asgi` knows of a client's departure, whatever tells it: the HTTP inbox's
`http.disconnect`, or a WebSocket session's `websocket.disconnect`."""

from __future__ import annotations

import asyncio
from typing import List, Protocol

__all__ = ["Departure", "Watch"]


class Departure(Protocol):
    @property
    def disconnected(self) -> bool: ...

    async def wait_disconnected(self) -> object: ...


class Watch:
    """A Departure set by hand: `leave()` when the client left, `end()` when the exchange is
    over; `wait_disconnected()` returns at either (spec 11.1)."""

    __slots__ = ("disconnected", "_over", "_waiters")

    def __init__(self) -> None:
        self.disconnected = False
        self._over = False
        self._waiters: List["asyncio.Future[None]"] = []

    def leave(self) -> None:
        self.disconnected = True
        self.end()

    def end(self) -> None:
        self._over = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_disconnected(self) -> None:
        if self._over:
            return
        waiter: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter
