"""The event loop `to_wsgi` runs async applications on: one per process, in a private thread
(spec 15.3), and the relay between it and a WSGI thread that waits for it.

A WSGI thread is never the loop's thread, so waiting cannot deadlock. While it waits, the WSGI
thread runs the blocking calls the application's coroutines ask for (reading `wsgi.input`,
`wsgi.early_hints`), since some WSGI servers allow those only in the request's own thread.

Every step of a coroutine run for a request runs in that request's context (spec 11.6): the
one its application call and body pulls run in, so what one sets the others see.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import queue
import threading
from typing import Any, Awaitable, Callable, List, Optional, TypeVar

from ..api.errors import ClientDisconnected
from ..context_await import awaited_in

__all__ = ["Relay", "private_loop"]

T = TypeVar("T")

# Set in each request's context to an object of its own, so that code can tell whether it
# already runs in that context (a context cannot be entered twice).
_REQUEST_MARK: "contextvars.ContextVar[Optional[object]]" = contextvars.ContextVar(
    "wsging_wsgi_request", default=None
)

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
    """One request's link between its WSGI thread (the one that made it) and the private loop;
    `context` is the request's."""

    __slots__ = ("_jobs", "_lock", "_closed", "_thread", "_mark", "context")

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[Optional[_Job]]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.get_ident()
        # A copy of the calling thread's context: what the container or a WSGI layer around
        # this one set is seen, and nothing the application sets leaks back into the thread.
        self.context = contextvars.copy_context()
        self._mark = object()
        self.context.run(_REQUEST_MARK.set, self._mark)

    def in_context(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the request's context; directly when the caller already runs in it
        (the application registering a completion callback after the request ended)."""
        if _REQUEST_MARK.get() is self._mark:
            return fn(*args)
        return self.context.run(fn, *args)

    def run(self, awaitable: Awaitable[T]) -> T:
        """On the WSGI thread, outside the request's context: the awaitable's result, computed
        on the private loop in that context; runs the jobs the loop sends meanwhile."""
        jobs = self._jobs
        # Called from within the request's context (an async completion callback registered
        # after the request ended), the loop cannot enter it while this thread has: a copy.
        context = self.context if _REQUEST_MARK.get() is not self._mark else self.context.copy()
        future = asyncio.run_coroutine_threadsafe(awaited_in(context, awaitable), private_loop())
        future.add_done_callback(lambda _: jobs.put(None))
        while True:
            job = jobs.get()
            if job is None:
                return future.result()
            job.run()

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """On the loop: `fn(*args)` run on the WSGI thread (once it waits in `run`). On a loop
        the WSGI thread runs itself (a sync application's `asyncio.run`), that thread is this
        one and cannot wait in `run`: the call is made here."""
        if threading.get_ident() == self._thread:
            if self._closed:
                raise ClientDisconnected("the request is over; its WSGI thread has moved on")
            return fn(*args)
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
