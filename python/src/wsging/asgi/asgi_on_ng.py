"""`from_asgi`: an ASGI 3 application as an async WSGI-NG application, to run Starlette,
FastAPI, Django's ASGI handler, Quart or any ASGI application or middleware on a WSGI-NG server
or inside WSGI-NG middleware (spec 15.4).

Each request runs the application in a task of its own with the scope of its kind: `http`
(`from_http`) or, for a WebSocket offer, `websocket` (`from_websocket`). The returned
application's `lifespan` runs the ASGI lifespan protocol (`from_lifespan`), whose state reaches
every request's scope.

A host that calls the returned application itself, with nothing in between, may call its
`respond_early(request, respond)` instead, in a task of its own for the request: the ASGI
application then runs in that very task, and `respond` gets the response as soon as it is
known, while the application goes on (streaming its body, or working after it). That saves a
task and a hand-off between tasks per request. A middleware cannot use it: it sees no response
to change.
"""

from __future__ import annotations

from typing import Any, Callable

from ..api.request import Request
from ..api.response import Response
from .from_http import HttpCall
from .from_lifespan import ASGILifespan, LifespanState
from .from_scope import http_scope, websocket_scope
from .from_types import ASGIApp
from .from_websocket import WebSocketCall

__all__ = ["from_asgi"]


def from_asgi(asgi_app: ASGIApp) -> Any:
    """An async WSGI-NG application that serves each request with `asgi_app`."""
    if not callable(asgi_app):
        raise TypeError(f"an ASGI application is callable, not {type(asgi_app).__name__}")
    shared = LifespanState()

    async def app(request: Request) -> Response:
        if request.websocket is None:
            return await HttpCall(request).respond(asgi_app, http_scope(request, shared.state))
        call = WebSocketCall(request)
        return await call.respond(asgi_app, websocket_scope(request, shared.state))

    async def respond_early(request: Request, respond: Callable[[Any], None]) -> None:
        if request.websocket is None:
            await HttpCall(request).run_inline(asgi_app, http_scope(request, shared.state), respond)
        else:
            respond(await app(request))

    def lifespan() -> ASGILifespan:
        return ASGILifespan(asgi_app, shared)

    app.lifespan = lifespan  # type: ignore[attr-defined]  # spec 11.4
    app.asgi_app = asgi_app  # type: ignore[attr-defined]
    app.respond_early = respond_early  # type: ignore[attr-defined]
    return app
