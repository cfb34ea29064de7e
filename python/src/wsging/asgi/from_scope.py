"""The ASGI connection scopes `from_asgi` builds from a Request (spec 15.4).

Built once per request, so the parts that do not change are made once: the lower-cased form
of each header name seen, and the extension names of each capability word. An HTTP scope of
the worker's own Request is one dictionary made at once from its fields.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..api.request import Request
from .from_tls import tls_extension
from .from_types import Scope

__all__ = ["REQUEST_KEY", "http_scope", "websocket_scope", "ASGI_VERSION"]

REQUEST_KEY = "wsging.request"

# ASGI 3; HTTP and WebSocket spec 2.4: send() raises an OSError (here ClientDisconnected, a
# ConnectionError) once the client is gone, so frameworks need no task of their own to watch
# receive() for the disconnect while they stream.
ASGI_VERSION: Mapping[str, str] = {"version": "3.0", "spec_version": "2.4"}

_LOWER: Dict[bytes, bytes] = {}
_LOWER_MAX = 4096


def _headers(raw: Sequence[Tuple[bytes, bytes]]) -> List[Tuple[bytes, bytes]]:
    """ASGI wants lower-case names (HTTP/1.x names arrive as the client wrote them)."""
    lower = _LOWER
    headers = []
    for name, value in raw:
        low = lower.get(name)
        if low is None:
            low = name.lower()
            if len(lower) < _LOWER_MAX:
                lower[name] = low
        headers.append((low, value))
    return headers


# The names of the extensions offered, by (capability word, push offered, WebSocket).
_EXTENSIONS: Dict[Tuple[int, bool, bool], Tuple[str, ...]] = {}


def _extension_names(request: Request, websocket: bool) -> Tuple[str, ...]:
    caps = request.capabilities
    push = not websocket and "push" in request.extensions
    key = (caps.bits, push, websocket)
    names = _EXTENSIONS.get(key)
    if names is None:
        if websocket:
            names = ("websocket.http.response",)
        else:
            found = ["http.response.pathsend"]
            if caps.response_trailers:
                found.append("http.response.trailers")
            if caps.early_hints:
                found.append("http.response.early_hint")
            if push:
                found.append("http.response.push")
            names = tuple(found)
        if len(_EXTENSIONS) < 256:
            _EXTENSIONS[key] = names
    return names


def _extensions(request: Request, websocket: bool) -> Dict[str, Any]:
    # Dictionaries of its own for each request: what an application adds to its scope's
    # extensions reaches no other request.
    extensions: Dict[str, Any] = {name: {} for name in _extension_names(request, websocket)}
    tls = request.tls
    if tls is not None:
        extensions["tls"] = tls_extension(tls)
    return extensions


def _request_state(request: Request, state: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """`request.state`, with what the lifespan left added (a shallow copy per request: what a
    request stores stays its own). Made here when unset: every ASGI request asks for it, so the
    property's path for a first use (an AttributeError caught) is not taken each time."""
    if type(request) is Request:
        request_state: Optional[Dict[str, Any]] = getattr(request, "_state", None)
        if request_state is None:
            request_state = request._state = {}
    else:
        request_state = request.state
    if state:
        for key, value in state.items():
            request_state.setdefault(key, value)
    return request_state


def http_scope(request: Request, state: Optional[Dict[str, Any]]) -> Scope:
    """The `http` scope of a request; `state` is what the application's lifespan left."""
    if type(request) is not Request:  # a subclass may compute its fields
        return _scope(request, state, "http", request.scheme, request.method)
    # The worker's own Request: its fields read directly, one dictionary made at once.
    path = request._path
    if path is None:
        path = request.path
    return {
        "type": "http",
        "asgi": dict(ASGI_VERSION),
        "http_version": request._http_version,
        "method": request._method,
        "scheme": request._scheme,
        "path": path,
        "raw_path": request._raw_path,
        "root_path": request._root_path,
        "query_string": request._query_string,
        "headers": _headers(request._headers._raw),
        "client": request._client,
        "server": request._server,
        "state": _request_state(request, state),
        "extensions": _extensions(request, False),
        REQUEST_KEY: request,
    }


def _scope(request: Request, state: Optional[Dict[str, Any]], kind: str, scheme: str, method: Optional[str]) -> Scope:
    scope = {
        "type": kind,
        "asgi": dict(ASGI_VERSION),
        "http_version": request.http_version,
        "scheme": scheme,
        "path": request.path,
        "raw_path": request.raw_path,
        "root_path": request.root_path,
        "query_string": request.query_string,
        "headers": _headers(request.headers.raw),
        "client": request.client,
        "server": request.server,
        "state": _request_state(request, state),
        "extensions": _extensions(request, method is None),
        REQUEST_KEY: request,
    }
    if method is not None:
        scope["method"] = method
    return scope


def websocket_scope(request: Request, state: Optional[Dict[str, Any]]) -> Scope:
    """The `websocket` scope of an offer (spec 9.1: `request.websocket` is not None)."""
    offer = request.websocket
    scope = _scope(request, state, "websocket", "wss" if request.scheme == "https" else "ws", None)
    scope["subprotocols"] = offer.subprotocols if offer is not None else []
    return scope
