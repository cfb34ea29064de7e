"""`to_asgi`: a WSGI-NG application as an ASGI 3 application, for uvicorn, hypercorn, granian
(ASGI mode), daphne or any ASGI server (spec 15.4)."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, MutableMapping

from ..api.request import Request
from ..worker.loading import is_async_app
from .to_http import serve_http
from .to_lifespan import run_lifespan
from .to_own_lifespan import OwnLifespan
from .to_session import serve_websocket
from .to_unready import refuse_unready

__all__ = ["to_asgi", "ASGIApplication"]

logger = logging.getLogger("wsging.asgi")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]


def to_asgi(app: Callable[[Request], Any]) -> ASGIApplication:
    """An ASGI 3 application that serves `app`, sync (in a thread pool) or async (on the
    host's loop). What the host can carry is what the application's capabilities say: the
    extensions the host declares in the scope (trailers, early hints, push, files), none
    other (spec 10). The application's `lifespan` is entered through the host's lifespan
    protocol or, on a host that runs none (daphne), by `to_asgi` before the first request."""
    is_async = is_async_app(app)
    own_lifespan = OwnLifespan(app)

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "http" or kind == "websocket":
            if not await own_lifespan.ready():
                logger.error("not serving %s %s: %s", kind, scope.get("path"), own_lifespan.failure)
                await refuse_unready(scope, receive, send)
            elif kind == "http":
                await serve_http(app, is_async, scope, receive, send)
            else:
                await serve_websocket(app, is_async, scope, receive, send)
        elif kind == "lifespan":
            own_lifespan.host_runs_it()
            # Requests that came before the lifespan scope entered it already: not twice.
            await run_lifespan(app, receive, send, enter=not own_lifespan.entered_itself)
        else:
            # The ASGI specification: an unknown scope type is refused with an exception.
            raise ValueError(f"to_asgi serves http, websocket and lifespan scopes, not {kind!r}")
    return application
