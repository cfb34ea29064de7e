"""Calling the application: sync apps in a thread pool, async apps as tasks on the loop, and
pulling response bodies only as fast as the front end's window lets them go (spec A.5).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import sys
import threading
import time
import traceback
import types
from asyncio import _set_running_loop
from collections import deque
from typing import Any, Callable, Deque, Dict, Generator, Iterator, List, Optional, Set, Tuple

from ..api.capabilities import PUSH
from ..api.errors import ClientDisconnected
from ..api.request import Request
from ..api.response import InvalidResponse, Response, as_bytes, file_chunks
from ..context_await import awaited_in
from . import link
from .completion import LOOP_CONTEXT
from .exchange import Exchange
from .outgoing import (
    KIND_AITER,
    KIND_BYTES,
    KIND_FILE,
    KIND_ITER,
    FileReference,
    adopt,
    file_reference,
    kind_of,
    resolve_trailers,
)
from .websocket_host import DEFAULT_SYNC_SESSIONS, WebSocketHost

__all__ = ["Dispatcher", "ThreadPool"]

logger = logging.getLogger("wsging.worker")

App = Callable[[Request], Any]

# Run an async app's first step at once, without a Task: most handlers that answer from memory
# finish there, saving a Task and a loop turn per request. The step runs in the request's
# context, handed to the Task that continues it, which needs create_task(context=...) (3.11+).
EAGER_START = sys.version_info >= (3, 11)
_COROUTINE = types.CoroutineType
# From 3.12 a task's first step can run at once, inside the task (asyncio.Task(eager_start=)).
EAGER_TASKS = sys.version_info >= (3, 12)

# What one turn of a sync producer ended with (_pull_chunks).
_ENDED = 0  # the body is exhausted and closed; the value: trailers
_STOPPED = 1  # the stream stopped (reset or complete); the body is closed
_FAILED = 2  # the body raised; it is closed; the value: the exception
_HAND_OVER = 3  # the value: a chunk past the window, handed over outside the context
_WAITING = 4  # nothing to read in the request body yet: the producer gave its thread back


@types.coroutine
def _resume(coro: Any, value: Any) -> Generator[Any, Any, Any]:
    """Continue a coroutine whose first step already ran and yielded `value` (what `yield
    from` would do, written out because that step happened outside any Task)."""
    while True:
        try:
            sent = yield value
        except BaseException as exc:  # cancellation and the like go to the application
            try:
                value = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                value = coro.send(sent)
            except StopIteration as stop:
                return stop.value


# How long queued sync jobs may wait without any job starting before more threads are woken.
# A sync application that answers from memory never stalls the pool, so one thread serves a
# whole burst of requests with no thread switch between them; one that blocks (I/O, a lock, a
# request waiting for another) stalls it, and then every queued job gets a thread.
STALL_SECONDS = 0.001

# With inline calls on (--inline-sync), a sync application is called on the loop's own thread,
# without a hand-off to the pool, while its calls stay this fast (seconds) and its request body
# is already complete (so reading it cannot block): two thread hand-offs cost more than a
# handler that answers from memory. Two slow calls close together send the following ones to
# the pool for INLINE_PAUSE_SECONDS, so an application that blocks (I/O, locks) gets the pool's
# concurrency back. Off by default: while a call runs inline the worker reads no frame, so a
# handler that waits for another request to the same worker (a call to its own server, a
# long poll) waits until --worker-timeout ends the worker.
INLINE_SECONDS = 0.005
INLINE_PAUSE_SECONDS = 10.0
INLINE_SLOW_SPAN = 100


class ThreadPool:
    """Threads for sync applications, woken sparingly.

    Unlike concurrent.futures it makes no Future per call, its threads are daemons (a stuck
    application cannot keep a finished worker alive), and it does not wake a thread per job:
    with a loop bound (`bind_loop`), a job queued while a thread is awake waits for that thread,
    unless no job has started for STALL_SECONDS, in which case the loop wakes threads for the
    queued jobs. Waking threads one per job makes them queue for the GIL and switch contexts
    for nothing when the application does not block. Without a loop, every job wakes a thread.
    """

    def __init__(self, max_threads: int, name: str = "wsging-app") -> None:
        self._max_threads = max(1, max_threads)
        self._name = name
        self._jobs: Deque[Tuple[Callable[..., None], Tuple[Any, ...]]] = deque()
        self._lock = threading.Lock()
        # Each parked thread waits on its own lock: (thread number, lock).
        self._parked: List[Tuple[int, threading.Lock]] = []
        self._threads = 0
        self._awake = 0  # threads not parked (running a job or looking for one)
        self._started = 0  # jobs taken so far: the progress the stall check looks at
        # When each awake thread's current job started (0.0: between jobs), by thread number.
        self._job_started: Dict[int, float] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stall_check_armed = False
        self._closed = False

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on submit() is called on `loop`'s thread, which runs the stall check."""
        self._loop = loop

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        self._jobs.append((fn, args))
        loop = self._loop
        with self._lock:
            if self._awake == 0 or loop is None:
                self._wake_locked()
                return
        if not self._stall_check_armed:
            self._stall_check_armed = True
            loop.call_later(STALL_SECONDS, self._check_stall, self._started)

    def _wake_locked(self) -> bool:
        """Unpark a thread, or start one; False when every thread is awake already."""
        if self._parked:
            self._awake += 1
            number, wake = self._parked.pop()
            # Awake from now on, between jobs, even before the thread gets to run.
            self._job_started[number] = 0.0
            wake.release()
            return True
        if self._threads < self._max_threads:
            self._threads += 1
            self._awake += 1
            wake = threading.Lock()
            wake.acquire()
            self._job_started[self._threads] = 0.0
            thread = threading.Thread(
                target=self._run,
                args=(self._threads, wake),
                name=f"{self._name}-{self._threads}",
                daemon=True,
            )
            thread.start()
            return True
        return False

    def _check_stall(self, started_before: int) -> None:
        """On the loop: jobs queued and none started since the check was armed: wake threads."""
        self._stall_check_armed = False
        jobs = self._jobs
        if not jobs or self._loop is None:
            return
        # A thread that waits for the GIL looks like one that blocks; the loop thread can hold
        # the GIL for a whole switch interval, so only a job older than two of them blocks.
        if self._started == started_before and self._all_busy_since(
            max(STALL_SECONDS, 2 * sys.getswitchinterval())
        ):
            with self._lock:
                for _ in range(len(jobs)):
                    if not self._wake_locked():
                        break
        self._stall_check_armed = True
        self._loop.call_later(STALL_SECONDS, self._check_stall, self._started)

    def _all_busy_since(self, seconds: float) -> bool:
        """Every awake thread is in a job begun `seconds` ago or more: they block. A thread
        between jobs, or in a job just begun, only waits for the GIL (which this loop thread
        held); waking more threads would only make more of them wait for it."""
        limit = time.monotonic() - seconds
        # list() copies at once: other threads add and remove entries meanwhile.
        return all(0.0 < started <= limit for started in list(self._job_started.values()))

    def _run(self, number: int, wake: threading.Lock) -> None:
        jobs = self._jobs
        job_started = self._job_started
        while True:
            try:
                fn, args = jobs.popleft()
            except IndexError:
                with self._lock:
                    if jobs:
                        continue
                    self._awake -= 1
                    job_started.pop(number, None)
                    if self._closed:
                        self._threads -= 1
                        return
                    self._parked.append((number, wake))
                wake.acquire()  # until _wake_locked or shutdown releases it
                continue
            self._started += 1
            job_started[number] = time.monotonic()
            try:
                fn(*args)
            except BaseException:  # pragma: no cover - jobs handle their own errors
                logger.exception("unexpected error in a worker thread")
            job_started[number] = 0.0
            del fn, args

    def shutdown(self) -> None:
        """Let idle threads end (busy ones end after the queued jobs)."""
        with self._lock:
            self._closed = True
            parked, self._parked = self._parked, []
            for _, wake in parked:
                self._awake += 1
                wake.release()


