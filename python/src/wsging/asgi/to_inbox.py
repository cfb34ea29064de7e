"""The one reader of an HTTP request's ASGI `receive` under `to_asgi`: the request body, with
backpressure, and the client's departure (spec 6, 11.1).

A pump calls `receive()` and holds at most a window (64 KiB) of body the application has not
taken, so the host stops reading the client while the application does not read (6.5); once
the body has ended it keeps waiting, for `http.disconnect`. An application that leaves more
than a window unread learns of a disconnect at its next read, or when its response is sent. A request that expects
`100 Continue` is pumped only once the application reads or its head goes out, since hosts
answer 100 on the first `receive()` (6.4).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Awaitable, Callable, Deque, List, Optional

from ..api.errors import ClientDisconnected
from ..api.headers import Headers
from .to_threads import blocking

__all__ = ["Inbox", "WINDOW"]

WINDOW = 64 * 1024  # unread body bytes held at most (the reference worker's window, 6.5)

logger = logging.getLogger("wsging.asgi")

Receive = Callable[[], Awaitable[Any]]


class Inbox:
    """Also the request body's source (`wsging.api.body.BodySource`)."""

    __slots__ = (
        "_receive", "_loop", "_chunks", "_held", "_ended", "disconnected", "_over", "_waiters", "_pump",
        "waiting", "on_gone", "deferred",
    )

    def __init__(
        self, receive: Receive, loop: asyncio.AbstractEventLoop, *, deferred: bool = False
    ) -> None:
        self._receive = receive
        self._loop = loop
        self.deferred = deferred  # Expect: 100-continue: pumped from the first read on
        self._chunks: Deque[bytes] = deque()  # received and not yet taken
        self._held = 0  # their bytes
        self._ended = False  # the last http.request arrived
        self.disconnected = False  # http.disconnect arrived (or receive failed)
        self._over = False  # the request is over: nobody reads any more
        self._waiters: List["asyncio.Future[None]"] = []
        self._pump: "Optional[asyncio.Task[None]]" = None
        self.waiting = 0  # body reads and wait_disconnected() calls pending (MUST-DISC-5)
        self.on_gone: Optional[Callable[[], None]] = None  # told once the client left

    # -- the pump -----------------------------------------------------------------------------

    def start(self) -> None:
        self.deferred = False
        if self._pump is None and not self._over:
            self._pump = self._loop.create_task(self._run())

    async def _run(self) -> None:
        try:
            while True:
                while self._held >= WINDOW and not self._over:
                    await self._changed()
                message = await self._receive()
                kind = message.get("type")
                if kind == "http.request":
                    if self._ended:
                        continue
                    body = message.get("body") or b""
                    if body:
                        self._chunks.append(bytes(body))
                        self._held += len(body)
                    if not message.get("more_body", False):
                        self._ended = True
                    if body or self._ended:
                        self._notify()
                elif kind == "http.disconnect":
                    break
        except asyncio.CancelledError:
            return
        except Exception:  # a host whose receive fails has lost the client
            logger.debug("receive() failed; the client counts as gone", exc_info=True)
        self._gone()

    def _gone(self) -> None:
        if self.disconnected:
            return
        self.disconnected = True
        self._notify()
        hook = self.on_gone
        if hook is not None and not self._over:
            hook()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _changed(self) -> None:
        waiter: "asyncio.Future[None]" = self._loop.create_future()
        self._waiters.append(waiter)
        await waiter

    async def ready(self) -> None:
        """Once some of the body is here, it ended or the client left: when a sync call may
        take a thread without waiting in it for the first chunk (MUST-APP-10)."""
        self.start()
        while not self._chunks and not self._ended and not self.disconnected:
            await self._changed()

    def finish(self) -> None:
        """The request is over: reads fail, waits return, the pump stops."""
        self._over = True
        self._notify()
        pump = self._pump
        if pump is not None and not pump.done():
            pump.cancel()

    # -- BodySource ---------------------------------------------------------------------------

    async def atake(self) -> Optional[bytes]:
        self.start()
        self.waiting += 1
        try:
            while True:
                if self.disconnected:
                    raise ClientDisconnected("the client left before the request body was read")
                if self._chunks:
                    chunk = self._chunks.popleft()
                    self._held -= len(chunk)
                    self._notify()
                    return chunk
                if self._ended:
                    return None
                if self._over:
                    raise ClientDisconnected("the request is over; its body can no longer be read")
                await self._changed()
        finally:
            self.waiting -= 1

    def take(self) -> Optional[bytes]:
        return blocking(self._loop, self.atake(), "a sync read of the request body")

    @property
    def trailers(self) -> Optional[Headers]:
        return None  # ASGI carries no request trailers (spec 15.4)

    # -- disconnects --------------------------------------------------------------------------

    async def wait_disconnected(self) -> None:
        if not self.deferred:
            self.start()
        self.waiting += 1
        try:
            while not self.disconnected and not self._over:
                await self._changed()
        finally:
            self.waiting -= 1
