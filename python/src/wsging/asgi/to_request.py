"""The Request `to_asgi` gives a WSGI-NG application for an ASGI scope (spec 15.4), and the
capabilities the host's declared extensions give it (10.1: what is not declared is False)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote_from_bytes

from ..api.body import Body
from ..api.capabilities import EARLY_HINTS, PUSH, RESPONSE_TRAILERS, WEBSOCKET, Capabilities
from ..api.headers import Headers, RawHeaders
from ..api.request import Request, RequestChannel
from ..api.websocket import WebSocketOffer, header_elements
from .to_tls import tls_from_extension

__all__ = [
    "REQUEST_KEY",
    "capabilities_of",
    "offer_of",
    "request_from_scope",
    "stashed_request",
]

REQUEST_KEY = "wsging.request"  # the Request from_asgi started from (spec 15)

# What stays unescaped when a decoded path is quoted again: RFC 3986 pchar and "/".
_PATH_SAFE = b"/:@!$&'()*+,;=~"
_VERSIONS = {"2.0": "2", "3.0": "3", "1": "1.0"}
_SCHEMES = {"ws": "http", "wss": "https"}


def _raw_path(scope: Mapping[str, Any]) -> bytes:
    """The path as the client sent it when the host gives `raw_path`; otherwise `path`
    quoted again (an escaped "/" then reads as "/")."""
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw).partition(b"?")[0]
    path = str(scope.get("path") or "/").encode("utf-8", "surrogateescape")
    return quote_from_bytes(path, safe=_PATH_SAFE).encode("ascii") or b"/"


def _address(value: Any) -> Optional[Tuple[str, int]]:
    """An ASGI (host, port) pair; None for a Unix socket (no port) or when absent."""
    if not value or len(value) < 2 or value[1] is None:
        return None
    return (str(value[0]), int(value[1]))


def _root_path(value: Any) -> str:
    text = str(value or "").rstrip("/")
    if not text:
        return ""
    return text if text.startswith("/") else "/" + text


def _content_length(headers: Headers, http_version: str) -> Optional[int]:
    values = headers.get_all("content-length")
    if len(values) == 1 and values[0].strip().isdigit():
        return int(values[0].strip())
    if not values and http_version in ("1.0", "1.1") and "transfer-encoding" not in headers:
        return 0  # RFC 9112 section 6.3: neither field, no body
    return None


def capabilities_of(scope: Mapping[str, Any], headers: Headers, pushed: bool = False) -> Capabilities:
    """Only what the host declared (spec 10.1, MUST-CAP-1). Response trailers need a client
    that asked for them with `TE: trailers` (RFC 9110 section 10.1.4; hypercorn sends them to
    no other), and no response to HEAD carries them (7.6). A pushed request is offered no
    push (8.5; hypercorn declares the extension on it, and HTTP/2 forbids the push)."""
    extensions: Mapping[str, Any] = scope.get("extensions") or {}
    bits = 0
    if scope.get("type") == "websocket":
        bits |= WEBSOCKET
    else:
        if (
            "http.response.trailers" in extensions
            and scope.get("method") != "HEAD"
            and "trailers" in [e.lower() for e in header_elements(headers.get_all("te"))]
        ):
            bits |= RESPONSE_TRAILERS
        if "http.response.early_hint" in extensions:
            bits |= EARLY_HINTS
        if "http.response.push" in extensions and not pushed:
            bits |= PUSH
    return Capabilities.from_bits(bits)


def offer_of(scope: Mapping[str, Any], headers: Headers) -> WebSocketOffer:
    """The offer of a websocket scope: the subprotocols the host lists, the extensions the
    client's handshake named; HTTP/2 (RFC 8441) when the host says so."""
    version = str(scope.get("http_version", "1.1"))
    return WebSocketOffer(
        [str(p) for p in scope.get("subprotocols") or ()],
        header_elements(headers.get_all("sec-websocket-extensions")),
        "h2-connect" if version in ("2", "2.0") else "h3-connect" if version in ("3", "3.0") else "h1-upgrade",
    )


def request_from_scope(
    scope: Mapping[str, Any],
    body: Body,
    channel: RequestChannel,
    extensions: Optional[Dict[str, object]] = None,
    *,
    pushed: bool = False,
) -> Request:
    """The request of table 15.4. Header names arrive lower-case (ASGI requires it)."""
    raw: RawHeaders = [(bytes(name), bytes(value)) for name, value in scope.get("headers") or ()]
    headers = Headers(raw)
    http_version = str(scope.get("http_version", "1.1"))
    http_version = _VERSIONS.get(http_version, http_version)
    is_websocket = scope.get("type") == "websocket"
    scheme = str(scope.get("scheme") or ("ws" if is_websocket else "http"))
    scheme = _SCHEMES.get(scheme, scheme)
    scope_extensions: Mapping[str, Any] = scope.get("extensions") or {}
    tls_extension = scope_extensions.get("tls")
    tls = tls_from_extension(tls_extension) if scheme == "https" and tls_extension else None
    request = Request(
        "GET" if is_websocket else str(scope.get("method", "GET")),
        _raw_path(scope),
        query_string=bytes(scope.get("query_string") or b""),
        scheme=scheme,
        http_version=http_version,
        client=_address(scope.get("client")),
        server=_address(scope.get("server")),
        headers=headers,
        content_length=0 if is_websocket else _content_length(headers, http_version),
        capabilities=capabilities_of(scope, headers, pushed),
        body=body,
        channel=channel,
        root_path=_root_path(scope.get("root_path")),
        tls=tls,
        extensions=extensions,
        pushed=pushed,
        websocket=offer_of(scope, headers) if is_websocket else None,
    )
    state = scope.get("state")
    if isinstance(state, dict):
        # The host's per-request copy of the lifespan state (ASGI): request.state (15.4).
        request._state = state
    return request


def stashed_request(scope: Mapping[str, Any]) -> Optional[Request]:
    """The Request `from_asgi` placed in the scope, while the scope still describes it (no
    ASGI layer in between changed the method, target or headers); else the scope is the
    truth."""
    request = scope.get(REQUEST_KEY)
    if not isinstance(request, Request) or scope.get("type") != "http":
        return None
    if (
        scope.get("method") != request.method
        or _raw_path(scope) != request.raw_path
        or bytes(scope.get("query_string") or b"") != request.query_string
    ):
        return None
    given = [(bytes(n), bytes(v)) for n, v in scope.get("headers") or ()]
    if given != [(n.lower(), v) for n, v in request.headers.raw]:
        return None
    return request
