"""A WebSocket session over uWSGI's own API (`uwsgi.websocket_*`), as the WebSocketChannel
behind the WebSocket and AsyncWebSocket objects a session gets (spec 9.4).

uWSGI does the framing, masking, pings and the reply to a client's close; what its Python API
does not say is kept as close as it can be:

- `websocket_recv` returns bytes without the frame's opcode: a message that is valid UTF-8 is
  given as str (text), any other as bytes. A binary message that happens to be valid UTF-8
  arrives as str.
- A fragmented message arrives as one b"\\x00" per non-final fragment, then the whole message
  (uWSGI's own behaviour); those are passed on as they come.
- A close by the client, or a connection dropped, is only an error of `websocket_recv`: the
  session sees WebSocketClosed(1005), "no code was reported".
- uWSGI has no close call: the close frame (code and reason) is written to the connection
  with `uwsgi.send`, then the client's answer is awaited.
- The application cannot ping (`ping()` returns None, as the spec allows); compression is
  never negotiated.
- uWSGI's calls work only in the request's own thread: an async session's calls are relayed
  to it, one at a time, so a send waits while a receive waits for a message.
"""

from __future__ import annotations

import select
import struct
import time
from typing import Any, List, Optional

from ..api.errors import WebSocketClosed
from ..api.websocket import Message
from .loop_thread import Relay

__all__ = ["UwsgiWebSocketChannel"]

NO_CODE = 1005  # RFC 6455 7.4.1: no status code was present (uWSGI reports none)
MESSAGE_TOO_BIG = 1009
# A session closing without a reply from the client waits at most this long (9.4: bounded).
CLOSE_WAIT = 5.0


def close_frame(code: int, reason: str) -> bytes:
    """An unmasked close frame (RFC 6455 5.5.1): a server's frames are never masked."""
    payload = struct.pack("!H", code) + reason.encode("utf-8")
    return bytes((0x88, len(payload))) + payload


class UwsgiWebSocketChannel:
    __slots__ = ("_uwsgi", "_relay", "_subprotocol", "_max_size", "_code", "_reason")

    def __init__(
        self, uwsgi: Any, relay: Relay, subprotocol: Optional[str], max_message_size: int
    ) -> None:
        self._uwsgi = uwsgi
        self._relay = relay
        self._subprotocol = subprotocol
        self._max_size = max_message_size
        self._code: Optional[int] = None
        self._reason: Optional[str] = None

    @property
    def subprotocol(self) -> Optional[str]:
        return self._subprotocol

    @property
    def extensions(self) -> List[str]:
        return []

    @property
    def close_code(self) -> Optional[int]:
        return self._code

    @property
    def close_reason(self) -> Optional[str]:
        return self._reason

    @property
    def closed(self) -> bool:
        return self._code is not None

    def _closed_error(self) -> WebSocketClosed:
        return WebSocketClosed(self._code or NO_CODE, self._reason or "")

    def _ended(self) -> WebSocketClosed:
        self._code, self._reason = NO_CODE, ""
        return self._closed_error()

    def _recv(self, timeout: Optional[float]) -> bytes:
        uwsgi = self._uwsgi
        try:
            if timeout is None:
                data: bytes = uwsgi.websocket_recv()
                return data
            deadline = time.monotonic() + timeout
            while True:
                # uWSGI may hold a whole frame already read: ask it first, then wait.
                data = uwsgi.websocket_recv_nb()
                if data:
                    return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no WebSocket message within {timeout} s")
                select.select([uwsgi.connection_fd()], [], [], left)
        except OSError as exc:  # uWSGI's IOError: the client closed or went away
            if isinstance(exc, TimeoutError):
                raise
            raise self._ended() from None

    def receive(self, timeout: Optional[float]) -> Message:
        if self._code is not None:
            raise self._closed_error()
        data = self._recv(timeout)
        if len(data) > self._max_size:
            self.close(MESSAGE_TOO_BIG, "message too big")
            raise self._closed_error()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return bytes(data)

    def send(self, data: bytes, text: bool, compress: Optional[bool]) -> None:
        if self._code is not None:
            raise self._closed_error()
        try:
            if text:
                self._uwsgi.websocket_send(data)
            else:
                self._uwsgi.websocket_send_binary(data)
        except OSError:
            raise self._ended() from None

    def ping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]:
        return None  # uWSGI pings by itself and gives applications no ping

    def close(self, code: int, reason: str) -> None:
        if self._code is not None:
            return
        self._code, self._reason = code, reason
        try:
            self._uwsgi.send(close_frame(code, reason))
            # The client answers with its close frame, which ends uWSGI's receiving.
            deadline = time.monotonic() + CLOSE_WAIT
            while time.monotonic() < deadline:
                self._uwsgi.websocket_recv_nb()
                select.select([self._uwsgi.connection_fd()], [], [], deadline - time.monotonic())
        except OSError:
            pass

    async def areceive(self, timeout: Optional[float]) -> Message:
        return await self._relay.call(self.receive, timeout)

    async def asend(self, data: bytes, text: bool, compress: Optional[bool]) -> None:
        await self._relay.call(self.send, data, text, compress)

    async def aping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]:
        return None

    async def aclose(self, code: int, reason: str) -> None:
        await self._relay.call(self.close, code, reason)
