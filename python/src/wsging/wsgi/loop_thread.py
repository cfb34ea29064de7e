"""The event loop `to_wsgi` runs async applications on: one per process, in a private thread
(spec 15.3), and the relay between it and a WSGI thread that waits for it.

A WSGI thread is never the loop's thread, so waiting cannot deadlock. While it waits, the WSGI
thread runs the blocking calls the application's coroutines ask for (reading `wsgi.input`,
`wsgi.early_hints`), since some WSGI servers allow those only in the request's own thread.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from typing import Any, Awaitable, Callable, List, Optional, TypeVar

from ..api.errors import ClientDisconnected

__all__ = ["Relay", "private_loop"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: Optional[asyncio.AbstractEventLoop] = None
_loop_pid = 0


def private_loop() -> asyncio.AbstractEventLoop:
    """This process's loop, started on first use. A process forked from one that had a loop
    starts its own: threads do not survive fork."""
    global _loop, _loop_pid
    loop = _loop
    if loop is not None and _loop_pid == os.getpid():
        return loop
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=_run_forever, args=(loop,), name="wsging-wsgi-loop", daemon=True
            ).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _settle(future: "asyncio.Future[Any]", result: Any, error: Optional[BaseException]) -> None:
    if not future.done():
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)


class _Job:
    """A blocking call a coroutine waits for, to be run on the WSGI thread."""

    __slots__ = ("fn", "args", "loop", "future")

    def __init__(self, fn: Callable[..., Any], args: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.fn = fn
        self.args = args
        self.loop = loop
        self.future: "asyncio.Future[Any]" = loop.create_future()

    def run(self) -> None:
        try:
            result = self.fn(*self.args)
        except BaseException as exc:  # handed to the waiting coroutine, whatever it is
            self.loop.call_soon_threadsafe(_settle, self.future, None, exc)
        else:
            self.loop.call_soon_threadsafe(_settle, self.future, result, None)

    def fail(self, error: BaseException) -> None:
        self.loop.call_soon_threadsafe(_settle, self.future, None, error)


class Relay:
    """One request's link between its WSGI thread and the private loop."""

    __slots__ = ("_jobs", "_lock", "_closed")

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[Optional[_Job]]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False

    def run(self, awaitable: Awaitable[T]) -> T:
        """On the WSGI thread: the awaitable's result, computed on the private loop; runs the
        jobs the loop sends meanwhile."""
        jobs = self._jobs
        future = asyncio.run_coroutine_threadsafe(_awaited(awaitable), private_loop())
        future.add_done_callback(lambda _: jobs.put(None))
        while True:
            job = jobs.get()
            if job is None:
                return future.result()
            job.run()

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """On the loop: `fn(*args)` run on the WSGI thread (once it waits in `run`)."""
        job = _Job(fn, args, asyncio.get_running_loop())
        with self._lock:
            if self._closed:
                raise ClientDisconnected("the request is over; its WSGI thread has moved on")
            self._jobs.put(job)
        result: T = await job.future
        return result

    def close(self) -> None:
        """On the WSGI thread, when the request is over: calls still waiting fail."""
        with self._lock:
            self._closed = True
        left: List[_Job] = []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                left.append(job)
        for job in left:
            job.fail(ClientDisconnected("the request is over; its WSGI thread has moved on"))
