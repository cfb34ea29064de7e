"""WebSocket for applications (spec 9): the offer a request carries (`request.websocket`), the
response that accepts it, and the socket-like objects a session is given.

The objects here check what the application passes them and hand the rest to a channel, the
host's side of one session (`WebSocketChannel`): the worker's runs over the worker link, and
another host (a shim) brings its own. The server owns the protocol itself (9.2): frames,
masking, fragments, UTF-8 checks, control frames and compression never reach this code.
"""

from __future__ import annotations

from typing import (
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Optional,
    Protocol,
    Tuple,
    Union,
)

from .errors import WebSocketClosed
from .headers import HeadersInput, MutableHeaders
from .response import Response

__all__ = [
    "AsyncWebSocket",
    "Message",
    "WebSocket",
    "WebSocketChannel",
    "WebSocketOffer",
    "WebSocketResponse",
    "check_close",
    "header_elements",
]

Message = Union[str, bytes]
MessageInput = Union[str, bytes, bytearray, memoryview]

TRANSPORTS = ("h1-upgrade", "h2-connect", "h3-connect")
DEFAULT_MAX_MESSAGE_SIZE = 1_048_576
# The worker link carries the size as a u32 (A.2 WS_ACCEPT).
MAX_MESSAGE_SIZE_LIMIT = (1 << 32) - 1
MAX_REASON_BYTES = 123  # RFC 6455 section 5.5: 125 bytes of payload, 2 of them the code
MAX_PING_PAYLOAD = 125

# Close codes an application may send (RFC 6455 section 7.4.1, spec 9.4). 1004-1006 and 1015
# are reserved (1005 and 1006 report a missing code and a dropped connection, never sent),
# 1002 is the server's own (a protocol error it detected), and 1016-2999 are unassigned.
_APPLICATION_CODES = frozenset((1000, 1001, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014))


def check_close(code: Any, reason: Any) -> Tuple[int, str]:
    """The close code and reason an application gave, checked (MUST-WS-5): TypeError for a
    code that is not an int or a reason that is not a str, ValueError for a code it may not
    send or a reason over 123 UTF-8 bytes."""
    if type(code) is not int:
        raise TypeError(f"close code must be an int, not {type(code).__name__}")
    if code not in _APPLICATION_CODES and not 3000 <= code <= 4999:
        raise ValueError(
            f"close code {code} may not be sent by an application (RFC 6455 section 7.4: use "
            "1000, 1001, 1003, 1007-1014 or 3000-4999)"
        )
    if not isinstance(reason, str):
        raise TypeError(f"close reason must be a str, not {type(reason).__name__}")
    size = len(reason.encode("utf-8"))
    if size > MAX_REASON_BYTES:
        raise ValueError(f"close reason is {size} UTF-8 bytes, more than {MAX_REASON_BYTES}")
    return code, reason


def _message(message: Any) -> Tuple[bytes, bool]:
    """A message to send as (bytes, is text)."""
    if isinstance(message, str):
        return message.encode("utf-8"), True
    if type(message) is bytes:
        return message, False
    if isinstance(message, (bytes, bytearray, memoryview)):
        return bytes(message), False
    raise TypeError(f"a WebSocket message is str (text) or bytes (binary), not {type(message).__name__}")


def _compress(compress: Any) -> Optional[bool]:
    if compress is not None and type(compress) is not bool:
        raise TypeError(f"compress must be True, False or None, not {compress!r}")
    return compress


def _timeout(timeout: Any) -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None, not {timeout!r}")
    if not timeout >= 0:
        raise ValueError(f"timeout must be >= 0, not {timeout!r}")
    return float(timeout)


def _ping_payload(payload: Any) -> bytes:
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise TypeError(f"a ping payload is bytes, not {type(payload).__name__}")
    data = bytes(payload)
    if len(data) > MAX_PING_PAYLOAD:
        raise ValueError(f"a ping payload is at most {MAX_PING_PAYLOAD} bytes, not {len(data)}")
    return data


