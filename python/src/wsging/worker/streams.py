"""The state of one stream (spec A.4) and its two flow-control windows (spec A.5).

Each direction has its own small table of allowed moves. A move the peer makes that the
table does not list is a stream error (RESET PROTOCOL_ERROR); a move this worker tries that
the table does not list is a local bug, raised as a StreamError with side "local".
"""

from __future__ import annotations

from typing import Dict, Tuple

from .errors import LOCAL, REMOTE, StreamError
from .link import INTERNAL_ERROR, PROTOCOL_ERROR

__all__ = ["Stream", "INBOUND", "OUTBOUND"]

# States of the request direction (front end -> worker).
IN_OPEN = "open"  # body may still arrive
IN_DONE = "done"  # END_STREAM or TRAILERS received
# States of the response direction (worker -> front end).
OUT_IDLE = "idle"  # no response head yet (INFORMATIONAL allowed)
OUT_BODY = "body"  # head sent, body flowing
OUT_DONE = "done"  # END_STREAM or TRAILERS sent: the stream is complete
# An offer the application accepted (A.2 WebSocket): WS_ACCEPT sent in place of a head; the
# stream carries the session's messages both ways until the front end's WS_CLOSE completes it.
OUT_WEBSOCKET = "websocket"
# Either direction, after a RESET from either side: the stream is complete.
RESET = "reset"

# Events
RECV_DATA = "recv DATA"
RECV_DATA_END = "recv DATA END_STREAM"
RECV_TRAILERS = "recv TRAILERS"
SEND_INFORMATIONAL = "send INFORMATIONAL"
SEND_HEAD = "send RESPONSE"
SEND_HEAD_END = "send RESPONSE END_STREAM"
SEND_DATA = "send DATA"
SEND_DATA_END = "send DATA END_STREAM"
SEND_TRAILERS = "send TRAILERS"
SEND_FILE_RESPONSE = "send FILE_RESPONSE"
SEND_WS_ACCEPT = "send WS_ACCEPT"
SEND_WS_MESSAGE = "send WS_MESSAGE"
RECV_WS_CLOSE = "recv WS_CLOSE"

INBOUND: Dict[Tuple[str, str], str] = {
    (IN_OPEN, RECV_DATA): IN_OPEN,
    (IN_OPEN, RECV_DATA_END): IN_DONE,
    (IN_OPEN, RECV_TRAILERS): IN_DONE,
}

OUTBOUND: Dict[Tuple[str, str], str] = {
    (OUT_IDLE, SEND_INFORMATIONAL): OUT_IDLE,
    (OUT_IDLE, SEND_HEAD): OUT_BODY,
    (OUT_IDLE, SEND_HEAD_END): OUT_DONE,
    (OUT_IDLE, SEND_FILE_RESPONSE): OUT_DONE,
    (OUT_BODY, SEND_DATA): OUT_BODY,
    (OUT_BODY, SEND_DATA_END): OUT_DONE,
    (OUT_BODY, SEND_TRAILERS): OUT_DONE,
    (OUT_IDLE, SEND_WS_ACCEPT): OUT_WEBSOCKET,
    (OUT_WEBSOCKET, SEND_WS_MESSAGE): OUT_WEBSOCKET,
    # The one move the front end makes in this table: its WS_CLOSE ends the session (A.4).
    (OUT_WEBSOCKET, RECV_WS_CLOSE): OUT_DONE,
}

# send_whole's two moves, RESPONSE then DATA END_STREAM, taken from a fresh response at once.
_WHOLE_FROM = OUT_IDLE
_WHOLE_TO = OUTBOUND[(OUTBOUND[(OUT_IDLE, SEND_HEAD)], SEND_DATA_END)]

# A.5 does not bound a window; like HTTP/2 (RFC 9113 section 6.9.1) we refuse to let one pass
# 2^31 - 1, which also keeps the counters small integers.
MAX_WINDOW = (1 << 31) - 1


