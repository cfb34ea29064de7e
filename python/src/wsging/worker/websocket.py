"""One WebSocket session over the worker link (spec 9.4, A.2 *WebSocket*): the channel behind
the application's WebSocket or AsyncWebSocket.

The event loop owns the session's state, its outgoing queue and its pings; application threads
(a sync session) and tasks (an async one) reach them through the methods below. Incoming
messages wait in a queue read under a lock, so a sync receive takes a message without a trip
to the loop.

Flow control (A.5) both ways, in WS_MESSAGE payload bytes:
- Out: a message is split at the front end's MAX_FRAME and sent only within its window; the
  sender waits until its message is on the link. A thread's message that fits the window with
  the bytes its threads handed over before is handed over without waiting.
- In: a complete message's bytes are granted back when the application takes it. A piece of
  an incomplete message is granted at once while no complete message waits (so a message
  larger than the window can arrive); while one waits, the pieces are held too, until the
  application has taken every complete message. What waits is then at most a window of
  messages plus the one being assembled, which max_message_size bounds (MUST-WS-10).
  Grants go in quarter windows (A.5). A receiver that waits need not flush a smaller rest:
  with nothing waiting, every byte received was released, so less than a quarter window is
  held back and the front end has credit for more.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional, Tuple

from ..api.errors import WebSocketClosed
from ..api.websocket import Message, header_elements
from . import link
from .errors import LOCAL, REMOTE, StreamError

if TYPE_CHECKING:
    from .exchange import Exchange

__all__ = ["LinkWebSocket", "WS_MOVES", "CLOSE_TIMEOUT"]

logger = logging.getLogger("wsging.worker")

# Session states
ACCEPTED = "accepted"  # WS_ACCEPT sent; WS_OPEN (or the front end's WS_CLOSE) comes next
OPEN = "open"  # WS_OPEN received: the session runs
CLOSING = "closing"  # the worker's WS_CLOSE is sent; the front end's WS_CLOSE comes next
CLOSED = "closed"  # the front end's WS_CLOSE arrived, or the stream was reset or the link lost

# Events: what the front end sends (RECV_*), what this worker sends (SEND_*), and the stream
# ending without a close (GONE: a RESET either way, the link lost).
RECV_OPEN = "recv WS_OPEN"
RECV_MESSAGE = "recv WS_MESSAGE"
RECV_PONG = "recv WS_PONG"
RECV_CLOSE = "recv WS_CLOSE"
SEND_MESSAGE = "send WS_MESSAGE"
SEND_PING = "send WS_PING"
SEND_CLOSE = "send WS_CLOSE"
GONE = "gone"

# Every allowed move. A frame from the front end that the table does not allow is a stream
# error (RESET PROTOCOL_ERROR); the worker's own sends are checked before they are made.
WS_MOVES: Dict[Tuple[str, str], str] = {
    (ACCEPTED, RECV_OPEN): OPEN,
    (ACCEPTED, RECV_CLOSE): CLOSED,  # the client left before the handshake went out
    (ACCEPTED, GONE): CLOSED,
    (OPEN, RECV_MESSAGE): OPEN,
    (OPEN, RECV_PONG): OPEN,
    (OPEN, SEND_MESSAGE): OPEN,
    (OPEN, SEND_PING): OPEN,
    (OPEN, SEND_CLOSE): CLOSING,
    (OPEN, RECV_CLOSE): CLOSED,
    (OPEN, GONE): CLOSED,
    # The client may still send until its close frame answers the worker's.
    (CLOSING, RECV_MESSAGE): CLOSING,
    (CLOSING, RECV_PONG): CLOSING,
    (CLOSING, RECV_CLOSE): CLOSED,
    (CLOSING, GONE): CLOSED,
    (CLOSED, GONE): CLOSED,
}

# How long the worker waits for the front end's WS_CLOSE after its own, which the front end
# sends once the client answered or its own (shorter) wait for the client ended. Past it the
# stream is reset and the session counts as closed with the code the application gave.
CLOSE_TIMEOUT = 30.0

CLOSED_BY_PEER_WITHOUT_CODE = 1005
DROPPED = 1006

# From this size a message piece is written as it is, not copied into its frame.
_JOIN_LIMIT = 16 * 1024


class _Outgoing:
    """A message (or the close) waiting to go out, and the sender waiting for it."""

    __slots__ = ("view", "flags", "offset", "close", "thread", "detached", "done", "error", "future")

    def __init__(self, data: bytes, flags: int, thread: bool) -> None:
        self.view = memoryview(data)
        self.flags = flags  # WS_TEXT, WS_UNCOMPRESSED
        self.offset = 0  # bytes of it sent so far
        self.close: Optional[Tuple[int, str]] = None  # the close marker: (code, reason)
        self.thread = thread  # handed over by a thread: counted in the threads' in-flight bytes
        self.detached = False  # its sender did not wait for it
        self.done = False
        self.error: Optional[WebSocketClosed] = None
        self.future: Optional["asyncio.Future[None]"] = None


class _Ping:
    __slots__ = ("sent", "rtt", "done", "error", "future")

    def __init__(self) -> None:
        self.sent = 0.0
        self.rtt = 0.0
        self.done = False
        self.error: Optional[WebSocketClosed] = None
        self.future: Optional["asyncio.Future[None]"] = None


class SessionEnds:
    """What the session's host is told (websocket_host.WebSocketHost implements it)."""

    def opened(self, ws: "LinkWebSocket") -> None:  # pragma: no cover - an interface
        raise NotImplementedError

    def closed(self, ws: "LinkWebSocket") -> None:  # pragma: no cover - an interface
        raise NotImplementedError


