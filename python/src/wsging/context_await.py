"""Awaiting something with each of its steps run in a given `contextvars.Context` (spec 11.6):
what `create_task(context=...)` does from Python 3.11 on, for a task that must run in the
request's own context rather than a copy (the worker's body producers, `to_wsgi`'s loop)."""

from __future__ import annotations

import contextvars
import types
from typing import Any, Awaitable, Generator, Optional, TypeVar

__all__ = ["awaited_in"]

T = TypeVar("T")


async def awaited_in(context: contextvars.Context, awaitable: Awaitable[T]) -> T:
    """`awaitable`'s result, each of its steps run in `context` itself."""
    result: T = await _stepped_in(context, awaitable.__await__())
    return result


@types.coroutine
def _stepped_in(context: contextvars.Context, steps: Any) -> Generator[Any, Any, Any]:
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            if error is None:
                yielded = context.run(steps.send, value)
            else:
                yielded = context.run(steps.throw, error)
        except StopIteration as stop:
            return stop.value
        value = error = None
        try:
            value = yield yielded
        except BaseException as exc:  # cancellation and the like go to the awaitable
            error = exc
