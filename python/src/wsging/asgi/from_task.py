"""The task an ASGI application runs in.

An ASGI application keeps running after its response head (it streams the body, runs
background work after the body), and frameworks bind per-task state to the task that entered it
(anyio's cancel scopes, sniffio's library detection), so each call runs in a task of its own
for its whole life, as every ASGI server runs it. From Python 3.12 on the task starts eagerly:
its first step runs at once, inside the task, and an application that answers from memory is
done before `start` returns, without a trip through the event loop.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, Coroutine, Set

__all__ = ["start"]

_EAGER = sys.version_info >= (3, 12)

# The loop keeps only weak references to tasks: the running ones are held here.
_RUNNING: Set["asyncio.Task[Any]"] = set()


def start(coro: Coroutine[Any, Any, Any]) -> "asyncio.Task[Any]":
    """Run `coro` in a new task on the running loop, in a copy of the current context."""
    loop = asyncio.get_running_loop()
    if _EAGER:
        task: "asyncio.Task[Any]" = asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg,unused-ignore]
    else:
        task = loop.create_task(coro)
    if not task.done():
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)
    return task
