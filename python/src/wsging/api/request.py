"""The request an application receives (built by the worker from a REQUEST frame)."""

from __future__ import annotations

import asyncio
from types import MappingProxyType
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Protocol, Tuple, Union
from urllib.parse import unquote_to_bytes

from .body import Body
from .capabilities import Capabilities
from .contract import SPEC_VERSION
from .errors import InvalidStatus
from .headers import Headers, HeadersInput, MutableHeaders, RawHeaders
from .tls import TLSInfo
from .priority import Priority, parse_priority
from .websocket import WebSocketOffer

__all__ = ["Request", "RequestChannel"]

Address = Tuple[str, int]


class RequestChannel(Protocol):
    """What a server provides behind a request: disconnect news and 1xx responses."""

    @property
    def disconnected(self) -> bool: ...

    async def wait_disconnected(self) -> None: ...

    def send_informational(self, status: int, headers: RawHeaders) -> bool: ...

    async def asend_informational(self, status: int, headers: RawHeaders) -> bool: ...


class _DetachedChannel:
    """The channel of a request built by hand: never disconnects, cannot send 1xx."""

    @property
    def disconnected(self) -> bool:
        return False

    async def wait_disconnected(self) -> None:
        await asyncio.get_running_loop().create_future()

    def send_informational(self, status: int, headers: RawHeaders) -> bool:
        return False

    async def asend_informational(self, status: int, headers: RawHeaders) -> bool:
        return False


_DETACHED = _DetachedChannel()
_NO_CAPABILITIES = Capabilities.from_bits(0)
_NO_EXTENSIONS: Mapping[str, object] = MappingProxyType({})


def _informational(status: int, headers: Optional[HeadersInput]) -> RawHeaders:
    # 100 belongs to the server (spec A.5, Expect: 100-continue); 101 to protocol upgrades.
    if type(status) is not int or not 102 <= status <= 199:
        raise InvalidStatus(f"informational status must be an int in 102..199, got {status!r}")
    return list(MutableHeaders(headers).raw)


