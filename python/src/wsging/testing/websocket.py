"""TestWebSocket: a WebSocket a test opens to an application through the real worker.

The test client plays the front end of spec/worker-link.md A.2 *WebSocket* for a client that
behaves well: it sends the offer as a REQUEST flagged WEBSOCKET, answers the handshake on
WS_ACCEPT with WS_OPEN, carries messages both ways within the link's windows (in pieces at the
worker's MAX_FRAME), answers the application's pings with the pong a client sends, and answers
the application's close as a client does, with the same code. The handshake itself, masking and
compression are the server's (9.2) and not played here.
"""

from __future__ import annotations

import base64
import os
import queue
import threading
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple, Union

from ..api.errors import WebSocketClosed
from ..api.headers import Headers
from ..api.websocket import Message, check_close, header_elements
from ..worker import link

if TYPE_CHECKING:
    from .client import TestClient, TestResponse

__all__ = ["TestWebSocket", "handshake_headers"]

PERMESSAGE_DEFLATE = "permessage-deflate"
NO_STATUS = 1005
ABNORMAL = 1006
# A worker's RESET on an open session makes the front end close it with 1011 (A.2).
RESET_CLOSE = 1011


def handshake_headers(subprotocols: List[str]) -> List[Tuple[str, str]]:
    """The fields of an HTTP/1.1 opening handshake (RFC 6455 section 4.1), as a browser sends
    them, with a fresh key."""
    fields = [
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("sec-websocket-key", base64.b64encode(os.urandom(16)).decode("ascii")),
        ("sec-websocket-version", "13"),
    ]
    if subprotocols:
        fields.append(("sec-websocket-protocol", ", ".join(subprotocols)))
    return fields