class LinkWebSocket:
    """The worker's side of one session (implements wsging.api.websocket.WebSocketChannel)."""

    def __init__(
        self,
        exchange: "Exchange",
        host: SessionEnds,
        *,
        session: Callable[[Any], Any],
        is_async: bool,
        subprotocol: Optional[str],
        max_message_size: int,
        close_timeout: float = CLOSE_TIMEOUT,
        label: str = "",
    ) -> None:
        self.exchange = exchange
        self.label = label  # "METHOD path" of the offer, for the log
        self.stream = exchange.stream
        self._port = exchange.session
        self._loop = exchange.session.loop
        self._host = host
        self.session = session  # the application's session callable
        self.is_async = is_async
        self.state = ACCEPTED
        self.started = False  # the session callable was called
        self.failed = False  # it raised (its close is 1011)
        self._subprotocol = subprotocol
        self._extensions: List[str] = []
        self._max_message_size = max_message_size
        self._close_timeout = close_timeout
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        # incoming: complete messages with the bytes of each not granted back yet
        self._messages: Deque[Tuple[Message, int]] = deque()
        self._receivers: List["asyncio.Future[None]"] = []
        self._parts: List[bytes] = []
        self._parts_size = 0
        self._parts_text = False
        self._parts_held = 0  # bytes of the incomplete message not granted back yet
        self._credit = 0  # bytes taken by the application, not yet granted back
        self._grant_scheduled = False
        # closing
        self._close_code: Optional[int] = None
        self._close_reason: Optional[str] = None
        self._closed: Optional[Tuple[int, str]] = None  # set once the connection is closed
        self._local_close: Optional[Tuple[int, str]] = None  # the application's close
        self._close_waiters: List["asyncio.Future[None]"] = []
        self._close_timer: Optional[asyncio.TimerHandle] = None
        self._close_queued = False  # on the loop: the close marker is in the outbox
        # outgoing
        self._outbox: Deque[_Outgoing] = deque()
        self._thread_inflight = 0  # bytes threads handed over, not yet on the link
        self._pings: Dict[bytes, Deque[_Ping]] = {}
        self._ping_number = 0

    # == what the application sees (WebSocketChannel) ======================================

    @property
    def subprotocol(self) -> Optional[str]:
        return self._subprotocol

    @property
    def extensions(self) -> List[str]:
        return list(self._extensions)

    @property
    def close_code(self) -> Optional[int]:
        return self._close_code

    @property
    def close_reason(self) -> Optional[str]:
        return self._close_reason

    @property
    def ended(self) -> bool:
        """The connection is closed, or the application closed it."""
        return self._closed is not None or self._local_close is not None

    def _closed_error_locked(self) -> Optional[WebSocketClosed]:
        """Why nothing more may be sent: the connection closed, or the application closed."""
        closed = self._closed or self._local_close
        return None if closed is None else WebSocketClosed(*closed)

    # -- sync (a session's own thread, or any thread but the loop's) ------------------------

    def _not_on_loop(self, what: str) -> None:
        if threading.get_ident() == self._port.loop_thread:
            raise RuntimeError(
                f"WebSocket.{what}() blocks: on the event loop, use the AsyncWebSocket of an "
                "async session"
            )

    def receive(self, timeout: Optional[float]) -> Message:
        self._not_on_loop("receive")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                if self._messages:
                    message, held = self._messages.popleft()
                    self._taken_locked(held, False)
                    return message
                if self._closed is not None:
                    raise WebSocketClosed(*self._closed)
                if deadline is None:
                    self._cond.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"no WebSocket message within {timeout} s")
                    self._cond.wait(remaining)

    def send(self, data: bytes, text: bool, compress: Optional[bool]) -> None:
        self._not_on_loop("send")
        item = _Outgoing(data, _flags(text, compress), True)
        size = len(data)
        with self._lock:
            error = self._closed_error_locked()
            if error is not None:
                raise error
            self._thread_inflight += size
            # What the threads handed over, this included, fits the front end's window: it
            # all goes out without waiting for a grant, so the sender need not wait either.
            item.detached = self._thread_inflight <= self.stream.send_window
        self._port.call_from_thread(self._enqueue, item)
        if item.detached:
            return
        with self._lock:
            while not item.done:
                self._cond.wait()
        if item.error is not None:
            raise item.error

    def ping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]:
        self._not_on_loop("ping")
        ping = _Ping()
        with self._lock:
            error = self._closed_error_locked()
            if error is not None:
                raise error
        self._port.call_from_thread(self._send_ping, payload, ping)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not ping.done:
                if deadline is None:
                    self._cond.wait()
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        if not ping.done:
            self._port.call_from_thread(self._forget_ping, ping)
            raise TimeoutError(f"no pong within {timeout} s")
        if ping.error is not None:
            raise ping.error
        return ping.rtt

    def close(self, code: int, reason: str) -> None:
        self._not_on_loop("close")
        with self._lock:
            start = self._closed is None and self._local_close is None
            if start:
                self._local_close = (code, reason)
        if start:
            self._port.call_from_thread(self._queue_close, code, reason)
        with self._lock:
            while self._closed is None:
                self._cond.wait()

    # -- async (on the loop) ---------------------------------------------------------------

    def _on_loop(self, what: str) -> None:
        if threading.get_ident() != self._port.loop_thread:
            raise RuntimeError(
                f"AsyncWebSocket.{what}() runs on the worker's event loop; in a thread, use the "
                "WebSocket of a sync session"
            )

    async def areceive(self, timeout: Optional[float]) -> Message:
        self._on_loop("receive")
        loop = self._loop
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._lock:
                if self._messages:
                    message, held = self._messages.popleft()
                    self._taken_locked(held, True)
                    return message
                if self._closed is not None:
                    raise WebSocketClosed(*self._closed)
            timer = None
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"no WebSocket message within {timeout} s")
            waiter: "asyncio.Future[None]" = loop.create_future()
            self._receivers.append(waiter)
            if deadline is not None:
                timer = loop.call_later(remaining, _wake, waiter)
            try:
                await waiter
            finally:
                if timer is not None:
                    timer.cancel()
                if waiter in self._receivers:
                    self._receivers.remove(waiter)

    async def asend(self, data: bytes, text: bool, compress: Optional[bool]) -> None:
        self._on_loop("send")
        with self._lock:
            error = self._closed_error_locked()
        if error is not None:
            raise error
        item = _Outgoing(data, _flags(text, compress), False)
        self._enqueue(item)
        if not item.done:
            item.future = self._loop.create_future()
            await item.future
        if item.error is not None:
            raise item.error

    async def aping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]:
        self._on_loop("ping")
        ping = _Ping()
        ping.future = self._loop.create_future()
        with self._lock:
            error = self._closed_error_locked()
        if error is not None:
            raise error
        self._send_ping(payload, ping)
        timer = None
        if timeout is not None and not ping.done:
            timer = self._loop.call_later(timeout, _wake, ping.future)
        try:
            await ping.future
        finally:
            if timer is not None:
                timer.cancel()
            if not ping.done:  # timed out, or the caller was cancelled
                self._forget_ping(ping)
        if not ping.done:
            raise TimeoutError(f"no pong within {timeout} s")
        if ping.error is not None:
            raise ping.error
        return ping.rtt

    async def aclose(self, code: int, reason: str) -> None:
        self._on_loop("close")
        with self._lock:
            start = self._closed is None and self._local_close is None
            if start:
                self._local_close = (code, reason)
        if start:
            self._queue_close(code, reason)
        if self._closed is None:
            waiter: "asyncio.Future[None]" = self._loop.create_future()
            self._close_waiters.append(waiter)
            await waiter

    # == the host's calls (on the loop) ====================================================

    def accepted(self, options: int, headers: List[Tuple[bytes, bytes]]) -> None:
        """Write WS_ACCEPT (raises LinkError, before anything moved, when the link cannot
        carry a field)."""
        frame = link.encode_ws_accept(
            self.stream.id, options, self._max_message_size, self._subprotocol or "", headers
        )
        self.stream.send_ws_accept()
        self._port.write(frame)

    def end(self, code: int) -> None:
        """The session returned (1000) or raised (1011): close unless closed already."""
        with self._lock:
            start = self._closed is None and self._local_close is None
            if start:
                self._local_close = (code, "")
        if start:
            self._queue_close(code, "")

    # == frames from the front end (on the loop, through the exchange) =====================

    def _move(self, event: str) -> None:
        state = WS_MOVES.get((self.state, event))
        if state is None:
            raise StreamError(
                f"{event} on stream {self.stream.id} whose WebSocket session is {self.state}",
                stream_id=self.stream.id,
                code=link.PROTOCOL_ERROR,
                side=REMOTE if event.startswith("recv") else LOCAL,
            )
        self.state = state

    def on_open(self, extensions: str) -> None:
        self._move(RECV_OPEN)
        self._extensions = header_elements((extensions,))
        self._host.opened(self)

    def on_message(self, data: bytes, flags: int) -> None:
        self._move(RECV_MESSAGE)
        size = len(data)
        stream_id = self.stream.id
        if size > self._port.max_frame:
            raise StreamError(
                f"WS_MESSAGE of {size} bytes exceeds MAX_FRAME {self._port.max_frame}",
                stream_id=stream_id,
                code=link.PROTOCOL_ERROR,
            )
        self.stream.receive_ws_message(size)
        text = bool(flags & link.WS_TEXT)
        parts = self._parts
        if parts and text != self._parts_text:
            raise StreamError(
                f"WS_MESSAGE pieces of one message on stream {stream_id} with and without TEXT",
                stream_id=stream_id,
                code=link.PROTOCOL_ERROR,
            )
        total = self._parts_size + size
        if total > self._max_message_size:
            # The front end closes with 1009 before passing on such a message (A.2).
            raise StreamError(
                f"WS_MESSAGE of {total} bytes or more on stream {stream_id}, over the max "
                f"message size {self._max_message_size}",
                stream_id=stream_id,
                code=link.PROTOCOL_ERROR,
            )
        if flags & link.WS_CONTINUES:
            parts.append(data)
            self._parts_size = total
            self._parts_text = text
            with self._lock:
                if self._messages:
                    self._parts_held += size
                else:
                    self._credit += size  # nothing waits: a piece is granted at once
                    self._grant_if_due_locked(True)
            return
        if parts:
            parts.append(data)
            whole = b"".join(parts)
            parts.clear()
            self._parts_size = 0
        else:
            whole = data
        message: Message = whole
        if text:
            try:
                message = whole.decode("utf-8")
            except UnicodeDecodeError:
                raise StreamError(
                    f"WS_MESSAGE TEXT on stream {stream_id} is not UTF-8",
                    stream_id=stream_id,
                    code=link.PROTOCOL_ERROR,
                ) from None
        with self._lock:
            self._messages.append((message, size + self._parts_held))
            self._parts_held = 0
            self._cond.notify_all()
        self._wake_receivers()

    def on_pong(self, data: bytes) -> None:
        self._move(RECV_PONG)
        waiting = self._pings.get(data)
        if not waiting:
            return  # an unmatched pong (A.2): the client's own, or a late one
        ping = waiting.popleft()
        if not waiting:
            del self._pings[data]
        ping.rtt = time.monotonic() - ping.sent
        self._settle_ping(ping, None)

    def on_close(self, code: Optional[int], reason: str) -> None:
        """The front end's WS_CLOSE: the session is over and the stream complete (A.2)."""
        self._move(RECV_CLOSE)
        self.stream.receive_ws_close()
        self._finish(CLOSED_BY_PEER_WITHOUT_CODE if code is None else code, reason)
        self.exchange.websocket_closed(code == DROPPED, self.failed)
        self._host.closed(self)

    def on_window(self) -> None:
        """The front end's window grew, or the link's transport takes writes again."""
        if self._outbox:
            self._pump()

    def gone(self) -> None:
        """The stream was reset (either way) or the link lost: closed without a close (1006),
        unless the application's close timed out first."""
        if self.state is CLOSED:
            return
        self._move(GONE)
        self._finish(DROPPED, "")
        self._host.closed(self)

    # == the loop's work ===================================================================

    def _finish(self, code: int, reason: str) -> None:
        """The connection is closed: wake everyone waiting, with WebSocketClosed for senders
        and pingers (queued messages are still received first)."""
        with self._lock:
            if self._closed is None:
                self._closed = (code, reason)
                self._close_code = code
                self._close_reason = reason
            closed = self._closed
            self._cond.notify_all()
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        outbox, self._outbox = self._outbox, deque()
        for item in outbox:
            self._settle(item, WebSocketClosed(*closed))
        pings = [ping for waiting in self._pings.values() for ping in waiting]
        self._pings.clear()
        for ping in pings:
            self._settle_ping(ping, WebSocketClosed(*closed))
        self._wake_receivers()
        waiters, self._close_waiters = self._close_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _wake_receivers(self) -> None:
        receivers, self._receivers = self._receivers, []
        for waiter in receivers:
            if not waiter.done():
                waiter.set_result(None)

    def _enqueue(self, item: _Outgoing) -> None:
        # Nothing follows the close. A message a thread handed over before it called close()
        # arrives before the close does (call_from_thread keeps a thread's order) and goes.
        if self._closed is not None or self._close_queued or self.state is not OPEN:
            with self._lock:
                error = self._closed_error_locked()
            self._settle(item, error or WebSocketClosed(DROPPED, ""))
            return
        self._outbox.append(item)
        self._pump()

    def _queue_close(self, code: int, reason: str) -> None:
        """After the messages queued before it: WS_CLOSE, then the front end's is awaited,
        for CLOSE_TIMEOUT at most."""
        if self._closed is not None or self._close_queued:
            return
        self._close_queued = True
        marker = _Outgoing(b"", 0, False)
        marker.close = (code, reason)
        self._outbox.append(marker)
        self._close_timer = self._loop.call_later(self._close_timeout, self._close_timed_out)
        self._pump()

    def _close_timed_out(self) -> None:
        self._close_timer = None
        if self._closed is not None:
            return
        logger.warning(
            "WebSocket session on stream %d: no close from the front end %.0f s after the "
            "application's; the stream is reset",
            self.stream.id,
            self._close_timeout,
        )
        local = self._local_close or (DROPPED, "")
        self._finish(*local)
        self.exchange.reset(link.CANCEL)

    def _pump(self) -> None:
        """Send what the front end's window lets go, in order; each message's pieces at most
        MAX_FRAME long, never interleaved with another message's (A.2)."""
        stream = self.stream
        port = self._port
        write = port.write
        outbox = self._outbox
        while outbox:
            item = outbox[0]
            if item.close is not None:
                outbox.popleft()
                self._move(SEND_CLOSE)
                write(link.encode_ws_close(stream.id, *item.close))
                self._settle(item, None)
                continue  # nothing is queued after the close
            view = item.view
            total = len(view)
            offset = item.offset
            sent = 0
            while True:
                if port.writing_paused:
                    port.resume_later(self.exchange)
                    self._sent_by_thread(item, sent)
                    return
                size = min(total - offset, stream.send_window, port.peer_max_frame)
                if size <= 0 and total:
                    self._sent_by_thread(item, sent)
                    return  # the front end's next WINDOW pumps again
                last = offset + size == total
                flags = item.flags if offset == 0 else item.flags & ~link.WS_UNCOMPRESSED
                if not last:
                    flags |= link.WS_CONTINUES
                self._move(SEND_MESSAGE)
                stream.send_ws_message(size)
                piece = view[offset : offset + size]
                if size < _JOIN_LIMIT:
                    write(link.encode_ws_message(stream.id, piece, flags))
                else:
                    write(link.frame_header(size, link.WS_MESSAGE, flags, stream.id))
                    write(piece)
                offset += size
                sent += size
                item.offset = offset
                if last:
                    break
            outbox.popleft()
            self._sent_by_thread(item, sent)
            self._settle(item, None)

    def _sent_by_thread(self, item: _Outgoing, size: int) -> None:
        if item.thread and size:
            with self._lock:
                self._thread_inflight -= size

    def _settle(self, item: _Outgoing, error: Optional[WebSocketClosed]) -> None:
        if item.thread:
            with self._lock:
                unsent = len(item.view) - item.offset
                if unsent and error is not None:
                    self._thread_inflight -= unsent
                item.error = error
                item.done = True
                self._cond.notify_all()
        else:
            item.error = error
            item.done = True
        future = item.future
        if future is not None and not future.done():
            future.set_result(None)

    def _send_ping(self, payload: bytes, ping: _Ping) -> None:
        if self._closed is not None or self.state is not OPEN:
            with self._lock:
                error = self._closed_error_locked()
            self._settle_ping(ping, error or WebSocketClosed(DROPPED, ""))
            return
        if not payload:
            # An empty ping gets a payload of its own (ASCII: any front end takes it as text),
            # so its pong is told apart from those of other pings.
            self._ping_number += 1
            payload = b"wsging-ping-%d" % self._ping_number
        self._move(SEND_PING)
        self._pings.setdefault(payload, deque()).append(ping)
        ping.sent = time.monotonic()
        self._port.write(link.encode_ws_ping(self.stream.id, payload))

    def _forget_ping(self, ping: _Ping) -> None:
        for payload, waiting in list(self._pings.items()):
            if ping in waiting:
                waiting.remove(ping)
                if not waiting:
                    del self._pings[payload]
                return

    def _settle_ping(self, ping: _Ping, error: Optional[WebSocketClosed]) -> None:
        with self._lock:
            ping.error = error
            ping.done = True
            self._cond.notify_all()
        future = ping.future
        if future is not None and not future.done():
            future.set_result(None)

    # -- credit for incoming messages (A.5) ------------------------------------------------

    def _taken_locked(self, held: int, on_loop: bool) -> None:
        """The application took a message: its held bytes go back, and once no complete
        message waits, those of the message being assembled too."""
        self._credit += held
        if not self._messages and self._parts_held:
            self._credit += self._parts_held
            self._parts_held = 0
        self._grant_if_due_locked(on_loop)

    def _grant_if_due_locked(self, on_loop: bool) -> None:
        # A quarter window at a time (A.5), and whatever is left when a receiver must wait.
        if self._credit >= max(1, self._port.initial_window // 4):
            self._schedule_grant_locked(on_loop)

    def _schedule_grant_locked(self, on_loop: bool) -> None:
        if not self._grant_scheduled:
            self._grant_scheduled = True
            if on_loop:
                self._loop.call_soon(self._grant)
            else:
                self._port.call_from_thread(self._grant)

    def _grant(self) -> None:
        with self._lock:
            self._grant_scheduled = False
            increment, self._credit = self._credit, 0
        if increment and not self.stream.complete:
            self.stream.grant(increment)
            self._port.write(link.encode_window(self.stream.id, increment))


def _flags(text: bool, compress: Optional[bool]) -> int:
    return (link.WS_TEXT if text else 0) | (link.WS_UNCOMPRESSED if compress is False else 0)


def _wake(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)
