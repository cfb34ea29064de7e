"""One request inside the worker: its stream state, request-body buffer and response writer.

The event loop thread owns everything here. Application threads touch an exchange only through
the methods documented as thread-safe: they block on a lock-protected condition for body
chunks, and hand response chunks to the loop, waiting until the loop has sent them.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, List, Optional, Protocol

from ..api.errors import ClientDisconnected
from ..api.headers import Headers, RawHeaders
from ..api.priority import Priority
from ..api.response import Response, as_bytes
from . import link
from .body_memory import SHARED_MIN, BodyMemory
from .completion import ABORTED, CLIENT_GONE, COMPLETED, Completion
from .errors import LinkError
from .outgoing import FileReference, resolve_trailers
from .streams import IN_OPEN, OUT_BODY, Stream

if TYPE_CHECKING:
    from typing import Union

    from ..api.websocket import WebSocketOffer
    from .websocket import LinkWebSocket

    Buffer = Union[bytes, memoryview]

__all__ = ["Exchange", "SessionPort"]

logger = logging.getLogger("wsging.worker")

# Bodies below this size are copied into the frame that carries them; larger ones are not.
_JOIN_LIMIT = 16 * 1024


class SessionPort(Protocol):
    """What an exchange needs from the link session it belongs to."""

    loop: asyncio.AbstractEventLoop
    loop_thread: int
    peer_max_frame: int
    max_frame: int
    peer_file_bodies: int
    initial_window: int
    writing_paused: bool
    body_memory: Optional["BodyMemory"]  # shared body memory, once set up (A.2)
    sync_pool: Any  # the dispatcher's ThreadPool: where sync completion callbacks run

    def write(self, data: "Buffer") -> None: ...

    def call_from_thread(self, fn: Callable[..., object], *args: Any) -> None: ...

    def resume_later(self, exchange: "Exchange") -> None: ...

    def stream_completed(self, exchange: "Exchange") -> None: ...


class Exchange:
    """Implements the request's BodySource and RequestChannel, and writes the response."""

    __slots__ = (
        "session",
        "stream",
        "capabilities",
        "_lock",
        "_chunks",
        "_body_ended",
        "_body_error",
        "_body_cond",
        "_body_waiter",
        "_on_readable",
        "_credit",
        "_grant_scheduled",
        "_first_grant",
        "_trailers",
        "_disconnected",
        "_disconnect_waiters",
        "_pending",
        "_end_marked",
        "_end_trailers",
        "_sync_producer",
        "_inflight",
        "_resume",
        "_drain_waiter",
        "stopped",
        "inline_call",
        "context",
        "task",
        "_completion",
        "_abandoned",
        "priority_update",
        "offer",
        "ws",
    )

    def __init__(
        self, session: SessionPort, stream: Stream, expect_continue: bool, capabilities: int
    ) -> None:
        self.session = session
        self.stream = stream
        self.capabilities = capabilities
        # request body
        self._lock = threading.Lock()
        self._chunks: Deque[bytes] = deque()
        self._body_ended = stream.inbound is not IN_OPEN
        self._body_error: Optional[str] = None
        self._body_cond: Optional[threading.Condition] = None
        self._body_waiter: Optional["asyncio.Future[None]"] = None
        # A sync job (an application call, a producer's pull) that waits without a thread for
        # something to read: the loop submits it when a chunk arrives or the body ends or fails.
        self._on_readable: Optional[Callable[[], None]] = None
        self._credit = 0  # bytes consumed by the app, not yet granted back
        self._grant_scheduled = False
        self._first_grant = expect_continue  # A.5: the window starts at 0 until the first read
        self._trailers: Optional[Headers] = None
        # disconnect news
        self._disconnected = False
        # Made by the first wait_disconnected(): most requests never wait for a disconnect.
        self._disconnect_waiters: Optional[List["asyncio.Future[None]"]] = None
        # response body
        self._pending: Deque[memoryview] = deque()
        self._end_marked = False
        self._end_trailers: Optional[RawHeaders] = None
        # A producer thread hands chunks over without waiting while the bytes not yet sent fit
        # the front end's window; past it, it returns its thread and leaves _resume, which the
        # loop calls once they are all sent (or the stream stopped).
        self._sync_producer = False
        self._inflight = 0  # bytes handed over by the producer thread, not yet sent
        self._resume: Optional[Callable[[], None]] = None
        self._drain_waiter: Optional["asyncio.Future[None]"] = None
        self.stopped = False  # the response must not advance any more (reset or complete)
        # A sync application runs for this exchange on the loop's thread (--inline-sync): its
        # sync body reads are allowed there, the body being complete.
        self.inline_call = False
        # Set by the dispatcher: the request's contextvars.Context (spec 11.6), and the task
        # running its async application or body, cancelled when the client leaves (11.1).
        self.context: Optional[contextvars.Context] = None
        self.task: Optional["asyncio.Task[None]"] = None
        self._completion: Optional[Completion] = None  # made by the first on_complete()
        self._abandoned: Optional[str] = None  # ABORTED or CLIENT_GONE once reset
        # The client's latest PRIORITY_UPDATE (link PRIORITY), read by request.priority.
        self.priority_update: Optional[Priority] = None
        # A WebSocket offer (REQUEST flag WEBSOCKET): the offer made for this request, and once
        # the application accepted it, the session the stream carries on with (A.2).
        self.offer: Optional["WebSocketOffer"] = None
        self.ws: Optional["LinkWebSocket"] = None

    @property
    def body_complete(self) -> bool:
        """The whole request body has arrived: reading it cannot wait."""
        return self._body_ended

    # == request body: loop side ===========================================================

    def on_data(self, data: bytes, end: bool) -> None:
        self.stream.receive_data(len(data), end)
        with self._lock:
            if data:
                self._chunks.append(data)
            if end:
                self._body_ended = True
            self._wake_readers_locked()

    def on_trailers(self, headers: RawHeaders) -> None:
        self.stream.receive_trailers()
        with self._lock:
            self._trailers = Headers(headers)
            self._body_ended = True
            self._wake_readers_locked()

    def _wake_readers_locked(self) -> None:
        if self._body_cond is not None:
            self._body_cond.notify_all()
        ready = self._on_readable
        if ready is not None:
            self._on_readable = None
            ready()  # on the loop, as every caller is: it submits the job to the pool
        waiter = self._body_waiter
        if waiter is not None:
            self._body_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _fail_body(self, reason: str) -> None:
        with self._lock:
            if not self._body_ended and self._body_error is None:
                self._body_error = reason
            self._wake_readers_locked()

    def _grant(self) -> None:
        with self._lock:
            self._grant_scheduled = False
            increment, self._credit = self._credit, 0
            if self._first_grant:
                self._first_grant = False
                increment += self.session.initial_window
            if self._body_ended or self._body_error is not None:
                return
        if increment and not self.stream.complete:
            self.stream.grant(increment)
            self.session.write(link.encode_window(self.stream.id, increment))

    # == request body: consumer side (BodySource) ===========================================

    def _consumed_locked(self, size: int, on_loop: bool) -> None:
        if self._body_ended:  # everything is here already: no credit needed
            return
        self._credit += size
        # Grant in batches of a quarter window: fewer WINDOW frames, and the front end never
        # runs dry because a grant is also flushed whenever the reader has to wait.
        if self._credit >= max(1, self.session.initial_window // 4):
            self._schedule_grant_locked(on_loop)

    def _before_wait_locked(self, on_loop: bool) -> None:
        if self._credit or self._first_grant:
            self._schedule_grant_locked(on_loop)

    def _schedule_grant_locked(self, on_loop: bool) -> None:
        if not self._grant_scheduled:
            self._grant_scheduled = True
            if on_loop:
                self.session.loop.call_soon(self._grant)
            else:
                self.session.call_from_thread(self._grant)

    def take(self) -> Optional[bytes]:
        """Thread-safe: the next body chunk, None at the end; blocks the calling thread."""
        on_loop = threading.get_ident() == self.session.loop_thread
        if on_loop and not self.inline_call:
            raise RuntimeError(
                "request.body's sync methods would block the event loop; in an async "
                "application use await request.body.aread() or async for"
            )
        with self._lock:
            while True:
                if self._chunks:
                    chunk = self._chunks.popleft()
                    self._consumed_locked(len(chunk), on_loop)
                    return chunk
                if self._body_error is not None:
                    raise ClientDisconnected(self._body_error)
                if self._body_ended:
                    return None
                if on_loop:  # an inline call starts only with the whole body here
                    raise RuntimeError("request.body would wait for the event loop it runs on")
                self._before_wait_locked(False)
                if self._body_cond is None:
                    self._body_cond = threading.Condition(self._lock)
                self._body_cond.wait()

    async def atake(self) -> Optional[bytes]:
        """The next body chunk, None at the end; awaits on the event loop."""
        while True:
            with self._lock:
                if self._chunks:
                    chunk = self._chunks.popleft()
                    self._consumed_locked(len(chunk), True)
                    return chunk
                if self._body_error is not None:
                    raise ClientDisconnected(self._body_error)
                if self._body_ended:
                    return None
                self._before_wait_locked(True)
                waiter = self._body_waiter = self.session.loop.create_future()
            await waiter

    def wait_readable(self, then: Callable[[], None]) -> bool:
        """Thread-safe: before a sync job that may read the body takes a thread (spec 4.2).
        True: nothing to read yet (the body is open, no chunk is here): the job must not take
        one; `then` is called on the loop once a chunk arrives or the body ends or fails (the
        client left, the response completed). False: a read cannot wait, or the job must run
        now all the same: a request expecting `100 Continue` gets no body before the first read
        (6.4), so waiting for one would wait for ever."""
        if self._body_ended:  # only ever set: a stale False only takes the locked path
            return False
        with self._lock:
            if self._chunks or self._body_ended or self._body_error is not None or self._first_grant:
                return False
            if self._credit:
                # What was read and not granted yet goes back now, or the front end may have
                # no window left to send the chunk this job waits for.
                self._schedule_grant_locked(threading.get_ident() == self.session.loop_thread)
            self._on_readable = then
            return True

    @property
    def trailers(self) -> Optional[Headers]:
        return self._trailers

    # == RequestChannel =====================================================================

    @property
    def disconnected(self) -> bool:
        return self._disconnected

    async def wait_disconnected(self) -> None:
        # Also returns once the stream is complete, so a watcher task never outlives its request.
        if not self._disconnected and not self.stream.complete:
            waiter: "asyncio.Future[None]" = self.session.loop.create_future()
            if self._disconnect_waiters is None:
                self._disconnect_waiters = []
            self._disconnect_waiters.append(waiter)
            await waiter

    def on_complete(self, callback: Callable[[str], Any]) -> None:
        """Thread-safe: run `callback(outcome)` once the response is over (spec 11.7)."""
        completion = self._completion
        if completion is None:
            with self._lock:
                completion = self._completion
                if completion is None:
                    completion = self._completion = Completion(self)
                    if self.stopped:  # the stream ended before anyone asked
                        completion.outcome = self._outcome_so_far()
        completion.add(callback)

    def _outcome_so_far(self) -> str:
        return self._abandoned or COMPLETED

    def app_done(self) -> None:
        """On the loop: the dispatcher is done with the application (returned, body closed)."""
        completion = self._completion
        if completion is not None:
            completion.app_done()

    def send_informational(self, status: int, headers: RawHeaders) -> bool:
        if threading.get_ident() == self.session.loop_thread:
            return self._informational(status, headers)
        if self._disconnected or self.stream.head_sent:
            return False
        # FIFO with the response head the same thread submits later.
        self.session.call_from_thread(self._informational, status, headers)
        return True

    async def asend_informational(self, status: int, headers: RawHeaders) -> bool:
        return self._informational(status, headers)

    def _informational(self, status: int, headers: RawHeaders) -> bool:
        if self.stream.head_sent:
            return False
        try:
            frame = link.encode_informational(self.stream.id, status, headers)
        except LinkError as exc:  # a field the link cannot carry (A.2): this hint is dropped
            logger.error("informational response not sent: %s", exc)
            return False
        self.stream.send_informational()
        self.session.write(frame)
        return True

    # == response: loop side ================================================================

    def wants_trailers(self, response: Response) -> bool:
        return response.trailers is not None and bool(self.capabilities & 0x01)

    def start(
        self,
        response: Response,
        bodiless: bool = False,
        body: Any = None,
        status: int = 0,
    ) -> None:
        """Send the head; for in-memory bodies (bytes, list) send the whole body too, and for a
        `bodiless` response (HEAD, 204, 304) none at all. Raises before anything is sent, and
        before the stream's state changes, when the head or that body is invalid. Reads the
        response through its public attributes only (spec 7.8); `body` and `status`, when the
        caller read them already, spare reading them again."""
        stream = self.stream
        if not status:
            body = response.body
            status = response.status
        trailers_given = response.trailers
        if type(body) is bytes and trailers_given is None:
            # The common case: the head and the whole body in one write when the body fits the
            # front end's window and frame size (A.5), which a fresh stream's window usually does.
            data = b"" if bodiless else body
            size = len(data)
            session = self.session
            if size <= stream.send_window and size <= session.peer_max_frame:
                # Every frame is encoded before the stream moves on: a head the link cannot
                # carry raises here, and the 500 that replaces it still finds the stream open.
                slot = -1
                if size >= SHARED_MIN:  # checked first: most whole bodies are small
                    memory = session.body_memory
                    if memory is not None:
                        head = link.encode_response(stream.id, status, response.headers.raw)
                        slot = memory.put(data)
                if slot >= 0:  # A.2: the body goes through shared memory
                    stream.send_whole(size)
                    session.write(head + link.encode_shared_data(stream.id, slot, size, link.END_STREAM))
                elif size < _JOIN_LIMIT:
                    frames = link.encode_whole_response(
                        stream.id, status, response.headers.raw, data
                    )
                    stream.send_whole(size)
                    session.write(frames)
                else:  # a large body is not copied into the frame, the write takes it as is
                    head = link.encode_response(stream.id, status, response.headers.raw)
                    stream.send_whole(size)
                    session.write(head + link.frame_header(size, link.DATA, link.END_STREAM, stream.id))
                    session.write(data)
                self._completed()
                return
        chunks = type(body) is list or type(body) is tuple
        in_memory = bodiless or type(body) is bytes or chunks
        if bodiless:
            views = []
        elif type(body) is bytes:
            views = [memoryview(body)] if body else []
        elif chunks:
            views = [memoryview(as_bytes(chunk)) for chunk in body]
        else:
            views = []
        # A body known to be in memory is complete already, so its trailers can be computed now.
        # A callable is called even when its trailers are dropped: it may release resources
        # (spec 7.6); a bodiless response has no chunked coding to carry them.
        trailers = None
        if in_memory and trailers_given is not None:
            trailers = resolve_trailers(trailers_given)
            if bodiless or not self.wants_trailers(response):
                trailers = None
        end = in_memory and not views and trailers is None
        head = link.encode_response(
            stream.id, status, response.headers.raw, link.END_STREAM if end else 0
        )
        stream.send_head(end)
        self.session.write(head)
        if end:
            self._completed()
        elif in_memory:
            self._pending.extend(views)
            self.finish(trailers)

    def start_file(self, response: Response, file: FileReference) -> None:
        """Send the head with a reference to the slice of a file the front end sends as the body
        (A.2 FILE_RESPONSE): the stream is complete at once, no body flows over the link. Raises
        before anything is sent when the head is invalid."""
        stream = self.stream
        path, offset, length, device, inode = file
        frame = link.encode_file_response(
            stream.id, response.status, response.headers.raw, path, offset, length, device, inode
        )
        stream.send_file_response()
        self.session.write(frame)
        self._completed()

    def push(self, chunk: bytes) -> None:
        """Queue a body chunk and send what the window allows."""
        if self.stopped or self.stream.outbound is not OUT_BODY:
            self.stopped = True
            self._signal_drained()
            return
        self._pending.append(memoryview(chunk))
        self._pump()

    def finish(self, trailers: Optional[RawHeaders]) -> None:
        """End the body after the queued chunks, with TRAILERS when given."""
        if self.stopped or self.stream.outbound is not OUT_BODY:
            return
        self._end_marked = True
        self._end_trailers = trailers
        self._pump()

    def on_window(self, increment: int) -> None:
        self.stream.receive_window(increment)
        if self.ws is not None:
            self.ws.on_window()
        elif self._pending or self._end_marked:
            self._pump()

    def resume(self) -> None:
        """The link's transport accepts writes again."""
        if self.ws is not None:
            self.ws.on_window()
        else:
            self._pump()

    def websocket_closed(self, dropped: bool, failed: bool) -> None:
        """On the loop: the front end's WS_CLOSE completed the session's stream (A.2). The
        completion callbacks learn how it ended (11.7): the client left without a close,
        the session failed, or the close handshake completed."""
        if dropped:
            self._disconnected = True
            self._completed(CLIENT_GONE)
        else:
            self._completed(ABORTED if failed else COMPLETED)

    def _pump(self) -> None:
        stream = self.stream
        if stream.complete:
            return
        session = self.session
        pending = self._pending
        write = session.write
        max_frame = session.peer_max_frame
        sent = 0
        blocked = False
        while pending:
            window = stream.send_window
            if window <= 0:
                blocked = True  # the front end's next WINDOW pumps again
                break
            if session.writing_paused:
                session.resume_later(self)
                blocked = True
                break
            view = pending[0]
            size = len(view)
            if size > window or size > max_frame:
                size = min(window, max_frame)
                piece = view[:size]
                pending[0] = view[size:]
            else:
                piece = view
                pending.popleft()
            end = self._end_marked and not pending and piece is view and self._end_trailers is None
            stream.send_data(size, end)
            flags = link.END_STREAM if end else 0
            memory = session.body_memory
            slot = memory.put(piece) if size >= SHARED_MIN and memory is not None else -1
            if slot >= 0:  # A.2: the bytes go through shared memory, only the frame is written
                write(link.encode_shared_data(stream.id, slot, size, flags))
            else:
                write(link.frame_header(size, link.DATA, flags, stream.id))
                write(piece)
            if end:
                self._completed()
                return
            sent += size
        if sent and self._sync_producer:
            with self._lock:
                self._inflight -= sent
        if blocked:
            return
        self._signal_drained()
        if self._end_marked:
            trailers = self._end_trailers
            if trailers is not None:
                try:
                    frame = link.encode_trailers(stream.id, trailers)
                except LinkError as exc:
                    # A trailer field the link cannot carry (A.2): the response cannot end
                    # well, so it ends badly (11.3) rather than never, and the link lives on.
                    logger.error("response trailers not sent: %s", exc)
                    self.reset(link.INTERNAL_ERROR)
                    return
                stream.send_trailers()
            else:
                frame = link.encode_data(stream.id, b"", link.END_STREAM)
                stream.send_data(0, True)
            write(frame)
            self._completed()

    def _signal_drained(self) -> None:
        if self._sync_producer:
            with self._lock:
                resume = self._resume
                if resume is not None and (self.stopped or self._inflight <= 0):
                    self._resume = None
                else:
                    resume = None
            if resume is not None:
                resume()  # the producer gets a thread again
        waiter = self._drain_waiter
        if waiter is not None:
            self._drain_waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _completed(self, outcome: str = COMPLETED) -> None:
        self.stopped = True
        if self._pending:
            self._pending.clear()
        if self._sync_producer or self._drain_waiter is not None:
            self._signal_drained()  # a producer may wait for its chunks to go: it may stop
        if self._disconnect_waiters:
            waiters, self._disconnect_waiters = self._disconnect_waiters, None
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        # Whoever still reads the body learns it is gone instead of waiting forever (A.4: late
        # DATA for a complete stream is dropped). _body_ended only changes on this thread.
        if not self._body_ended:
            self._fail_body("the response is complete; the rest of the request body was dropped")
        self.session.stream_completed(self)
        completion = self._completion
        if completion is not None:
            completion.stream_done(outcome)

    def reset(self, code: int) -> None:
        """Abandon the stream from this side (RESET `code`)."""
        if self.stream.complete:
            return
        self.session.write(link.encode_reset(self.stream.id, code))
        self._abandon("the request was reset", ABORTED)

    def on_reset(self, code: int) -> None:
        """The front end reset the stream: the client left or the request was abandoned. The
        application's pending await, or its async body's pending __anext__, is cancelled
        (spec 11.1): a generator asleep between server-sent events stops now, not at its
        next yield. Unless the application awaits wait_disconnected() or a body read: then
        it learns it there (the wait returns, the read raises ClientDisconnected)."""
        waiters = self._disconnect_waiters
        watched = self._body_waiter is not None or (
            waiters is not None and any(not waiter.done() for waiter in waiters)
        )
        self._abandon("the client disconnected", CLIENT_GONE)
        task = self.task
        if task is not None:
            self.task = None
            if not watched:
                # From the next loop turn: a task this very read woke (a body chunk arrived
                # with the reset) first takes what woke it, so a read it makes then raises
                # ClientDisconnected (MUST-DISC-3) instead of the chunk being lost to a
                # CancelledError that replaced it.
                self.session.loop.call_soon(task.cancel)

    def _abandon(self, reason: str, outcome: str) -> None:
        self.stream.reset()
        self._abandoned = outcome
        self._disconnected = True
        self._fail_body(reason)
        self._completed(outcome)
        if self.ws is not None:
            self.ws.gone()  # the session sees 1006, its application is not cancelled (9.5)

    # == response: producer side ============================================================

    def send_if_room(self, chunk: bytes) -> bool:
        """Thread-safe: hand `chunk` to the loop when it fits the front end's window (A.5)
        with the bytes handed over and not yet sent; False (nothing handed over) when it does
        not. True when the stream stopped: the producer sees `stopped` before its next pull."""
        with self._lock:
            if self.stopped:
                return True
            inflight = self._inflight + len(chunk)
            if inflight > self.stream.send_window:
                return False
            self._sync_producer = True
            self._inflight = inflight
        self.session.call_from_thread(self.push, chunk)
        return True

    def send_sync(self, chunk: bytes, resume: Callable[[], None]) -> bool:
        """Thread-safe: hand `chunk` to the loop without waiting. True: the producer may pull
        its next chunk now (it checks `stopped` first). False: the bytes handed over and not
        yet sent exceed the front end's window (A.5): the producer must return its thread, and
        the loop calls `resume()` once they are all sent or the stream stopped. So a client
        that reads nothing holds back its producer with bounded memory, and holds no thread
        while it does."""
        with self._lock:
            if self.stopped:
                return True
            self._sync_producer = True
            self._inflight += len(chunk)
            park = self._inflight > self.stream.send_window
            if park:
                self._resume = resume
        self.session.call_from_thread(self.push, chunk)
        return not park

    async def send_async(self, chunk: bytes) -> bool:
        """On the loop: queue `chunk` and wait until it was sent. False when stopped."""
        self.push(chunk)
        if self._pending and not self.stopped:
            waiter = self._drain_waiter = self.session.loop.create_future()
            await waiter
        return not self.stopped

