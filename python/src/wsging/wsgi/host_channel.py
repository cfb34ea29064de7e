"""The RequestChannel of a request that `to_wsgi` hosts: what a WSGI container can tell about
the client (spec 10.2, "WSGI host"). Disconnects are seen only when a read of `wsgi.input`
fails; `wait_disconnected()` returns at the latest when the request is over (10.3);
informational responses go to the container's `wsgi.early_hints` when it has one."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any, Callable, List, Optional, Tuple

from ..api.headers import RawHeaders
from ..api.request import RequestChannel
from .loop_thread import Relay

__all__ = ["HostChannel", "early_hints_sender"]

Sender = Callable[[int, RawHeaders], bool]

logger = logging.getLogger("wsging.wsgi")


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

    __slots__ = (
        "_relay", "_send", "_origin", "_lock", "_over", "_waiters", "failed", "responded",
        "_callbacks", "_outcome",
    )

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
        self._callbacks: List[Callable[[str], Any]] = []  # on_complete (spec 11.7)
        self._outcome = ""  # set by finish()

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

    @property
    def has_callbacks(self) -> bool:
        """Completion callbacks wait for the end of the response: the container's file
        wrapper, which tells nobody when it is done, must not send it."""
        return bool(self._callbacks)

    def on_complete(self, callback: Callable[[str], Any]) -> None:
        """Spec 11.7: run when the container closes the response (or at once if it has)."""
        if not callable(callback):
            raise TypeError(f"on_complete needs a callable, got {type(callback).__name__}")
        with self._lock:
            if not self._over:
                self._callbacks.append(callback)
                return
        self._run(callback)

    def finish(self, outcome: str = "completed") -> None:
        """The request is over: whoever waits for a disconnect stops waiting, and completion
        callbacks run, in this thread (the container's, which may block), async ones on the
        private loop, in the order registered, all in the request's context (spec 11.7)."""
        with self._lock:
            if self._over:
                return
            self._over = True
            self._outcome = outcome
            waiters, self._waiters = self._waiters, []
            callbacks, self._callbacks = self._callbacks, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)
        for callback in callbacks:
            self._run(callback)

    def _run(self, callback: Callable[[str], Any]) -> None:
        try:
            if inspect.iscoroutinefunction(callback):
                self._relay.run(callback(self._outcome))
            else:
                self._relay.in_context(callback, self._outcome)
        except BaseException:  # noqa: B902 - a callback must never end the container's thread
            logger.exception("error in a completion callback")