class WebSocketChannel(Protocol):
    """A host's side of one session, behind `WebSocket` and `AsyncWebSocket`. Arguments come
    checked: messages as bytes with a text flag, close codes an application may send."""

    @property
    def subprotocol(self) -> Optional[str]: ...

    @property
    def extensions(self) -> List[str]: ...

    @property
    def close_code(self) -> Optional[int]: ...

    @property
    def close_reason(self) -> Optional[str]: ...

    def receive(self, timeout: Optional[float]) -> Message: ...

    def send(self, data: bytes, text: bool, compress: Optional[bool]) -> None: ...

    def ping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]: ...

    def close(self, code: int, reason: str) -> None: ...

    async def areceive(self, timeout: Optional[float]) -> Message: ...

    async def asend(self, data: bytes, text: bool, compress: Optional[bool]) -> None: ...

    async def aping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]: ...

    async def aclose(self, code: int, reason: str) -> None: ...


class _Negotiated:
    """What both forms share: the negotiated facts and the close state."""

    __slots__ = ("_channel",)

    def __init__(self, channel: WebSocketChannel) -> None:
        self._channel = channel

    @property
    def subprotocol(self) -> Optional[str]:
        """The subprotocol chosen in `accept`, or None."""
        return self._channel.subprotocol

    @property
    def extensions(self) -> List[str]:
        """The accepted `Sec-WebSocket-Extensions` entries, e.g. ["permessage-deflate"]."""
        return self._channel.extensions

    @property
    def close_code(self) -> Optional[int]:
        """None while open; after the close, the code received (or the local one)."""
        return self._channel.close_code

    @property
    def close_reason(self) -> Optional[str]:
        """None while open; after the close, the reason received (or the local one)."""
        return self._channel.close_reason

    def __repr__(self) -> str:
        state = "open" if self.close_code is None else f"closed {self.close_code}"
        return f"<{type(self).__name__} {state}>"


