"""Where `to_asgi` runs sync code: one thread pool per process for applications, their body
pulls and completion callbacks (spec 4.1: never the event loop's thread), and the check that
keeps a blocking call off the loop (MUST-APP-3)."""

from __future__ import annotations

import asyncio
import contextvars
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Coroutine, Optional, TypeVar

__all__ = ["POOL_THREADS", "blocking", "task_in_context", "in_thread", "on_loop_thread"]

T = TypeVar("T")

# As many as the reference worker's --threads default: sync calls that wait on a slow client
# hold one each.
POOL_THREADS = 32

_lock = threading.Lock()
_pool: Optional[ThreadPoolExecutor] = None
_pool_pid = 0


def _executor() -> ThreadPoolExecutor:
    """This process's pool; a process forked after it was made starts its own."""
    global _pool, _pool_pid
    pool = _pool
    if pool is not None and _pool_pid == os.getpid():
        return pool
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="wsging-asgi")
            _pool_pid = os.getpid()
        return _pool


async def in_thread(context: contextvars.Context, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a pool thread, in the request's context (spec 11.6)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), context.run, fn, *args)


def on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def blocking(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T], what: str) -> T:
    """From an application's thread: the result of `awaitable`, run on the host's loop.
    RuntimeError on the loop's own thread, which would wait for itself (MUST-APP-3)."""
    if on_loop_thread(loop):
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError(f"{what} blocks: it cannot be called on the event loop's thread")
    return asyncio.run_coroutine_threadsafe(_awaited(awaitable), loop).result()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def task_in_context(context: contextvars.Context, coro: Coroutine[Any, Any, T]) -> "asyncio.Task[T]":
    """`coro` as a task in the request's context (spec 11.6), so what the application sets
    is seen by its later pulls and callbacks. Before Python 3.11 a task cannot be given a
    context: it runs in a copy of it, which sees what the request set before."""
    loop = asyncio.get_running_loop()
    if sys.version_info >= (3, 11):
        return loop.create_task(coro, context=context)
    return context.run(loop.create_task, coro)