class Stream:
    """One stream's two directions and two windows. Owned by the event loop thread."""

    __slots__ = ("id", "inbound", "outbound", "send_window", "recv_window")

    def __init__(self, stream_id: int, send_window: int, recv_window: int, body_ended: bool):
        self.id = stream_id
        self.inbound = IN_DONE if body_ended else IN_OPEN
        self.outbound = OUT_IDLE
        self.send_window = send_window  # response bytes the front end still accepts
        self.recv_window = recv_window  # request bytes the front end may still send

    @property
    def complete(self) -> bool:
        return self.outbound is OUT_DONE or self.outbound is RESET

    @property
    def head_sent(self) -> bool:
        return self.outbound is not OUT_IDLE

    def _receive(self, event: str) -> None:
        state = INBOUND.get((self.inbound, event))
        if state is None:
            raise StreamError(
                f"{event} on stream {self.id} whose request is {self.inbound}",
                stream_id=self.id,
                code=PROTOCOL_ERROR,
                side=REMOTE,
            )
        self.inbound = state

    def _send(self, event: str) -> None:
        state = OUTBOUND.get((self.outbound, event))
        if state is None:
            raise StreamError(
                f"cannot {event} on stream {self.id} whose response is {self.outbound}",
                stream_id=self.id,
                code=INTERNAL_ERROR,
                side=LOCAL,
            )
        self.outbound = state

    # -- received ---------------------------------------------------------------------------

    def receive_data(self, size: int, end: bool) -> None:
        self._receive(RECV_DATA_END if end else RECV_DATA)
        if size > self.recv_window:  # A.5: DATA beyond the window is a stream error
            raise StreamError(
                f"DATA of {size} bytes on stream {self.id} exceeds its window of "
                f"{self.recv_window}",
                stream_id=self.id,
                code=PROTOCOL_ERROR,
                side=REMOTE,
            )
        self.recv_window -= size

    def receive_trailers(self) -> None:
        self._receive(RECV_TRAILERS)

    def receive_window(self, increment: int) -> None:
        window = self.send_window + increment
        if window > MAX_WINDOW:
            raise StreamError(
                f"WINDOW on stream {self.id} grows it past 2^31-1",
                stream_id=self.id,
                code=PROTOCOL_ERROR,
                side=REMOTE,
            )
        self.send_window = window

    def grant(self, increment: int) -> None:
        """We let the front end send `increment` more request bytes."""
        self.recv_window += increment

    # -- sent -------------------------------------------------------------------------------

    def send_informational(self) -> None:
        self._send(SEND_INFORMATIONAL)

    def send_head(self, end: bool) -> None:
        self._send(SEND_HEAD_END if end else SEND_HEAD)

    def send_whole(self, size: int) -> None:
        """RESPONSE then one DATA END_STREAM of `size` bytes; RESPONSE END_STREAM when 0."""
        if size > self.send_window:
            raise self._beyond_window(size)
        if size:
            if self.outbound is _WHOLE_FROM:
                self.outbound = _WHOLE_TO
            else:  # not allowed: _send raises the error naming the state
                self._send(SEND_HEAD)
                self._send(SEND_DATA_END)
            self.send_window -= size
        else:
            self._send(SEND_HEAD_END)

    def _beyond_window(self, size: int) -> StreamError:
        return StreamError(
            f"cannot send {size} bytes on stream {self.id}: window is {self.send_window}",
            stream_id=self.id,
            code=INTERNAL_ERROR,
            side=LOCAL,
        )

    def send_data(self, size: int, end: bool) -> None:
        if size > self.send_window:
            raise self._beyond_window(size)
        self._send(SEND_DATA_END if end else SEND_DATA)
        self.send_window -= size

    def send_trailers(self) -> None:
        self._send(SEND_TRAILERS)

    def send_file_response(self) -> None:
        """Head and body at once: the front end sends the body from the file itself."""
        self._send(SEND_FILE_RESPONSE)

    # -- WebSocket (A.2): the session's messages count against the same windows as DATA ------

    def send_ws_accept(self) -> None:
        self._send(SEND_WS_ACCEPT)

    def send_ws_message(self, size: int) -> None:
        if size > self.send_window:
            raise self._beyond_window(size)
        self._send(SEND_WS_MESSAGE)
        self.send_window -= size

    def receive_ws_message(self, size: int) -> None:
        """A WS_MESSAGE piece of `size` bytes arrived; the offer's request direction is done,
        the session's messages use its window (A.5)."""
        if self.outbound is not OUT_WEBSOCKET:
            raise StreamError(
                f"WS_MESSAGE on stream {self.id} whose response is {self.outbound}",
                stream_id=self.id,
                code=PROTOCOL_ERROR,
                side=REMOTE,
            )
        if size > self.recv_window:
            raise StreamError(
                f"WS_MESSAGE of {size} bytes on stream {self.id} exceeds its window of "
                f"{self.recv_window}",
                stream_id=self.id,
                code=PROTOCOL_ERROR,
                side=REMOTE,
            )
        self.recv_window -= size

    def receive_ws_close(self) -> None:
        """The front end's WS_CLOSE: the stream is complete."""
        state = OUTBOUND.get((self.outbound, RECV_WS_CLOSE))
        if state is None:
            raise StreamError(
                f"WS_CLOSE on stream {self.id} whose response is {self.outbound}",
                stream_id=self.id,
                code=PROTOCOL_ERROR,
                side=REMOTE,
            )
        self.outbound = state

    def reset(self) -> None:
        """A RESET was sent or received: nothing more moves in either direction."""
        self.inbound = RESET
        self.outbound = RESET
