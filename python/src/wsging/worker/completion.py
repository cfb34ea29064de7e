"""Completion callbacks (spec 11.7): what an application registers with `request.on_complete`,
run once its response has been fully sent or abandoned and the application is done with it.

Only requests that register a callback make a `Completion`; the others pay one attribute test
where the stream ends and one where the application is done.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import sys
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Optional

if TYPE_CHECKING:
    from .exchange import Exchange

__all__ = ["Completion", "COMPLETED", "ABORTED", "CLIENT_GONE", "LOOP_CONTEXT"]

logger = logging.getLogger("wsging.worker")

# The outcomes a callback receives.
COMPLETED = "completed"  # the whole response reached the front end
ABORTED = "aborted"  # the server gave up on the response (an application error after the head)
CLIENT_GONE = "client-gone"  # the client left, or the front end abandoned the request

# Callbacks that must not run inside a request's context are scheduled in this one: a context
# can be entered by one thread at a time only, and the request's may be entered elsewhere.
LOOP_CONTEXT = contextvars.Context()


class Completion:
    """The callbacks of one request. Registering is thread-safe; the rest runs on the loop.

    The callbacks run when two things have happened, in either order: the stream ended (the
    outcome is known) and the application is done (it returned and its body was closed). A
    client that leaves while a handler still runs does not pull its database session out from
    under it. They run one after the other, in the order registered, in the request's context:
    async ones as tasks on the loop, sync ones in a thread of the sync pool, since closing a
    session or flushing a span may block.
    """

    __slots__ = ("_exchange", "_lock", "_callbacks", "outcome", "_app_done", "_running")

    def __init__(self, exchange: "Exchange") -> None:
        self._exchange = exchange
        self._lock = threading.Lock()
        self._callbacks: Deque[Callable[[str], Any]] = deque()
        self.outcome: Optional[str] = None
        self._app_done = False
        self._running = False

    def add(self, callback: Callable[[str], Any]) -> None:
        """Thread-safe. A callback added after the others ran runs on its own, at once."""
        if not callable(callback):
            raise TypeError(f"on_complete needs a callable, got {type(callback).__name__}")
        with self._lock:
            self._callbacks.append(callback)
            start = self.outcome is not None and self._app_done and not self._running
            if start:
                self._running = True
        if start:
            self._exchange.session.call_from_thread(self._next)

    def stream_done(self, outcome: str) -> None:
        """On the loop: the stream ended with `outcome` (first one wins)."""
        if self.outcome is None:
            self.outcome = outcome
            self._exchange.session.loop.call_soon(self._maybe_start, context=LOOP_CONTEXT)

    def app_done(self) -> None:
        """On the loop: the application returned (or raised) and its body is closed."""
        if not self._app_done:
            self._app_done = True
            self._exchange.session.loop.call_soon(self._maybe_start, context=LOOP_CONTEXT)

    def _maybe_start(self) -> None:
        with self._lock:
            if self.outcome is None or not self._app_done or self._running:
                return
            self._running = True
        self._next()

    def _next(self) -> None:
        """On the loop, outside the request's context: start the next callback."""
        with self._lock:
            if not self._callbacks:
                self._running = False
                return
            callback = self._callbacks.popleft()
        exchange = self._exchange
        context = exchange.context
        if context is None:  # a request the dispatcher never started
            context = contextvars.copy_context()
        if inspect.iscoroutinefunction(callback):
            loop = exchange.session.loop
            coro = self._call_async(callback)
            if sys.version_info >= (3, 11):
                task = loop.create_task(coro, context=context)
            else:  # before 3.11 a task runs in a copy of the context current when it is made
                task = context.run(loop.create_task, coro)
            # The callback's step has exited the context by the time a done callback runs.
            task.add_done_callback(lambda _: self._next(), context=LOOP_CONTEXT)
            return
        pool = exchange.session.sync_pool
        if pool is None:  # pragma: no cover - every session built by the worker has one
            self._call_sync(context, callback)
            return
        pool.submit(self._call_sync, context, callback)

    async def _call_async(self, callback: Callable[[str], Any]) -> None:
        try:
            await callback(self.outcome or COMPLETED)
        except BaseException:  # noqa: B902 - a callback must never end the worker
            logger.exception("error in a completion callback")

    def _call_sync(self, context: contextvars.Context, callback: Callable[[str], Any]) -> None:
        try:
            result = context.run(callback, self.outcome or COMPLETED)
        except BaseException:  # noqa: B902 - a callback must never end the worker
            logger.exception("error in a completion callback")
        else:
            if inspect.isawaitable(result):
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # never awaited: say so instead of a "never awaited" warning
                logger.error(
                    "completion callback %r returned an awaitable; declare it with async def",
                    callback,
                )
        # Posted after the context was left, so the next callback may enter it.
        self._exchange.session.call_from_thread(self._next)

