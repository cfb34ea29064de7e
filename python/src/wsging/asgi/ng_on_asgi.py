"""`to_asgi`: a WSGI-NG application as an ASGI 3 application, for uvicorn, hypercorn, granian
(ASGI mode), daphne or any ASGI server (spec 15.4)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

from ..api.request import Request
from ..worker.loading import is_async_app
from .to_http import serve_http
from .to_lifespan import run_lifespan
from .to_session import serve_websocket

__all__ = ["to_asgi", "ASGIApplication"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]


def to_asgi(app: Callable[[Request], Any]) -> ASGIApplication:
    """An ASGI 3 application that serves `app`, sync (in a thread pool) or async (on the
    host's loop). What the host can carry is what the application's capabilities say: the
    extensions the host declares in the scope (trailers, early hints, push, files), none
    other (spec 10)."""
    is_async = is_async_app(app)

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "http":
            await serve_http(app, is_async, scope, receive, send)
        elif kind == "websocket":
            await serve_websocket(app, is_async, scope, receive, send)
        elif kind == "lifespan":
            await run_lifespan(app, receive, send)
        else:
            # The ASGI specification: an unknown scope type is refused with an exception.
            raise ValueError(f"to_asgi serves http, websocket and lifespan scopes, not {kind!r}")
    return application
