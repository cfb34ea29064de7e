"""The ASGI connection scopes `from_asgi` builds from a Request (spec 15.4).

Built once per request, so the parts that do not change are made once: the `asgi` entry, the
lower-cased form of each header name seen, and the extension dictionaries of each capability
word (copied per request, so an application that adds to its scope's extensions changes no
other request's).
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


# Extension dictionaries by (capability word, push offered).
_EXTENSIONS: Dict[Tuple[int, bool], Dict[str, Any]] = {}


def _extensions(request: Request, websocket: bool) -> Dict[str, Any]:
    caps = request.capabilities
    push = not websocket and "push" in request.extensions
    key = (caps.bits | (0x100 if websocket else 0), push)
    cached = _EXTENSIONS.get(key)
    if cached is None:
        cached = {}
        if websocket:
            cached["websocket.http.response"] = {}
        else:
            cached["http.response.pathsend"] = {}
            if caps.response_trailers:
                cached["http.response.trailers"] = {}
            if caps.early_hints:
                cached["http.response.early_hint"] = {}
            if push:
                cached["http.response.push"] = {}
        if len(_EXTENSIONS) < 256:
            _EXTENSIONS[key] = cached
    extensions: Dict[str, Any] = {name: {} for name in cached}
    tls = request.tls
    if tls is not None:
        extensions["tls"] = tls_extension(tls)
    return extensions


def _request_state(request: Request) -> Dict[str, Any]:
    """`request.state`, made here when unset: asked for by every ASGI request, so the
    property's path for a first use (an AttributeError caught) is not taken each time."""
    if type(request) is Request:
        state: Optional[Dict[str, Any]] = getattr(request, "_state", None)
        if state is None:
            state = request._state = {}
        return state
    return request.state


def _common(request: Request, state: Optional[Dict[str, Any]]) -> Scope:
    request_state = _request_state(request)
    if state:
        # ASGI lifespan state: each request gets a shallow copy (what it stores stays its own).
        for key, value in state.items():
            request_state.setdefault(key, value)
    return {
        "asgi": dict(ASGI_VERSION),
        "http_version": request.http_version,
        "path": request.path,
        "raw_path": request.raw_path,
        "root_path": request.root_path,
        "query_string": request.query_string,
        "headers": _headers(request.headers.raw),
        "client": request.client,
        "server": request.server,
        "state": request_state,
        REQUEST_KEY: request,
    }


def http_scope(request: Request, state: Optional[Dict[str, Any]]) -> Scope:
    """The `http` scope of a request; `state` is what the application's lifespan left."""
    scope = _common(request, state)
    scope["type"] = "http"
    scope["method"] = request.method
    scope["scheme"] = request.scheme
    scope["extensions"] = _extensions(request, False)
    return scope


def websocket_scope(request: Request, state: Optional[Dict[str, Any]]) -> Scope:
    """The `websocket` scope of an offer (spec 9.1: `request.websocket` is not None)."""
    offer = request.websocket
    scope = _common(request, state)
    scope["type"] = "websocket"
    scope["scheme"] = "wss" if request.scheme == "https" else "ws"
    scope["subprotocols"] = offer.subprotocols if offer is not None else []
    scope["extensions"] = _extensions(request, True)
    return scope