class Dispatcher:
    """Runs the application for each exchange and streams its response back."""

    def __init__(
        self,
        app: App,
        *,
        is_async: bool,
        pool: ThreadPool,
        loop: asyncio.AbstractEventLoop,
        debug: bool = False,
        inline_sync: bool = False,
        ws_sync_sessions: int = DEFAULT_SYNC_SESSIONS,
    ) -> None:
        self._app = app
        self._inline_seconds = INLINE_SECONDS if inline_sync else 0.0
        self._inline_paused_until = 0.0
        self._inline_calls = 0
        self._last_slow_call = -INLINE_SLOW_SPAN - 1
        self._pool = self.pool = pool
        self._loop = loop
        pool.bind_loop(loop)
        self._debug = debug
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._warned_awaitable = False
        self.file_chunk_size = link.DEFAULT_MAX_FRAME
        # The sessions of the offers the application accepts (spec 9.3).
        self.websockets = WebSocketHost(self, sync_sessions=ws_sync_sessions)
        # An application that can hand over its response before it returns (from_asgi's
        # respond_early): it runs in one task per request, the one this dispatcher makes.
        self._early = _respond_early_of(app) if is_async else None
        # On the loop: begin serving a request. Bound once, to the path this application
        # takes, so that each request makes one call less.
        self.start: Callable[[Exchange, Request], None] = (
            self._start_early
            if self._early is not None
            else self._start_async if is_async else self._start_sync
        )

    # Each request runs in a context of its own (spec 11.6): a copy of the loop's, taken here,
    # shared by the application call, its body producer and its completion callbacks, so what
    # one request sets in a context variable never reaches another, in whichever thread or
    # task it runs. A copy is as cheap as a new empty context (an immutable mapping shared
    # until written), and keeps what the application set at import time.

    def _start_sync(self, exchange: Exchange, request: Request) -> None:
        exchange.context = contextvars.copy_context()
        if not exchange._body_ended:  # read directly: the one test a GET pays for this
            # The call may read the body: while none of it is here, it waits on the loop
            # without a thread (spec 4.2), so clients that trickle a body cannot hold the pool.
            run = functools.partial(self._pool.submit, self._run_sync, exchange, request)
            if not exchange.wait_readable(run):
                run()
        elif (
            self._inline_seconds
            and (not self._inline_paused_until or self._inline_allowed())
            # push() waits for the front end's answer, which the loop must be free to read.
            and not exchange.capabilities & PUSH
        ):
            self._run_inline(exchange, request)
        else:
            self._pool.submit(self._run_sync, exchange, request)

    def _inline_allowed(self) -> bool:
        """Inline calls were paused: whether the pause is over."""
        if time.monotonic() < self._inline_paused_until:
            return False
        self._inline_paused_until = 0.0
        return True

    def _slow_inline_call(self) -> None:
        # A first call that imports or warms caches, or a collection pause, is slow once: only
        # a second slow call among the last INLINE_SLOW_SPAN marks an application that blocks.
        calls = self._inline_calls
        if calls - self._last_slow_call <= INLINE_SLOW_SPAN:
            self._inline_paused_until = time.monotonic() + INLINE_PAUSE_SECONDS
            logger.debug("sync calls are slow: the thread pool serves the next %d s", INLINE_PAUSE_SECONDS)
        self._last_slow_call = calls

    def _run_inline(self, exchange: Exchange, request: Request) -> None:
        """On the loop: call a sync application here, as a pool thread would."""
        started = time.perf_counter()
        # Sync code must not see a running loop: asyncio.get_running_loop() in it would find
        # this one, and frameworks refuse sync database calls from "async context" (Django).
        _set_running_loop(None)
        exchange.inline_call = True
        try:
            response = exchange.context.run(self._app, request)  # type: ignore[union-attr]
        except BaseException as exc:  # SystemExit too: it ends this request only (11.3)
            response = None
            failure: Optional[BaseException] = exc
        else:
            failure = None
        finally:
            exchange.inline_call = False
            _set_running_loop(self._loop)
            self._inline_calls += 1
            if time.perf_counter() - started > self._inline_seconds:
                self._slow_inline_call()
        if failure is not None:
            self._failed_before_head(exchange, request, failure)
            exchange.app_done()
            return
        # A streamed body goes on in a pool thread (_respond submits the producer there).
        self._respond(exchange, request, response, False)

    async def cancel_all(self) -> None:
        """Cancel the application tasks still running (the link is gone)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(
        self, coro: Any, context: Optional[contextvars.Context], eager: bool = False
    ) -> "asyncio.Task[None]":
        # The loop keeps only weak references to tasks: hold them until they finish.
        if eager and EAGER_TASKS:
            # Its first step runs now, in the task: one that finishes there costs no loop turn.
            task = asyncio.Task(coro, loop=self._loop, context=context, eager_start=True)  # type: ignore[call-arg,unused-ignore]
            if task.done():
                return task
        elif context is None:
            task = self._loop.create_task(coro)
        elif EAGER_START:
            task = self._loop.create_task(coro, context=context)  # type: ignore[call-arg,unused-ignore]
        else:  # before 3.11 a task would run in a copy: each step is run in `context` instead
            task = self._loop.create_task(awaited_in(context, coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- calling the app ---------------------------------------------------------------------

    def _start_async(self, exchange: Exchange, request: Request) -> None:
        context = exchange.context = contextvars.copy_context()
        try:
            awaitable = context.run(self._app, request)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too (11.3)
            self._failed_before_head(exchange, request, exc)
            exchange.app_done()
            return
        if not EAGER_START or type(awaitable) is not _COROUTINE:
            if isinstance(awaitable, Response) or not inspect.isawaitable(awaitable):
                # A sync wrapper classified async through its __wrapped__ (spec 4.1) that
                # answered at once: its response (any object satisfying the contract, 7.8) is
                # used as is.
                self._respond(exchange, request, awaitable, False)
                return
            exchange.task = self._spawn(self._run_async(exchange, request, awaitable), context)
            return
        try:
            first = context.run(awaitable.send, None)
        except StopIteration as stop:
            self._respond(exchange, request, stop.value, False)
            return
        except BaseException as exc:
            self._failed_before_head(exchange, request, exc)
            exchange.app_done()
            return
        exchange.task = self._spawn(
            self._run_async(exchange, request, _resume(awaitable, first)), context
        )

    def _start_early(self, exchange: Exchange, request: Request) -> None:
        context = exchange.context = contextvars.copy_context()
        self._spawn(self._run_early(exchange, request), context, eager=True)

    async def _run_early(self, exchange: Exchange, request: Request) -> None:
        """In the request's task: run an application that hands its response over through
        `respond` as soon as it is known, and may go on after that (its streamed body, its
        work after the response), still in this task."""
        task = exchange.task = asyncio.current_task()
        responded = False

        def respond(response: Any) -> None:
            nonlocal responded
            if responded:
                raise RuntimeError("the response was already handed over")
            responded = True
            # From now on a client that leaves cancels the body's producer, not this task.
            if exchange.task is task:
                exchange.task = None
            self._respond(exchange, request, response, False)

        early = self._early
        assert early is not None
        try:
            await early(request, respond)
        except BaseException as exc:  # caught here, SystemExit would stop the worker's loop
            if exchange.task is task:
                exchange.task = None
            if responded:
                if isinstance(exc, asyncio.CancelledError):
                    return  # its work after the response was cancelled (shutdown): no error
                logger.error(
                    "error in application after its response for %s %s",
                    request.method,
                    request.path,
                    exc_info=exc,
                )
            else:
                self._failed_before_head(exchange, request, exc)
                exchange.app_done()
            return
        if exchange.task is task:
            exchange.task = None
        if not responded:
            self._not_a_response(
                exchange, request, None, InvalidResponse("the application handed over no response")
            )

    async def _run_async(self, exchange: Exchange, request: Request, awaitable: Any) -> None:
        try:
            response = await awaitable
        except BaseException as exc:  # caught here, SystemExit would stop the worker's loop
            exchange.task = None
            self._failed_before_head(exchange, request, exc)
            exchange.app_done()
            return
        # Nothing left to cancel here; and no exchange -> task -> exchange cycle to collect.
        exchange.task = None
        self._respond(exchange, request, response, False)

    def _run_sync(self, exchange: Exchange, request: Request) -> None:
        """In a pool thread: call the application in the request's context. Calls to the loop
        are posted after the context is left: a context is entered by one thread at a time,
        and the loop may enter it (a body's close, a completion callback) at once."""
        call_soon = exchange.session.call_from_thread
        try:
            response = exchange.context.run(self._app, request)  # type: ignore[union-attr]
        except BaseException as exc:  # SystemExit too: it ends this request only (11.3)
            call_soon(self._failed_before_head, exchange, request, exc)
            call_soon(exchange.app_done)
            return
        if type(response) is not Response:
            if inspect.isawaitable(response) or _accepts_websocket(response):
                # Awaited, or taken as a WebSocket acceptance, on the loop (_respond).
                call_soon(self._respond, exchange, request, response, False)
                return
            try:  # validated here, in the application's thread, when it is not a Response
                response = exchange.context.run(adopt, response)  # type: ignore[union-attr]
            except BaseException as exc:  # not a response: nothing of it is sent
                call_soon(self._not_a_response, exchange, request, response, exc)
                return
        body = response.body
        if type(body) is not bytes:
            try:
                kind = kind_of(body)
            except TypeError as exc:  # a subclass's body no Response would have taken
                call_soon(self._not_a_response, exchange, request, response, InvalidResponse(str(exc)))
                return
            if kind == KIND_ITER or (kind == KIND_FILE and _file_reference(exchange, response) is None):
                # This thread owns the body: it pulls it once the loop has sent the head (the
                # loop runs callbacks in order, so every chunk follows the head), or closes it.
                call_soon(self._respond, exchange, request, response, True)
                if _bodiless(request, response):
                    exchange.context.run(_close_body, response)  # type: ignore[union-attr]
                    call_soon(exchange.app_done)
                else:
                    self._produce_sync(exchange, request, response, None)
                return
        call_soon(self._respond, exchange, request, response, False)

    def _respond(
        self, exchange: Exchange, request: Request, response: Any, owned_by_thread: bool
    ) -> None:
        """On the loop: send the head (and an in-memory body, or the file reference); start an
        async producer. `response` is what the application returned (spec 7.8: anything
        satisfying the response contract, or an awaitable giving it); `owned_by_thread`: a sync
        producer thread already owns the body and closes it when it stops."""
        if type(response) is not Response:
            if inspect.isawaitable(response):
                self._await_returned(exchange, request, response)
                return
            if _accepts_websocket(response):
                self.websockets.accept(exchange, request, response)
                return
            try:
                response = adopt(response)
            except BaseException as exc:
                self._not_a_response(exchange, request, response, exc)
                return
        body = response.body
        if type(body) is bytes:
            kind = KIND_BYTES
        else:
            try:
                kind = kind_of(body)
            except TypeError as exc:  # a subclass's body no Response would have taken
                self._not_a_response(exchange, request, response, InvalidResponse(str(exc)))
                return
        status = response.status
        # _bodiless, written out: this runs once per request.
        bodiless = status == 204 or status == 304 or request._method == "HEAD"
        if exchange.stopped:
            # The client left before the head (spec 11.2): the body is closed, never pulled.
            if not owned_by_thread:
                self._discard_body(exchange, response)
            return
        file = None
        if kind == KIND_FILE and not bodiless and not owned_by_thread:
            file = _file_reference(exchange, response)
        try:
            if file is not None:
                exchange.start_file(response, file)
            else:
                exchange.start(response, bodiless, body, status)
        except Exception as exc:
            self._failed_before_head(exchange, request, exc)
            if not owned_by_thread:
                self._discard_body(exchange, response)
            return
        if bodiless or file is not None:
            # RFC 9110 sections 9.3.2, 15.3.5, 15.4.5: no content; close without iterating.
            # A file the front end sends itself is opened again there, by its path.
            if not owned_by_thread:
                self._discard_body(exchange, response)
        elif kind == KIND_AITER:
            exchange.task = self._spawn(
                self._produce_async(exchange, request, response), exchange.context
            )
        elif kind == KIND_ITER or kind == KIND_FILE:
            if not owned_by_thread:
                # Submitted from a later loop turn: an async application's task may still be
                # in the request's context now, which the producer's thread must enter.
                self._loop.call_soon(
                    self._pool.submit,
                    self._produce_sync,
                    exchange,
                    request,
                    response,
                    None,
                    context=LOOP_CONTEXT,
                )
        else:
            exchange.app_done()  # an in-memory body: sent with the head

    def _await_returned(self, exchange: Exchange, request: Request, awaitable: Any) -> None:
        """On the loop: a sync call returned an awaitable (a wrapper around an async app that
        kind detection could not see through, spec 4.1): it is awaited here, on the loop, and
        its result is the response. It cost a thread hand-off: say so once."""
        if not self._warned_awaitable:
            self._warned_awaitable = True
            logger.warning(
                "the application is sync but returned %s: awaiting it on the event loop "
                "(make the outermost callable async to save a thread hand-off per request)",
                type(awaitable).__name__,
            )
        exchange.task = self._spawn(
            self._run_async(exchange, request, awaitable), exchange.context
        )

    def _not_a_response(
        self, exchange: Exchange, request: Request, returned: Any, exc: BaseException
    ) -> None:
        """On the loop: the application's result does not satisfy the response contract
        (spec 7.8): a 500, and a log entry naming what is wrong. Its body, if any, is closed;
        then the application is done."""
        if isinstance(exc, InvalidResponse):
            logger.error(
                "invalid response for %s %s (the application returned %s): %s",
                request.method,
                request.path,
                "None" if returned is None else type(returned).__name__,
                exc,
            )
        else:  # reading its attributes raised
            logger.error(
                "error reading the response returned for %s %s",
                request.method,
                request.path,
                exc_info=exc,
            )
        try:
            close = getattr(getattr(returned, "body", None), "close", None)
            if callable(close):
                close()
        except Exception:
            logger.exception("error closing the response body")
        self._send_500(exchange, exc if self._debug else None)
        exchange.app_done()

    # -- producing bodies --------------------------------------------------------------------

    def _produce_sync(
        self,
        exchange: Exchange,
        request: Request,
        response: Response,
        chunks: Optional[Iterator[Any]],
    ) -> None:
        """In a pool thread: pull chunks while the front end has credit for them (A.5), so a
        slow client holds back the producer instead of filling memory. When the credit runs
        out the thread goes back to the pool; the loop submits this producer again, with the
        same iterator, once the chunks handed over are sent (Exchange.send_sync). Likewise
        while the request body is open with nothing to read: a pull may read it, so the thread
        goes back until a chunk arrives or the body ends (spec 4.2). The body runs in the
        request's context, whichever thread pulls it."""
        context: contextvars.Context = exchange.context  # type: ignore[assignment]
        status = _FAILED
        value: Any = None
        try:
            if chunks is None:
                chunks = context.run(_iterate, response, self.file_chunk_size)
        except BaseException as exc:
            context.run(_close_body, response)
            value = exc
        else:
            resume = functools.partial(self._resume_sync, exchange, request, response, chunks)
            # A pull may read the request body, unless the body is a file or has ended.
            body_wait = (
                resume
                if not exchange._body_ended and kind_of(response.body) != KIND_FILE
                else None
            )
            while True:
                status, value = context.run(_pull_chunks, exchange, response, chunks, body_wait)
                if status == _WAITING:
                    return  # the thread is free; _resume_sync continues once there is a chunk
                if status != _HAND_OVER:
                    break
                if not exchange.send_sync(value, resume):
                    return  # the thread is free; _resume_sync continues once credit is back
        call_soon = exchange.session.call_from_thread
        if status == _ENDED:
            call_soon(exchange.finish, value)
        elif status == _FAILED:
            call_soon(self._failed_after_head, exchange, request, value)
        call_soon(exchange.app_done)

    def _resume_sync(
        self, exchange: Exchange, request: Request, response: Response, chunks: Iterator[Any]
    ) -> None:
        """On the loop: the chunks a parked producer handed over are sent, or the request body
        it waited for has a chunk or ended, or the stream stopped; the producer continues (or
        closes its body) in a pool thread."""
        self._pool.submit(self._produce_sync, exchange, request, response, chunks)

    async def _produce_async(
        self, exchange: Exchange, request: Request, response: Response
    ) -> None:
        chunks: Any = response.body
        try:
            chunks = chunks.__aiter__()
            while not exchange.stopped:
                try:
                    # Cancelled here when the client leaves (Exchange.on_reset): the
                    # generator gets CancelledError where it awaits, at once (11.1).
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    exchange.finish(_final_trailers(exchange, response))
                    break
                data = as_bytes(chunk)
                if data and not await exchange.send_async(data):
                    break
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too (11.3)
            if not (exchange.stopped and isinstance(exc, asyncio.CancelledError)):
                self._failed_after_head(exchange, request, exc)
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except BaseException:  # noqa: B902 - the response is over either way
                    logger.exception("error closing the response body")
            exchange.task = None
            exchange.app_done()

    def _discard_body(self, exchange: Exchange, response: Response) -> None:
        """On the loop: release a body that will not be sent, without pulling from it; then
        the application is done."""
        body: Any = response.body
        if hasattr(body, "__aiter__"):
            aclose = getattr(body, "aclose", None)
            if aclose is not None:
                self._spawn(_aclose(aclose, exchange), exchange.context)
                return
        elif type(body) is not bytes and not hasattr(body, "read"):  # an iterable
            if getattr(body, "close", None) is not None:
                # A generator's finally runs the application's code: in its context, entered
                # from a later loop turn (an async application's task may be in it now).
                self._loop.call_soon(self._close_in_context, exchange, response, context=LOOP_CONTEXT)
                return
        else:
            _close_body(response)  # a file, or bytes (nothing to close)
        exchange.app_done()

    def _close_in_context(self, exchange: Exchange, response: Response) -> None:
        context = exchange.context
        if context is None:
            _close_body(response)
        else:
            context.run(_close_body, response)
        exchange.app_done()

    # -- failures ----------------------------------------------------------------------------

    def _failed_before_head(self, exchange: Exchange, request: Request, exc: BaseException) -> None:
        if exchange.stopped and isinstance(exc, (ClientDisconnected, asyncio.CancelledError)):
            return  # the client left (and the await was cancelled for it); nobody to answer
        logger.error(
            "error in application for %s %s", request.method, request.path, exc_info=exc
        )
        self._send_500(exchange, exc)

    def _send_500(self, exchange: Exchange, exc: Optional[BaseException]) -> None:
        if exchange.stopped:
            return
        text = "Internal Server Error"
        if self._debug and exc is not None:
            text += "\n\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:
            exchange.start(Response(text, 500))
        except Exception:
            # Even the 500 could not go (the stream is in no state for a head): the stream
            # still gets an end, so its slot is freed and the front end answers for it.
            logger.exception("could not send the 500 response")
            exchange.reset(link.INTERNAL_ERROR)

    def session_failed(self, exchange: Exchange, label: str, exc: BaseException) -> None:
        """A WebSocket session raised: its traceback goes to the log (MUST-WS-7); the session
        closes with 1011."""
        logger.error("error in the WebSocket session of %s", label, exc_info=exc)

    def _failed_after_head(self, exchange: Exchange, request: Request, exc: BaseException) -> None:
        if exchange.stopped:
            return  # already reset or complete: nothing to tell the front end
        logger.error(
            "error in application after the response head for %s %s",
            request.method,
            request.path,
            exc_info=exc,
        )
        exchange.reset(link.INTERNAL_ERROR)


def _respond_early_of(app: Any) -> Optional[Callable[[Request, Callable[[Any], None]], Any]]:
    """The application's `respond_early(request, respond)`, when it offers one (from_asgi)."""
    try:
        early = getattr(app, "respond_early", None)
    except Exception:  # an attribute that raises: the application is called as usual
        return None
    return early if callable(early) else None


def _accepts_websocket(response: Any) -> bool:
    """A 101: what accepts a WebSocket offer (spec 9.3), recognised by its status alone (7.8),
    so an acceptance a middleware passed on, or another copy of this package made, is one."""
    try:
        return getattr(response, "status", None) == 101
    except Exception:  # a status property that raises: adopt() reports it
        return False


def _bodiless(request: Request, response: Response) -> bool:
    """HEAD responses and 204, 304 carry no content (RFC 9110 sections 9.3.2, 6.4.1)."""
    return response.status == 204 or response.status == 304 or request.method == "HEAD"


def _file_reference(exchange: Exchange, response: Response) -> Optional[FileReference]:
    """The file of a response that names one when the front end sends it itself (A.2
    FILE_RESPONSE), or None to send it as DATA: the front end must have announced FILE_BODIES,
    for a kind of path this one is. Thread-safe: the setting is fixed before any stream starts."""
    accepted = exchange.session.peer_file_bodies
    if not accepted:
        return None
    # FILE_BODIES_UTF8, and values this worker does not know yet, which include it, take UTF-8.
    return file_reference(response, accepted == link.FILE_BODIES_ASCII)


def _final_trailers(exchange: Exchange, response: Response) -> Any:
    """After the last chunk: the trailers to send, or None. A callable is called even when its
    trailers are dropped, since it may release resources (spec 7.6)."""
    if response.trailers is None:
        return None
    trailers = resolve_trailers(response.trailers)
    return trailers if exchange.wants_trailers(response) else None


async def _aclose(aclose: Callable[[], Any], exchange: Exchange) -> None:
    try:
        await aclose()
    except BaseException:  # noqa: B902 - the response is over either way
        logger.exception("error closing the response body")
    exchange.app_done()


def _iterate(response: Response, file_chunk_size: int) -> Iterator[Any]:
    """The iterator a sync producer pulls (in the request's context: iter() may run code)."""
    body: Any = response.body
    if kind_of(body) == KIND_FILE:
        return file_chunks(body, file_chunk_size)
    return iter(body)


def _pull_chunks(
    exchange: Exchange,
    response: Response,
    chunks: Iterator[Any],
    resume: Optional[Callable[[], None]],
) -> Tuple[int, Any]:
    """In a pool thread, in the request's context: pull and hand over chunks while they fit
    the front end's window. With `resume` (the request body is open), a pull waits for
    something to read without the thread: _WAITING, and `resume` is called once there is.
    Ends the body (closing it) unless it returns _HAND_OVER or _WAITING."""
    try:
        while not exchange.stopped:
            if resume is not None and exchange.wait_readable(resume):
                return _WAITING, None
            try:
                chunk = next(chunks)
            except StopIteration:
                trailers = _final_trailers(exchange, response)
                # Release the body's resources before the response is seen as complete.
                _close_body(response, chunks)
                return _ENDED, trailers
            data = as_bytes(chunk)
            if data and not exchange.send_if_room(data):
                return _HAND_OVER, data
    except BaseException as exc:  # SystemExit, KeyboardInterrupt too (11.3)
        _close_body(response, chunks)
        return _FAILED, exc
    _close_body(response, chunks)
    return _STOPPED, None


def _close_body(response: Response, iterator: Optional[Iterator[Any]] = None) -> None:
    """Release the body's resources (PEP 3333 habit: close() when the iterable has one)."""
    close = getattr(response.body, "close", None) or getattr(iterator, "close", None)
    if close is not None:
        try:
            close()
        except BaseException:  # noqa: B902 - the response is over either way
            logger.exception("error closing the response body")
