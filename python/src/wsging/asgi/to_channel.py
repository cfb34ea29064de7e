"""The RequestChannel behind a request `to_asgi` serves: the client's departure (from the
inbox, or a WebSocket session's events), 103 Early Hints through the host's `http.response.early_hint` extension (spec 7.7,
15.4), and completion callbacks (11.7)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from typing import Any, Awaitable, Callable, List, Optional

from ..api.headers import RawHeaders
from .to_departure import Departure
from .to_threads import blocking, in_thread, task_in_context, on_loop_thread

__all__ = ["AsgiChannel"]

logger = logging.getLogger("wsging.asgi")

Send = Callable[[Any], Awaitable[None]]


class AsgiChannel:
    __slots__ = ("_inbox", "_send", "_hints", "_loop", "_context", "responded", "_callbacks",
                 "_outcome")

    def __init__(
        self,
        inbox: Departure,
        send: Send,
        hints: bool,
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context,
    ) -> None:
        self._inbox = inbox
        self._send = send
        self._hints = hints  # the host declared http.response.early_hint
        self._loop = loop
        self._context = context
        self.responded = False  # the final head went out: no more 1xx
        self._callbacks: Optional[List[Callable[[str], Any]]] = []  # None once run
        self._outcome = ""

    @property
    def disconnected(self) -> bool:
        return self._inbox.disconnected

    async def wait_disconnected(self) -> None:
        await self._inbox.wait_disconnected()

    def send_informational(self, status: int, headers: RawHeaders) -> bool:
        return blocking(
            self._loop, self.asend_informational(status, headers), "send_informational()"
        )

    async def asend_informational(self, status: int, headers: RawHeaders) -> bool:
        """ASGI carries a 103's `link` fields and nothing else: another status, or a 103
        without links, is not sent (False)."""
        if not self._hints or self.responded or self._inbox.disconnected or status != 103:
            return False
        links = [value for name, value in headers if name.lower() == b"link"]
        if not links:
            return False
        try:
            await self._send({"type": "http.response.early_hint", "links": links})
        except OSError:
            return False
        return True

    # -- completion callbacks (spec 11.7) ---------------------------------------------------

    def on_complete(self, callback: Callable[[str], Any]) -> None:
        if not callable(callback):
            raise TypeError(f"on_complete needs a callable, got {type(callback).__name__}")
        if self._callbacks is not None:
            self._callbacks.append(callback)
            return
        # Registered after the others ran: run it now.
        if on_loop_thread(self._loop):
            self._loop.create_task(self._run(callback))
        else:
            asyncio.run_coroutine_threadsafe(self._run(callback), self._loop)

    async def finish(self, outcome: str) -> None:
        """On the loop, once the response is over and the application done with it: the
        callbacks, one after the other, async ones here, others in a pool thread."""
        callbacks, self._callbacks = self._callbacks or [], None
        self._outcome = outcome
        for callback in callbacks:
            await self._run(callback)

    async def _run(self, callback: Callable[[str], Any]) -> None:
        try:
            if inspect.iscoroutinefunction(callback):
                await task_in_context(self._context, callback(self._outcome))
            else:
                await in_thread(self._context, callback, self._outcome)
        except BaseException:  # noqa: B902 - a callback must not end the request's task (MUST-DONE-3)
            logger.exception("error in a completion callback")