class TestWebSocket:
    """One WebSocket opened by `TestClient.websocket_connect`.

    `accepted` tells whether the application accepted the offer; when it refused, `response`
    is the HTTP response it refused with (and send/receive raise RuntimeError). When it
    accepted, `response` holds status 101 and the extra fields the application gave.
    `close_code` and `close_reason` are None while the session is open. Use it in a `with`
    block to close it (1000) at the end.
    """

    __test__ = False

    def __init__(
        self,
        client: "TestClient",
        stream_id: int,
        offered_extensions: List[str],
        response: "TestResponse",
    ) -> None:
        self._client = client
        self._id = stream_id
        self._offered_extensions = offered_extensions
        self._frames: "queue.SimpleQueue[Optional[link.Frame]]" = queue.SimpleQueue()
        self._ended_on_loop = False  # read by TestClient._deliver for ordinary streams
        self._error: Optional[BaseException] = None  # the application's, to raise in the test
        self._response = response  # filled in as the answer arrives
        self._accepted = False
        self._complete = False  # the handshake's answer is known
        self._subprotocol: Optional[str] = None
        self._extensions: List[str] = []
        self._close_code: Optional[int] = None
        self._close_reason: Optional[str] = None
        self._pinged: List[bytes] = []  # payloads of the application's pings, answered at once
        self._messages: List[Message] = []
        self._parts: List[bytes] = []
        self._credit = client._worker_window  # WS_MESSAGE bytes the worker still takes
        self._lock = threading.Lock()
        self._close_sent = False  # WS_CLOSE went to the worker: the stream is over

    # -- what the test reads ---------------------------------------------------------------

    @property
    def accepted(self) -> bool:
        """The application accepted the offer."""
        return self._accepted

    @property
    def response(self) -> "TestResponse":
        """The handshake's answer: status 101 and the extra fields the application gave, or
        the whole response it refused with."""
        return self._response

    @property
    def subprotocol(self) -> Optional[str]:
        return self._subprotocol

    @property
    def extensions(self) -> List[str]:
        """The extensions the handshake accepted: ["permessage-deflate"] when the test
        offered it and the application allows compression."""
        return self._extensions

    @property
    def close_code(self) -> Optional[int]:
        """None while open; the close's code once either side closed."""
        return self._close_code

    @property
    def close_reason(self) -> Optional[str]:
        return self._close_reason

    @property
    def pinged(self) -> List[bytes]:
        """The payloads of the application's pings, each answered at once with its pong."""
        return self._pinged

    # -- handshake -------------------------------------------------------------------------

    def _handshake(self) -> None:
        """Wait for the worker's answer to the offer: WS_ACCEPT, or a response (a refusal)."""
        while not self._complete:
            frame = self._next_frame(None)
            if isinstance(frame, link.WsAcceptFrame):
                self._accept(frame)
            else:
                self._refusal(frame)

    def _accept(self, frame: link.WsAcceptFrame) -> None:
        response = self._response
        response.status = 101
        response.headers = Headers(frame.headers)
        self._subprotocol = frame.subprotocol or None
        # The server negotiates compression when the client offered it and the application
        # allows it (9.3); the messages on the link are uncompressed either way.
        offered = any(e.split(";")[0].strip() == PERMESSAGE_DEFLATE for e in self._offered_extensions)
        extensions = PERMESSAGE_DEFLATE if offered and frame.options & link.WS_ALLOW_COMPRESSION else ""
        self._extensions = header_elements((extensions,))
        self._accepted = self._complete = True
        self._client._send(link.encode_ws_open(self._id, extensions))

    def _refusal(self, frame: link.Frame) -> None:
        response = self._response
        if isinstance(frame, link.ResponseFrame):
            response.status = frame.status
            response.headers = Headers(frame.headers)
            if self._error is not None:
                self._raise_error()
            if frame.flags & link.END_STREAM:
                self._refused()
        elif isinstance(frame, link.DataFrame):
            self._parts.append(frame.data)
            if frame.flags & link.END_STREAM:
                self._refused()
            elif frame.data:
                self._client._send(link.encode_window(self._id, len(frame.data)))
        elif isinstance(frame, link.TrailersFrame):
            response.trailers = Headers(frame.headers)
            self._refused()
        elif isinstance(frame, link.ResetFrame):
            response.reset = frame.code
            self._refused()
            if self._error is not None:
                self._raise_error()
        # INFORMATIONAL and WINDOW frames of a refusal change nothing here.

    def _refused(self) -> None:
        self._complete = True
        self._response.body = b"".join(self._parts)
        self._parts = []
        self._client._forget(self._id)

    def _raise_error(self) -> None:
        error, self._error = self._error, None
        if error is not None and self._client.raise_server_exceptions:
            raise error

    # -- the session -----------------------------------------------------------------------

    def _check_accepted(self) -> None:
        if not self._accepted:
            raise RuntimeError(f"the application refused the WebSocket with {self._response.status}")

    def send(self, message: Union[str, bytes]) -> None:
        """Send one message (str as text, bytes as binary), in pieces of the worker's
        MAX_FRAME within its window (waits for its WINDOW frames)."""
        self._check_accepted()
        if isinstance(message, str):
            data, flags = message.encode("utf-8"), link.WS_TEXT
        else:
            data, flags = bytes(message), 0
        if self._close_code is not None:
            raise WebSocketClosed(self._close_code, self._close_reason or "")
        view = memoryview(data)
        max_frame = self._client._worker_max_frame
        while True:
            size = min(len(view), max_frame)
            while size and self._credit <= 0:
                self._process(self._next_frame(None))
                if self._close_code is not None:
                    raise WebSocketClosed(self._close_code, self._close_reason or "")
            size = min(size, self._credit)
            last = size == len(view)
            piece = bytes(view[:size])
            self._credit -= size
            self._client._send(
                link.encode_ws_message(self._id, piece, flags | (0 if last else link.WS_CONTINUES))
            )
            view = view[size:]
            if last:
                return

    def receive(self, timeout: Optional[float] = None) -> Message:
        """The application's next message; WebSocketClosed once the session closed (and the
        messages before the close were received), TimeoutError after `timeout` (the client's
        timeout by default)."""
        self._check_accepted()
        while not self._messages:
            if self._close_code is not None:
                raise WebSocketClosed(self._close_code, self._close_reason or "")
            self._process(self._next_frame(timeout))
        return self._messages.pop(0)

    def __iter__(self) -> Iterator[Message]:
        while True:
            try:
                message = self.receive()
            except WebSocketClosed:
                return
            yield message

    def close(self, code: int = 1000, reason: str = "") -> None:
        """The client closes: the session sees `code` and `reason` (A.2: the front end's
        WS_CLOSE carries the client's close code)."""
        if not self._accepted or self._close_code is not None:
            return
        code, reason = check_close(code, reason)
        self._send_close(code, reason)
        self._closed(code, reason)

    def drop(self) -> None:
        """The client's connection drops without a close: the session sees 1006."""
        if not self._accepted or self._close_code is not None:
            return
        self._send_close(ABNORMAL, "")
        self._closed(ABNORMAL, "")

    def __enter__(self) -> "TestWebSocket":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
        self._raise_error()

    # -- frames ----------------------------------------------------------------------------

    def _next_frame(self, timeout: Optional[float]) -> link.Frame:
        wait = self._client.timeout if timeout is None else timeout
        try:
            frame = self._frames.get(timeout=wait)
        except queue.Empty:
            raise TimeoutError(f"WebSocket {self._id}: nothing from the worker within {wait}s") from None
        if frame is None:
            raise ConnectionError("the worker link closed")
        return frame

    def _on_loop(self, frame: link.Frame) -> bool:
        """On the loop thread, as a client would at once: answer a ping, answer a close, and
        give the window back for a message written to the client. False: drop the frame."""
        if isinstance(frame, link.WsPingFrame):
            self._pinged.append(frame.data)
            self._client._send(link.encode_ws_pong(self._id, frame.data))
            return False
        if isinstance(frame, link.WsMessageFrame) and frame.data:
            self._client._send(link.encode_window(self._id, len(frame.data)))
        elif isinstance(frame, link.WsCloseFrame):
            self._send_close(frame.code, frame.reason)  # the client echoes the close (RFC 6455 5.5.1)
        return True

    def _process(self, frame: link.Frame) -> None:
        if isinstance(frame, link.WsMessageFrame):
            self._parts.append(frame.data)
            if not frame.flags & link.WS_CONTINUES:
                data = b"".join(self._parts)
                self._parts = []
                self._messages.append(data.decode("utf-8") if frame.flags & link.WS_TEXT else data)
        elif isinstance(frame, link.WindowFrame):
            self._credit += frame.increment
        elif isinstance(frame, link.WsCloseFrame):
            self._closed(NO_STATUS if frame.code is None else frame.code, frame.reason)
            if frame.code == RESET_CLOSE:
                self._raise_error()
        elif isinstance(frame, link.ResetFrame):
            self._closed(RESET_CLOSE, "")
            self._raise_error()

    def _send_close(self, code: Optional[int], reason: str) -> None:
        with self._lock:
            if self._close_sent:
                return
            self._close_sent = True
        self._client._send(link.encode_ws_close(self._id, code, reason))

    def _closed(self, code: int, reason: str) -> None:
        if self._close_code is None:
            self._close_code = code
            self._close_reason = reason
        self._client._forget(self._id)

    def __repr__(self) -> str:
        if not self._accepted:
            return f"<TestWebSocket refused {self._response.status}>"
        state = "open" if self._close_code is None else f"closed {self._close_code}"
        return f"<TestWebSocket {state}>"
