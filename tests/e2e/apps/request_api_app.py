"""Applications for tests/e2e/test_request_api.py: mount prefix, request.state, lifespan through
middleware, async detection, capabilities, wait_disconnected and half-close (spec 4.1, 5.1,
10.1, 11.1, 11.4, 12.3)."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from typing import Any, Dict
from urllib.parse import parse_qs

import flask

from wsging import Response
from wsging.wsgi import from_wsgi

# What routes observed, by the `tag` the test chose; read back through /outcome.
_outcomes: Dict[str, str] = {}
_gates: Dict[str, asyncio.Event] = {}


def _tag(request: Any) -> str:
    values = parse_qs(request.query_string.decode("latin-1")).get("tag")
    return values[0] if values else ""


def _gate(tag: str) -> asyncio.Event:
    gate = _gates.get(tag)
    if gate is None:
        gate = _gates[tag] = asyncio.Event()
    return gate


# -- a Flask application mounted under --root-path ------------------------------------------

flask_app = flask.Flask(__name__)


@flask_app.route("/hello")
def hello() -> str:
    return f"url_for={flask.url_for('hello')} script_root={flask.request.script_root} path={flask.request.path}"


_flask_on_ng = from_wsgi(flask_app)


def mounted(request: Any) -> Response:
    """`/…/ng` answers with the request's own view; everything else is the Flask app."""
    if request.path.endswith("/ng"):
        return Response(f"root_path={request.root_path} path={request.path}")
    response: Response = _flask_on_ng(request)
    return response


# -- the stack: middleware layers over an async application with a sync lifespan ------------


async def inner(request: Any) -> Response:
    path = request.path
    if path == "/outcome":
        return Response(_outcomes.get(_tag(request), "none yet"))
    if path == "/lifespan":
        return Response(inner.started)  # type: ignore[attr-defined]
    if path == "/state":
        return Response(repr(sorted(request.state.items())))
    if path == "/capabilities":
        caps = request.capabilities
        sent = await request.asend_informational(103, [("link", "</a.css>; rel=preload")])
        return Response(f"early_hints={caps.early_hints} response_trailers={caps.response_trailers} sent={sent}")
    if path == "/watch":
        tag = _tag(request)

        async def watch() -> None:
            left = await request.wait_disconnected()
            _outcomes[tag] = f"returned left={left}"

        _outcomes[tag] = "watching"
        asyncio.get_running_loop().create_task(watch())
        return Response(b"watched")
    if path == "/leave":
        tag = _tag(request)
        _outcomes[tag] = "waiting"
        left = await asyncio.wait_for(request.wait_disconnected(), 60)
        _outcomes[tag] = f"returned left={left}"
        return Response(b"nobody reads this")
    if path == "/gate":
        await asyncio.wait_for(_gate(_tag(request)).wait(), 30)
        return Response(b"through the gate " + request.raw_path)
    if path == "/open":
        _gate(_tag(request)).set()
        return Response(b"opened")
    return Response(b"inner " + request.raw_path)


@contextlib.contextmanager
def _lifespan() -> Any:
    try:
        asyncio.get_running_loop()
        loop = "running"
    except RuntimeError:
        loop = "none"
    inner.started = f"started thread={threading.current_thread().name} loop={loop}"  # type: ignore[attr-defined]
    yield


def function_layer(app: Any) -> Any:
    """A sync `def` layer made with functools.wraps, returning what the app returns."""

    @functools.wraps(app)
    def layer(request: Any) -> Any:
        if request.path == "/state":
            request.state["layer.function"] = "seen"
            request = request.replace(headers=request.headers)
        return app(request)

    return layer


class HideEarlyHints:
    """A class layer with a sync __call__ that records what it wraps in `__wrapped__` (so the
    host finds the lifespan of the app below) and hides one capability from it."""

    def __init__(self, app: Any) -> None:
        self.__wrapped__ = app

    def __call__(self, request: Any) -> Any:
        if request.path == "/capabilities":
            request = request.replace(capabilities=request.capabilities.without("early_hints"))
        if request.path == "/state":
            request.state["layer.class"] = "seen"
        return self.__wrapped__(request)


wrapped_app = function_layer(inner)  # only functools.wraps: async through __wrapped__
inner.lifespan = _lifespan  # type: ignore[attr-defined]  # after wrapping: not copied by wraps
stack = HideEarlyHints(function_layer(inner))  # a sync outer layer that returns a coroutine
