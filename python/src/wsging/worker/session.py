"""The worker's side of one link (spec A.3): handshake, frame routing, batched writes.

An asyncio Protocol around the sans-IO codec. It does not know where its bytes go: the runtime
plugs it into a Unix socket, the test client into an in-memory transport.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Set, Tuple, Union

from ..api.body import Body
from ..api.capabilities import PUSH, Capabilities
from ..api.headers import Headers
from ..api.priority import parse_priority
from ..api.request import _NO_EXTENSIONS, Request, _link_request
from ..api.tls import ClientCertificate, TLSInfo
from . import link
from .body_memory import BodyMemory
from .dispatch import Dispatcher
from .errors import LinkError, StreamError
from .exchange import Exchange
from .pushes import LinkPushes, PushExtensions
from .streams import Stream
from .websocket import LinkWebSocket
from .websocket_host import offer_of

__all__ = ["WorkerSession", "LINK_MOVES"]

logger = logging.getLogger("wsging.worker")

# Link states
AWAIT_HELLO = "awaiting HELLO"  # our HELLO is sent; the front end's is due first (A.3 step 3)
OPEN = "open"
DRAINING = "draining"  # GOAWAY received: finish open streams, accept no new one (A.3 step 5)
CLOSED = "closed"

_STREAM_FRAMES = (
    link.REQUEST, link.DATA, link.TRAILERS, link.RESET, link.WINDOW, link.TLS, link.PRIORITY,
    # A WebSocket session's frames from the front end (A.2); WS_ACCEPT and WS_PING only go
    # the other way.
    link.WS_OPEN, link.WS_MESSAGE, link.WS_CLOSE, link.WS_PONG,
)
# Shared body memory (A.2): set up after HELLO, then used like DATA; each handler checks the
# setup itself.
_BODY_FRAMES = (link.BODY_MEMORY, link.SHARED_DATA, link.RELEASE)
# Answers to PUSH (8.5): they may still come while the link drains.
_PUSH_FRAMES = (link.PUSH_RESULT,)

# Every frame type the front end may send in each state, and the state it leads to. A frame
# not listed is a link error (A.7).
LINK_MOVES: Dict[Tuple[str, int], str] = {
    (AWAIT_HELLO, link.HELLO): OPEN,
    (AWAIT_HELLO, link.GOAWAY): DRAINING,
    (OPEN, link.PING): OPEN,
    (OPEN, link.GOAWAY): DRAINING,
    (DRAINING, link.PING): DRAINING,
    (DRAINING, link.GOAWAY): DRAINING,
    **{(OPEN, t): OPEN for t in _STREAM_FRAMES},
    **{(DRAINING, t): DRAINING for t in _STREAM_FRAMES},
    **{(OPEN, t): OPEN for t in _BODY_FRAMES},
    **{(DRAINING, t): DRAINING for t in _BODY_FRAMES},
    **{(OPEN, t): OPEN for t in _PUSH_FRAMES},
    **{(DRAINING, t): DRAINING for t in _PUSH_FRAMES},
}

_FRAME_TYPES = {
    link.HelloFrame: link.HELLO,
    link.RequestFrame: link.REQUEST,
    link.DataFrame: link.DATA,
    link.ResponseFrame: link.RESPONSE,
    link.InformationalFrame: link.INFORMATIONAL,
    link.TrailersFrame: link.TRAILERS,
    link.ResetFrame: link.RESET,
    link.WindowFrame: link.WINDOW,
    link.PingFrame: link.PING,
    link.GoawayFrame: link.GOAWAY,
    link.BodyMemoryFrame: link.BODY_MEMORY,
    link.SharedDataFrame: link.SHARED_DATA,
    link.ReleaseFrame: link.RELEASE,
    link.TlsFrame: link.TLS,
    link.PushResultFrame: link.PUSH_RESULT,
    link.PriorityFrame: link.PRIORITY,
    link.WsAcceptFrame: link.WS_ACCEPT,
    link.WsOpenFrame: link.WS_OPEN,
    link.WsMessageFrame: link.WS_MESSAGE,
    link.WsCloseFrame: link.WS_CLOSE,
    link.WsPingFrame: link.WS_PING,
    link.WsPongFrame: link.WS_PONG,
}

# LINK_MOVES keyed by the decoded frame's class: one lookup per frame.
_MOVES_BY_CLASS: Dict[Tuple[str, type], str] = {
    (state, cls): move
    for cls, ftype in _FRAME_TYPES.items()
    for (state, t), move in LINK_MOVES.items()
    if t == ftype
}

DEFAULT_INITIAL_WINDOW = 256 * 1024
# From this size on a piece of output is handed to the transport as it is, not joined.
_LARGE_WRITE = 16 * 1024

# Methods, schemes and addresses repeat from request to request: decode each once.
_TEXTS: Dict[bytes, str] = {}
_TEXTS_MAX = 1024


def _text(raw: bytes) -> str:
    text = _TEXTS.get(raw)
    if text is None:
        text = raw.decode("latin-1")
        if len(_TEXTS) < _TEXTS_MAX:
            _TEXTS[raw] = text
    return text


# The requests of one TLS connection all carry the same facts: one TLSInfo for them all.
_TLS_INFOS: Dict[Tuple[str, ...], TLSInfo] = {}
_TLS_INFOS_MAX = 256


def _tls_info(frame: link.TlsFrame) -> TLSInfo:
    key = frame[1:9]
    info = _TLS_INFOS.get(key)
    if info is None:
        cert = (
            ClientCertificate(frame.client_subject, frame.client_issuer, frame.client_serial,
                              frame.client_pem)
            if frame.client_pem
            else None
        )
        info = TLSInfo(frame.version, frame.cipher, frame.server_name or None,
                       frame.alpn or None, cert)
        if len(_TLS_INFOS) >= _TLS_INFOS_MAX:
            _TLS_INFOS.clear()
        _TLS_INFOS[key] = info
    return info


# Capabilities.from_bits' own cache, read without the call.
_CAPABILITIES = Capabilities._cache

# Room for several streams' windows in flight: a full socket or transport buffer costs a
# pause, a wake-up and a resume per refill. The kernel caps the socket's at net.core.wmem_max.
_LINK_BUFFER = 1024 * 1024


def _widen_buffers(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _LINK_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _LINK_BUFFER)
        except OSError:
            pass  # a smaller buffer only costs speed
    if isinstance(transport, asyncio.WriteTransport):
        try:
            transport.set_write_buffer_limits(high=_LINK_BUFFER)
        except NotImplementedError:
            pass  # an in-memory transport has no buffer to size


class WorkerSession(asyncio.Protocol):
    """One link to a front end. `closed` resolves to True after a graceful shutdown (GOAWAY
    then close), False when the link died or broke the protocol."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        loop: asyncio.AbstractEventLoop,
        worker_id: int,
        max_streams: int,
        initial_window: int = DEFAULT_INITIAL_WINDOW,
        max_frame: int = link.DEFAULT_MAX_FRAME,
        shared_bodies: bool = True,
        root_path: str = "",
    ) -> None:
        self.loop = loop
        self._root_path = root_path  # request.root_path of every request (spec 5.1)
        self.loop_thread = threading.get_ident()
        self.initial_window = initial_window
        self.max_frame = max_frame
        self.peer_initial_window = link.DEFAULT_INITIAL_WINDOW
        self.peer_max_frame = link.DEFAULT_MAX_FRAME
        self.peer_file_bodies = 0  # A.2 FILE_BODIES: which file references the front end takes
        # A.2 shared body memory: announced in HELLO when wanted; mapped on BODY_MEMORY.
        self._shared_bodies = shared_bodies
        self.body_memory: Optional[BodyMemory] = None
        self._releases: List[int] = []  # front end slots to give back at the next flush
        self.pushes = LinkPushes(self.write)  # PUSH frames awaiting their PUSH_RESULT (8.5)
        self.writing_paused = False
        self.state = AWAIT_HELLO
        self.closed: "asyncio.Future[bool]" = loop.create_future()
        self._dispatcher = dispatcher
        self.sync_pool = dispatcher.pool  # where sync completion callbacks run (spec 11.7)
        self._worker_id = worker_id
        self._max_streams = max_streams
        self._decoder = link.FrameDecoder()
        self._transport: Optional[asyncio.BaseTransport] = None
        self._out: List[Union[bytes, memoryview]] = []
        self._flush_scheduled = False
        self._out_large = False  # _out holds a piece worth writing without a copy
        self._streams: Dict[int, Exchange] = {}
        self._paused: Set[Exchange] = set()
        self._inbox: Deque[Tuple[Callable[..., object], Tuple[Any, ...]]] = deque()
        self._inbox_wake_pending = False
        # Requests to start at the end of the current data_received (None outside it).
        self._deferred: Optional[List[Tuple[Exchange, Request]]] = None
        self._handlers: Dict[type, Callable[[Any], None]] = {
            link.HelloFrame: self._on_hello,
            link.RequestFrame: self._on_request,
            link.DataFrame: self._on_data,
            link.TrailersFrame: self._on_trailers,
            link.ResetFrame: self._on_reset,
            link.WindowFrame: self._on_window,
            link.PingFrame: self._on_ping,
            link.GoawayFrame: self._on_goaway,
            link.BodyMemoryFrame: self._on_body_memory,
            link.SharedDataFrame: self._on_shared_data,
            link.ReleaseFrame: self._on_release,
            link.TlsFrame: self._on_tls,
            link.PushResultFrame: self.pushes.on_result,
            link.PriorityFrame: self._on_priority,
            link.WsOpenFrame: self._on_ws_open,
            link.WsMessageFrame: self._on_ws_message,
            link.WsCloseFrame: self._on_ws_close,
            link.WsPongFrame: self._on_ws_pong,
        }
        # The last TLS frame's facts (A.2): for the REQUEST right after it, on stream
        # _tls_stream (None once that came), and for every REQUEST flagged SAME_TLS.
        self._last_tls: Optional[TLSInfo] = None
        self._tls_stream: Optional[int] = None

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        _widen_buffers(transport)
        self.loop_thread = threading.get_ident()
        settings: Tuple[Tuple[int, int], ...] = (
            (link.SETTING_WORKER_ID, self._worker_id),
            (link.SETTING_PID, os.getpid()),
            (link.SETTING_INITIAL_WINDOW, self.initial_window),
            (link.SETTING_MAX_STREAMS, self._max_streams),
            (link.SETTING_MAX_FRAME, self.max_frame),
            (link.SETTING_TLS_INFO, link.TLS_INFO_SAME_TLS),
            (link.SETTING_PUSH, 1),
            (link.SETTING_PRIORITY, 1),
            (link.SETTING_WEBSOCKET, 1),
        )
        if self._shared_bodies:
            settings += ((link.SETTING_SHARED_BODIES, 1),)
        self.write(link.encode_hello(settings))
        self._flush()

    def data_received(self, data: bytes) -> None:
        # Requests whose body is still to come are started after the whole read is handled:
        # a small body usually arrives in the same read as its REQUEST frame, and then the
        # application finds it complete instead of waiting a loop turn for it.
        deferred: List[Tuple[Exchange, Request]] = []
        self._deferred = deferred
        try:
            frames = self._decoder.feed(data)
            handlers = self._handlers
            moves = _MOVES_BY_CLASS
            for frame in frames:
                state = self.state
                if state is CLOSED:
                    return
                kind = type(frame)
                move = moves.get((state, kind))
                if move is None:
                    raise LinkError(
                        f"{kind.__name__} not allowed while the link is {state}",
                        code=link.GOAWAY_PROTOCOL_ERROR,
                    )
                handlers[kind](frame)
                # A handler changes the state only to CLOSED, which must stay.
                if move is not state and self.state is not CLOSED:
                    self.state = move
        except LinkError as exc:
            self._link_error(exc)
        finally:
            self._deferred = None
            if deferred:
                start = self._dispatcher.start
                for exchange, request in deferred:
                    start(exchange, request)

    def eof_received(self) -> Optional[bool]:
        return False  # close our side too

    def connection_lost(self, exc: Optional[Exception]) -> None:
        graceful = self.state is DRAINING and exc is None
        self.state = CLOSED
        self._out.clear()
        self.pushes.close()  # first: a push waiting learns False before its request is cancelled
        for exchange in list(self._streams.values()):
            exchange.on_reset(link.CANCEL)
        self._streams.clear()
        if self.body_memory is not None:
            self.body_memory.close()
            self.body_memory = None
        if not self.closed.done():
            self.closed.set_result(graceful)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        paused, self._paused = self._paused, set()
        for exchange in paused:
            exchange.resume()

    # -- output: one transport write per loop turn -------------------------------------------

    def write(self, data: Union[bytes, memoryview]) -> None:
        self._out.append(data)
        if len(data) >= _LARGE_WRITE:
            self._out_large = True
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._releases:
            self._write_releases()
        out = self._out
        if not out:
            return
        self._out = []
        large, self._out_large = self._out_large, False
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if len(out) == 1:
            transport.write(out[0])  # type: ignore[attr-defined]
        elif large:
            # Body chunks go to the socket from where they are (one vectored write), instead
            # of being copied into one buffer first.
            transport.writelines(out)  # type: ignore[attr-defined]
        else:
            transport.write(b"".join(out))  # type: ignore[attr-defined]

    def _write_releases(self) -> None:
        releases, self._releases = self._releases, []
        self._out.append(link.encode_release(releases))
        if self.body_memory is not None:
            self.body_memory.released(releases)

    # -- calls from application threads ------------------------------------------------------

    def call_from_thread(self, fn: Callable[..., object], *args: Any) -> None:
        """Thread-safe: run fn(*args) on the loop, after every call made before it (FIFO).
        Calls that arrive while the loop has not run yet share one wake-up: a burst of
        responses from application threads costs the loop one turn, not one per response."""
        self._inbox.append((fn, args))
        if not self._inbox_wake_pending:
            self._inbox_wake_pending = True
            self.loop.call_soon_threadsafe(self._run_inbox)

    def _run_inbox(self) -> None:
        # Clear the flag before draining: a call appended after the last popleft() below was
        # appended after this line too, so its caller sees False and wakes the loop again.
        self._inbox_wake_pending = False
        inbox = self._inbox
        while inbox:
            fn, args = inbox.popleft()
            try:
                fn(*args)
            except Exception:
                logger.exception("error in a call from an application thread")

    def resume_later(self, exchange: Exchange) -> None:
        self._paused.add(exchange)

    def stream_completed(self, exchange: Exchange) -> None:
        self._streams.pop(exchange.stream.id, None)
        if self._paused:
            self._paused.discard(exchange)

    def close(self) -> None:
        """Close the link from this side (used at the end of tests and on link errors)."""
        self._flush()
        if self._transport is not None:
            self._transport.close()

    def _link_error(self, exc: LinkError) -> None:
        logger.error("link error (%s side): %s", exc.side, exc)
        self._releases.clear()  # nothing follows the GOAWAY
        self.write(link.encode_goaway(exc.code, str(exc)[:200]))
        self.state = CLOSED
        self.close()

    # -- frames ------------------------------------------------------------------------------

    def _on_hello(self, frame: link.HelloFrame) -> None:
        if frame.version != link.VERSION:
            raise LinkError(
                f"front end speaks link version {frame.version}, this worker {link.VERSION}",
                code=link.GOAWAY_PROTOCOL_ERROR,
            )
        for key, value in frame.settings:  # unknown settings are ignored (A.8)
            if key == link.SETTING_INITIAL_WINDOW:
                self.peer_initial_window = value
            elif key == link.SETTING_MAX_FRAME and value > 0:
                self.peer_max_frame = value
            elif key == link.SETTING_FILE_BODIES:
                self.peer_file_bodies = value

    def _on_request(self, frame: link.RequestFrame) -> None:
        # Runs once per request: the frame is unpacked at once, and repeated texts and
        # capability words come from dictionaries without a call.
        (
            stream_id,
            flags,
            http_version,
            scheme,
            method,
            path,
            query,
            client_host,
            client_port,
            server_host,
            server_port,
            content_length,
            capability_bits,
            headers,
        ) = frame
        tls = None
        tls_stream = self._tls_stream
        if tls_stream is not None:
            self._tls_stream = None
            if tls_stream != stream_id:
                raise LinkError(
                    f"TLS frame for stream {tls_stream} followed by REQUEST {stream_id}",
                    code=link.GOAWAY_PROTOCOL_ERROR,
                )
            if flags & link.SAME_TLS:
                raise LinkError(
                    f"REQUEST {stream_id} with SAME_TLS right after its own TLS frame",
                    code=link.GOAWAY_PROTOCOL_ERROR,
                )
            tls = self._last_tls
        elif flags & link.SAME_TLS:
            tls = self._last_tls
            if tls is None:
                raise LinkError(
                    f"REQUEST {stream_id} with SAME_TLS before any TLS frame",
                    code=link.GOAWAY_PROTOCOL_ERROR,
                )
        if self.state is DRAINING:
            # A.4 REFUSED: the application was not started, the front end may retry elsewhere.
            self.write(link.encode_reset(stream_id, link.REFUSED))
            return
        streams = self._streams
        if stream_id in streams:
            raise LinkError(f"REQUEST for open stream {stream_id}", code=link.GOAWAY_PROTOCOL_ERROR)
        expect_continue = bool(flags & link.EXPECT_CONTINUE)
        body_ended = bool(flags & link.END_STREAM)
        stream = Stream(
            stream_id,
            self.peer_initial_window,
            0 if expect_continue else self.initial_window,
            body_ended,
        )
        pushed = bool(flags & link.PUSHED)
        if pushed and capability_bits & PUSH:
            capability_bits &= ~PUSH  # a pushed request is never offered push (spec 8.5)
        exchange = Exchange(self, stream, expect_continue, capability_bits)
        streams[stream_id] = exchange
        texts = _TEXTS
        extensions: Mapping[str, object] = _NO_EXTENSIONS
        if capability_bits & PUSH:
            extensions = PushExtensions(exchange, self.pushes)
        request_headers = Headers(headers)
        if flags & link.WEBSOCKET:  # a valid offer (A.2): checked by the front end
            exchange.offer = offer_of(request_headers, http_version)
        request = _link_request(
            texts.get(method) or _text(method),
            path,
            query,
            texts.get(scheme) or _text(scheme),
            http_version,
            (texts.get(client_host) or _text(client_host), client_port) if client_host else None,
            (texts.get(server_host) or _text(server_host), server_port) if server_host else None,
            request_headers,
            content_length if content_length >= 0 else None,
            _CAPABILITIES.get(capability_bits) or Capabilities.from_bits(capability_bits),
            Body._of(exchange),
            exchange,
            self._root_path,
            tls,
            extensions,
            pushed,
            exchange.offer,
        )
        deferred = self._deferred
        # Starts keep the order of the REQUEST frames: once one waits, the later ones do too.
        if deferred is not None and (deferred or not body_ended):
            deferred.append((exchange, request))
        else:
            self._dispatcher.start(exchange, request)

    def _on_tls(self, frame: link.TlsFrame) -> None:
        if self._tls_stream is not None or frame.stream in self._streams:
            raise LinkError(
                f"TLS frame for stream {frame.stream} not right before its REQUEST",
                code=link.GOAWAY_PROTOCOL_ERROR,
            )
        self._last_tls = _tls_info(frame)
        self._tls_stream = frame.stream

    def _on_priority(self, frame: link.PriorityFrame) -> None:
        exchange = self._streams.get(frame.stream)
        if exchange is not None:  # else a late frame of a completed stream (A.4)
            exchange.priority_update = parse_priority(frame.value)

    def _stream_error(self, exchange: Exchange, exc: StreamError) -> None:
        logger.warning("stream error (%s side): %s", exc.side, exc)
        exchange.reset(exc.code)

    def _on_data(self, frame: link.DataFrame) -> None:
        exchange = self._streams.get(frame.stream)
        if exchange is None:
            return  # a late frame of a completed stream (A.4)
        try:
            if len(frame.data) > self.max_frame:
                raise StreamError(
                    f"DATA of {len(frame.data)} bytes exceeds MAX_FRAME {self.max_frame}",
                    stream_id=frame.stream,
                    code=link.PROTOCOL_ERROR,
                )
            exchange.on_data(frame.data, bool(frame.flags & link.END_STREAM))
        except StreamError as exc:
            self._stream_error(exchange, exc)

    def _on_body_memory(self, frame: link.BodyMemoryFrame) -> None:
        if frame.flags & link.ACK or not self._shared_bodies or self.body_memory is not None:
            raise LinkError(
                "BODY_MEMORY the worker did not ask for (an ACK, a second one, or without"
                " SHARED_BODIES)",
                code=link.GOAWAY_PROTOCOL_ERROR,
            )
        try:
            memory = BodyMemory(frame.path, frame.slot_size, frame.slot_count)
        except (OSError, ValueError) as exc:
            # Declined: without the ACK neither side sends SHARED_DATA, bodies go as DATA.
            logger.warning("shared body memory %r not mapped, bodies go over the socket: %s",
                           frame.path, exc)
            return
        self.body_memory = memory
        self.write(link.encode_body_memory(0, 0, b"", link.ACK))

    def _on_shared_data(self, frame: link.SharedDataFrame) -> None:
        memory = self.body_memory
        if memory is None:
            raise LinkError("SHARED_DATA before BODY_MEMORY", code=link.GOAWAY_PROTOCOL_ERROR)
        # Copied out at once, so the slot goes back with the next write whatever becomes of
        # the stream (A.2: a dropped SHARED_DATA is released too).
        data = memory.take(frame.slot, frame.length)
        self._releases.append(frame.slot)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)
        self._on_data(link.DataFrame(frame.stream, data, frame.flags))  # what it stands for

    def _on_release(self, frame: link.ReleaseFrame) -> None:
        memory = self.body_memory
        if memory is None:
            raise LinkError("RELEASE before BODY_MEMORY", code=link.GOAWAY_PROTOCOL_ERROR)
        memory.give_back(frame.slots)

    def _on_trailers(self, frame: link.TrailersFrame) -> None:
        exchange = self._streams.get(frame.stream)
        if exchange is not None:
            try:
                exchange.on_trailers(frame.headers)
            except StreamError as exc:
                self._stream_error(exchange, exc)

    def _on_reset(self, frame: link.ResetFrame) -> None:
        exchange = self._streams.get(frame.stream)
        if exchange is not None:
            exchange.on_reset(frame.code)

    def _on_window(self, frame: link.WindowFrame) -> None:
        exchange = self._streams.get(frame.stream)
        if exchange is not None:
            try:
                exchange.on_window(frame.increment)
            except StreamError as exc:
                self._stream_error(exchange, exc)

    # -- WebSocket sessions (A.2): the frames go to the stream's session -----------------------

    def _websocket_of(self, stream_id: int, frame: str) -> Optional[LinkWebSocket]:
        """The session of `stream_id`; None for a late frame (A.4) or after a stream error."""
        exchange = self._streams.get(stream_id)
        if exchange is None:
            return None
        if exchange.ws is None:
            self._stream_error(
                exchange,
                StreamError(
                    f"{frame} on stream {stream_id}, which has no accepted WebSocket offer",
                    stream_id=stream_id,
                    code=link.PROTOCOL_ERROR,
                ),
            )
            return None
        return exchange.ws

    def _on_ws_open(self, frame: link.WsOpenFrame) -> None:
        ws = self._websocket_of(frame.stream, "WS_OPEN")
        if ws is not None:
            try:
                ws.on_open(frame.extensions)
            except StreamError as exc:
                self._stream_error(ws.exchange, exc)

    def _on_ws_message(self, frame: link.WsMessageFrame) -> None:
        ws = self._websocket_of(frame.stream, "WS_MESSAGE")
        if ws is not None:
            try:
                ws.on_message(frame.data, frame.flags)
            except StreamError as exc:
                self._stream_error(ws.exchange, exc)

    def _on_ws_close(self, frame: link.WsCloseFrame) -> None:
        exchange = self._streams.get(frame.stream)
        if exchange is not None and exchange.ws is None and exchange.offer is not None:
            # The client left while the application was still deciding: as a RESET CANCEL.
            exchange.on_reset(link.CANCEL)
            return
        ws = self._websocket_of(frame.stream, "WS_CLOSE")
        if ws is not None:
            try:
                ws.on_close(frame.code, frame.reason)
            except StreamError as exc:
                self._stream_error(ws.exchange, exc)

    def _on_ws_pong(self, frame: link.WsPongFrame) -> None:
        ws = self._websocket_of(frame.stream, "WS_PONG")
        if ws is not None:
            try:
                ws.on_pong(frame.data)
            except StreamError as exc:
                self._stream_error(ws.exchange, exc)

    def _on_ping(self, frame: link.PingFrame) -> None:
        if not frame.flags & link.ACK:
            self.write(link.encode_ping(frame.data, link.ACK))

    def _on_goaway(self, frame: link.GoawayFrame) -> None:
        if frame.code != link.GOAWAY_NO_ERROR:
            logger.warning("front end sent GOAWAY code %d: %s", frame.code, frame.reason)