class Request:
    """One HTTP request. Attributes are read-only; `replace()` makes a changed copy (W10)."""

    _state: Dict[str, Any]  # unset until request.state is first used

    __slots__ = (
        "_method",
        "_raw_path",
        "_path",
        "_query_string",
        "_scheme",
        "_http_version",
        "_client",
        "_server",
        "_headers",
        "_content_length",
        "_capabilities",
        "_body",
        "_channel",
        "_root_path",
        "_tls",
        "_state",
        "_extensions",
        "_pushed",
        "_priority",
        "_websocket",
    )

    def __init__(
        self,
        method: str = "GET",
        raw_path: bytes = b"/",
        *,
        query_string: bytes = b"",
        scheme: str = "http",
        http_version: str = "1.1",
        client: Optional[Address] = None,
        server: Optional[Address] = None,
        headers: Union[Headers, Iterable[Tuple[bytes, bytes]], None] = None,
        content_length: Optional[int] = None,
        capabilities: Optional[Capabilities] = None,
        body: Union[Body, bytes] = b"",
        channel: Optional[RequestChannel] = None,
        root_path: str = "",
        tls: Optional[TLSInfo] = None,
        extensions: Optional[Mapping[str, object]] = None,
        pushed: bool = False,
        websocket: Optional[WebSocketOffer] = None,
    ) -> None:
        if tls is not None and not isinstance(tls, TLSInfo):
            raise TypeError(f"tls must be a TLSInfo or None, got {type(tls).__name__}")
        if websocket is not None and not isinstance(websocket, WebSocketOffer):
            raise TypeError(
                f"websocket must be a WebSocketOffer or None, got {type(websocket).__name__}"
            )
        self._method = method
        self._raw_path = raw_path
        self._path: Optional[str] = None
        self._query_string = query_string
        self._scheme = scheme
        self._http_version = http_version
        self._client = client
        self._server = server
        self._headers = headers if isinstance(headers, Headers) else Headers(headers or [])
        self._content_length = content_length
        self._capabilities = capabilities if capabilities is not None else _NO_CAPABILITIES
        self._body = body if isinstance(body, Body) else Body(body)
        self._channel: RequestChannel = channel if channel is not None else _DETACHED
        if root_path and (root_path[0] != "/" or root_path[-1] == "/"):
            raise ValueError(
                f"root_path must be empty or start with '/' and not end with it, got {root_path!r}"
            )
        self._root_path = root_path
        self._tls = tls
        self._extensions = (
            _NO_EXTENSIONS
            if not extensions
            else extensions
            if isinstance(extensions, MappingProxyType)
            else MappingProxyType(dict(extensions))
        )
        self._pushed = bool(pushed)
        self._priority: Optional[Priority] = None
        self._websocket = websocket

    @property
    def spec_version(self) -> Tuple[int, int]:
        """The version of the WSGI-NG contract the host implements (spec 7.8.3). This class
        is the reference worker's, so it is this package's version."""
        return SPEC_VERSION

    @property
    def method(self) -> str:
        return self._method

    @property
    def path(self) -> str:
        """The path, percent-decoded as UTF-8 (undecodable bytes kept as surrogates)."""
        path = self._path
        if path is None:
            raw = self._raw_path
            if b"%" in raw:
                raw = unquote_to_bytes(raw)
            path = self._path = raw.decode("utf-8", "surrogateescape")
        return path

    @property
    def raw_path(self) -> bytes:
        return self._raw_path

    @property
    def root_path(self) -> str:
        """The prefix the application is mounted at ("" when none), decoded like `path`;
        `path` still holds the whole path, prefix included (ASGI's rule)."""
        return self._root_path

    @property
    def state(self) -> Dict[str, Any]:
        """One dictionary per request, shared by every `replace()` copy (spec 12.3)."""
        try:
            return self._state
        except AttributeError:
            # Made on first use (the slot starts unset, which costs nothing per request): most
            # requests never touch it.
            state: Dict[str, Any] = {}
            self._state = state
            return state

    @property
    def query_string(self) -> bytes:
        return self._query_string

    @property
    def scheme(self) -> str:
        return self._scheme

    @property
    def http_version(self) -> str:
        return self._http_version

    @property
    def tls(self) -> Optional[TLSInfo]:
        """The connection's TLS facts (spec 5.4), or None when it is not TLS."""
        return self._tls

    @property
    def client(self) -> Optional[Address]:
        return self._client

    @property
    def server(self) -> Optional[Address]:
        return self._server

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def content_length(self) -> Optional[int]:
        return self._content_length

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    @property
    def body(self) -> Body:
        return self._body

    @property
    def extensions(self) -> Mapping[str, object]:
        """Extension objects the server offers for this request (spec 13.2), read-only; empty
        when none. `request.extensions.get("push")` is the push extension where offered."""
        return self._extensions

    @property
    def pushed(self) -> bool:
        """True for a request the server made for a push (spec 8.5), False for a client's."""
        return self._pushed

    @property
    def websocket(self) -> Optional[WebSocketOffer]:
        """The WebSocket offer this request makes (spec 9.1), or None: "is this request an
        offer" is `request.websocket is not None`. `request.websocket.accept(session)` gives
        the response that accepts it."""
        return self._websocket

    @property
    def priority(self) -> Priority:
        """The client's priority signal (RFC 9218): the latest PRIORITY_UPDATE the server
        received for this request while it runs, else its `priority` header field; urgency 3,
        not incremental, when neither says otherwise (spec 8.4)."""
        update: Optional[Priority] = getattr(self._channel, "priority_update", None)
        if update is not None:
            return update
        priority = self._priority
        if priority is None:
            priority = self._priority = parse_priority(self._headers.get_all("priority"))
        return priority

    @property
    def disconnected(self) -> bool:
        """True once the client is gone; no need to read the body to learn it."""
        return self._channel.disconnected

    async def wait_disconnected(self) -> bool:
        """Return when the client goes away or the exchange ends (the response is complete),
        whichever comes first, so a task watching for disconnects never outlives its request.
        True when the client left, False when the exchange ended with the client still there."""
        channel = self._channel
        await channel.wait_disconnected()
        return channel.disconnected

    def send_informational(self, status: int, headers: Optional[HeadersInput] = None) -> bool:
        """Send a 1xx response (103 Early Hints...) before the final one; False when the
        connection cannot carry it (capabilities.early_hints is False) or the stream is over."""
        raw = _informational(status, headers)
        if not self._capabilities.early_hints:
            return False
        return self._channel.send_informational(status, raw)

    async def asend_informational(
        self, status: int, headers: Optional[HeadersInput] = None
    ) -> bool:
        """Async `send_informational`."""
        raw = _informational(status, headers)
        if not self._capabilities.early_hints:
            return False
        return await self._channel.asend_informational(status, raw)

    def on_complete(self, callback: Callable[[str], Any]) -> None:
        """Call `callback(outcome)` once the response is over and the application is done with
        it (spec 11.7): outcome "completed", "aborted" or "client-gone". Callbacks run once
        each, in the order registered, in this request's context; `async def` ones on the
        event loop, others in a worker thread. Copies made by `replace()` share them."""
        register = getattr(self._channel, "on_complete", None)
        if register is None:
            raise RuntimeError("this request's server runs no completion callbacks")
        register(callback)

    def replace(self, **changes: Any) -> "Request":
        """A copy with some constructor arguments changed (cheap: nothing is re-parsed)."""
        fields: Dict[str, Any] = {
            "method": self._method,
            "raw_path": self._raw_path,
            "query_string": self._query_string,
            "scheme": self._scheme,
            "http_version": self._http_version,
            "client": self._client,
            "server": self._server,
            "headers": self._headers,
            "content_length": self._content_length,
            "capabilities": self._capabilities,
            "body": self._body,
            "channel": self._channel,
            "root_path": self._root_path,
            "tls": self._tls,
            "extensions": self._extensions,
            "pushed": self._pushed,
            "websocket": self._websocket,
        }
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"Request.replace() got unknown fields: {', '.join(sorted(unknown))}")
        fields.update(changes)
        copy = Request(**fields)
        if "raw_path" not in changes:
            copy._path = self._path
        if "headers" not in changes:
            copy._priority = self._priority
        # Shared, not copied: what one layer stores, the layers it calls see (spec 12.3).
        copy._state = self.state
        return copy

    def __repr__(self) -> str:
        return f"<Request {self._method} {self._raw_path!r}>"


def _link_request(
    method: str,
    raw_path: bytes,
    query_string: bytes,
    scheme: str,
    http_version: str,
    client: Optional[Address],
    server: Optional[Address],
    headers: Headers,
    content_length: Optional[int],
    capabilities: Capabilities,
    body: Body,
    channel: RequestChannel,
    root_path: str,
    tls: Optional[TLSInfo] = None,
    extensions: Mapping[str, object] = _NO_EXTENSIONS,
    pushed: bool = False,
    websocket: Optional[WebSocketOffer] = None,
) -> Request:
    """A Request from values the worker has already checked (its per-request hot path: no
    keyword handling, no isinstance tests)."""
    request = object.__new__(Request)
    request._method = method
    request._raw_path = raw_path
    request._path = None
    request._query_string = query_string
    request._scheme = scheme
    request._http_version = http_version
    request._client = client
    request._server = server
    request._headers = headers
    request._content_length = content_length
    request._capabilities = capabilities
    request._body = body
    request._channel = channel
    request._root_path = root_path
    request._tls = tls
    request._extensions = extensions
    request._pushed = pushed
    request._priority = None
    request._websocket = websocket
    return request
