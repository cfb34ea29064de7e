"""How `to_asgi` calls application code for one request (spec 4.1, 11.1, 11.6): sync code in
a pool thread and async code as a task, both in the request's context, one piece at a time;
and the cancellation of the async piece running when the client leaves (MUST-DISC-5)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from typing import Any, Awaitable, Callable, Optional, TypeVar

from .to_inbox import Inbox
from .to_threads import in_thread, task_in_context

__all__ = ["Caller"]

T = TypeVar("T")


class Caller:
    __slots__ = ("context", "_inbox", "_running", "cancelled")

    def __init__(self, context: contextvars.Context, inbox: Optional[Inbox]) -> None:
        self.context = context
        self._inbox = inbox
        self._running: "Optional[asyncio.Task[Any]]" = None  # the async piece now running
        self.cancelled = False  # a piece was cancelled because the client left

    async def threaded(self, fn: Callable[..., T], *args: Any) -> T:
        return await in_thread(self.context, fn, *args)

    async def awaited(self, awaitable: Awaitable[T]) -> T:
        """`awaitable` run as a task in the request's context."""
        task = task_in_context(self.context, _awaited(awaitable))
        self._running = task
        try:
            return await task
        finally:
            self._running = None

    async def call_app(self, app: Callable[..., Any], is_async: bool, request: Any) -> Any:
        """The application's answer. A sync call that returns an awaitable, and an async call
        that returns a response, are taken as they are (MUST-APP-7)."""
        if is_async:
            return await self.awaited(_call(app, request))
        result = await self.threaded(app, request)
        if inspect.isawaitable(result):
            result = await self.awaited(result)
        return result

    def client_left(self) -> None:
        """Cancel the async piece that waits on something, unless it waits for this
        request's body or for the disconnect itself: those return or raise by themselves."""
        task = self._running
        inbox = self._inbox
        if task is not None and not task.done() and (inbox is None or inbox.waiting == 0):
            self.cancelled = True
            task.cancel()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _call(app: Callable[..., Any], request: Any) -> Any:
    result = app(request)
    if inspect.isawaitable(result):
        result = await result
    return result