class WebSocket(_Negotiated):
    """A session's socket-like object, for a sync session (spec 9.4): its methods block the
    calling thread, which must not be the event loop's."""

    __slots__ = ()

    def receive(self, timeout: Optional[float] = None) -> Message:
        """The next message: str for text, bytes for binary. WebSocketClosed once the
        connection is closed (messages that arrived before are returned first), TimeoutError
        after `timeout` seconds without one."""
        return self._channel.receive(_timeout(timeout))

    def send(self, message: MessageInput, *, compress: Optional[bool] = None) -> None:
        """Send one message (str as text, bytes as binary); blocks while the server's send
        window is used up. `compress=False` sends it uncompressed. WebSocketClosed after the
        close, also for a send that was blocked when it happened."""
        data, text = _message(message)
        self._channel.send(data, text, _compress(compress))

    def ping(self, payload: bytes = b"", timeout: Optional[float] = None) -> Optional[float]:
        """Ping the client and wait for its pong: the round trip in seconds (None where the
        host gives applications no ping). TimeoutError after `timeout` seconds."""
        return self._channel.ping(_ping_payload(payload), _timeout(timeout))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake and wait (a bounded time) for it to finish. ValueError
        for a code an application may not send or a reason over 123 UTF-8 bytes."""
        code, reason = check_close(code, reason)
        self._channel.close(code, reason)

    def __iter__(self) -> Iterator[Message]:
        """The messages, until the connection closes (with any code)."""
        while True:
            try:
                message = self._channel.receive(None)
            except WebSocketClosed:
                return
            yield message


class AsyncWebSocket(_Negotiated):
    """A session's socket-like object, for an async session (spec 9.4): the same members as
    WebSocket, awaited on the event loop."""

    __slots__ = ()

    async def receive(self, timeout: Optional[float] = None) -> Message:
        return await self._channel.areceive(_timeout(timeout))

    async def send(self, message: MessageInput, *, compress: Optional[bool] = None) -> None:
        data, text = _message(message)
        await self._channel.asend(data, text, _compress(compress))

    async def ping(self, payload: bytes = b"", timeout: Optional[float] = None) -> Optional[float]:
        return await self._channel.aping(_ping_payload(payload), _timeout(timeout))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        code, reason = check_close(code, reason)
        await self._channel.aclose(code, reason)

    def __aiter__(self) -> "AsyncWebSocket":
        return self

    async def __anext__(self) -> Message:
        try:
            return await self._channel.areceive(None)
        except WebSocketClosed:
            raise StopAsyncIteration from None


Session = Callable[[Any], Any]
_new_object = object.__new__


class WebSocketResponse(Response):
    """The response that accepts an offer (spec 9.3): status 101, the extra handshake fields in
    `headers`, no body. Only `WebSocketOffer.accept` makes one; a host starts the session only
    for the one its own offer made (MUST-WS-8), reading it by its attributes."""

    __slots__ = ("_websocket", "_session", "_subprotocol", "_compression", "_max_message_size")
    _websocket: "WebSocketOffer"
    _session: Session
    _subprotocol: Optional[str]
    _compression: bool
    _max_message_size: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a WebSocketResponse is made by request.websocket.accept(session, ...)")

    @property
    def websocket(self) -> "WebSocketOffer":
        """The offer this response accepts."""
        return self._websocket

    @property
    def session(self) -> Session:
        """`def session(ws)` or `async def session(ws)`, run once the handshake is answered."""
        return self._session

    @property
    def subprotocol(self) -> Optional[str]:
        return self._subprotocol

    @property
    def compression(self) -> bool:
        return self._compression

    @property
    def max_message_size(self) -> int:
        return self._max_message_size


class WebSocketOffer:
    """A request's WebSocket offer (spec 9.1): `request.websocket`, None when the request is
    not one. Made by the host from a handshake it validated; tests may make one by hand."""

    __slots__ = ("_subprotocols", "_extensions", "_transport")

    def __init__(
        self,
        subprotocols: Iterable[str] = (),
        extensions: Iterable[str] = (),
        transport: str = "h1-upgrade",
    ) -> None:
        self._subprotocols = _texts(subprotocols, "subprotocols")
        self._extensions = _texts(extensions, "extensions")
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}")
        self._transport = transport

    @property
    def subprotocols(self) -> List[str]:
        """The offered `Sec-WebSocket-Protocol` values, in the client's order."""
        return list(self._subprotocols)

    @property
    def extensions(self) -> List[str]:
        """The offered `Sec-WebSocket-Extensions` entries, as received."""
        return list(self._extensions)

    @property
    def transport(self) -> str:
        """"h1-upgrade" (RFC 6455), "h2-connect" (RFC 8441) or "h3-connect" (RFC 9220)."""
        return self._transport

    def accept(
        self,
        session: Session,
        *,
        subprotocol: Optional[str] = None,
        headers: Optional[HeadersInput] = None,
        compression: bool = True,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> WebSocketResponse:
        """The response accepting this offer (spec 9.3), checked now (MUST-WS-2): TypeError
        for a session that is not callable, ValueError for a subprotocol the client did not
        offer or a max_message_size below 1; headers as any response's (7.2)."""
        if not callable(session):
            raise TypeError(f"session must be callable, not {type(session).__name__}")
        if subprotocol is not None and subprotocol not in self._subprotocols:
            offered = ", ".join(self._subprotocols) or "none"
            raise ValueError(
                f"subprotocol {subprotocol!r} was not offered by the client (offered: {offered})"
            )
        if isinstance(max_message_size, bool) or not isinstance(max_message_size, int):
            raise TypeError(f"max_message_size must be an int, not {max_message_size!r}")
        if not 1 <= max_message_size <= MAX_MESSAGE_SIZE_LIMIT:
            raise ValueError(
                f"max_message_size must be in 1..{MAX_MESSAGE_SIZE_LIMIT}, not {max_message_size}"
            )
        response = _new_object(WebSocketResponse)
        response._status = 101
        response._headers = MutableHeaders(headers)
        response._body = b""
        response._trailers = None
        response._websocket = self
        response._session = session
        response._subprotocol = subprotocol
        response._compression = bool(compression)
        response._max_message_size = max_message_size
        return response

    def __repr__(self) -> str:
        return f"<WebSocketOffer {self._transport} subprotocols={list(self._subprotocols)}>"


def _texts(values: Iterable[str], what: str) -> Tuple[str, ...]:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what} must be an iterable of str, not a single {type(values).__name__}")
    texts = tuple(values)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"{what} must hold str values, not {type(text).__name__}")
    return texts


def header_elements(values: Iterable[str]) -> List[str]:
    """The comma-separated elements of a header's field lines (RFC 9110 section 5.6.1), each
    trimmed, empty ones dropped; commas inside quoted strings (extension parameters) do not
    split."""
    elements: List[str] = []
    for value in values:
        start = 0
        quoted = escaped = False
        for i, char in enumerate(value):
            if escaped:
                escaped = False
            elif quoted and char == "\\":
                escaped = True
            elif char == '"':
                quoted = not quoted
            elif char == "," and not quoted:
                element = value[start:i].strip(" \t")
                if element:
                    elements.append(element)
                start = i + 1
        element = value[start:].strip(" \t")
        if element:
            elements.append(element)
    return elements
