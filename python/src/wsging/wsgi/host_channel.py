"""The RequestChannel of a request that `to_wsgi` hosts: what a WSGI container can tell about
the client (spec 10.2, "WSGI host"). Disconnects are seen only when a read of `wsgi.input`
fails; `wait_disconnected()` returns at the latest when the request is over (10.3);
informational responses go to the container's `wsgi.early_hints` when it has one."""

from __future__ import annotations

import asyncio
import threading
from typing import Callable, List, Optional, Tuple

from ..api.headers import RawHeaders
from ..api.request import RequestChannel
from .loop_thread import Relay

__all__ = ["HostChannel", "early_hints_sender"]

Sender = Callable[[int, RawHeaders], bool]


def early_hints_sender(early_hints: Callable[..., object]) -> Sender:
    """gunicorn's `wsgi.early_hints(headers)` sends 103 and nothing else."""

    def send(status: int, headers: RawHeaders) -> bool:
        if status != 103:
            return False
        early_hints([(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers])
        return True

    return send


def _wake(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


class HostChannel:
    """`origin`: the channel of the request `from_wsgi` started from, when this request is
    that one relayed to an async application (its disconnect state still counts)."""

    __slots__ = ("_relay", "_send", "_origin", "_lock", "_over", "_waiters", "failed", "responded")

    def __init__(
        self, relay: Relay, send: Optional[Sender], origin: Optional[RequestChannel] = None
    ) -> None:
        self._relay = relay
        self._send = send
        self._origin = origin
        self._lock = threading.Lock()
        self._over = False
        self._waiters: List[Tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]] = []
        self.failed = False  # a read of the request body failed
        self.responded = False  # the application returned its response

    @property
    def disconnected(self) -> bool:
        origin = self._origin
        return self.failed or (origin is not None and origin.disconnected)

    async def wait_disconnected(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._over:
                return
            future: "asyncio.Future[None]" = loop.create_future()
            self._waiters.append((loop, future))
        await future

    def send_informational(self, status: int, headers: RawHeaders) -> bool:
        """On the WSGI thread."""
        if self.responded or self._send is None:
            return False
        return self._send(status, headers)

    async def asend_informational(self, status: int, headers: RawHeaders) -> bool:
        if self.responded or self._send is None:
            return False
        return await self._relay.call(self.send_informational, status, headers)

    def finish(self) -> None:
        """The request is over: whoever waits for a disconnect stops waiting."""
        with self._lock:
            self._over = True
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)
