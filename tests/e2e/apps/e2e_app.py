"""The application the end-to-end tests serve: one small route per behaviour under test.

It is an async application, so one worker serves a blocked route (a stalled stream, a slow
request) and the routes the tests use to observe it (/progress, /inflight) at the same time.
Counters are per worker process; the tests that read them run a single worker.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import time
from typing import AsyncIterator, Awaitable, Callable, Dict
from urllib.parse import parse_qs

from wsging import Response

# For the CLI tests: an attribute that exists but cannot be an application.
NOT_CALLABLE = "this is not an application"

# Marker the error tests look for: in the log always, in the response body only with --debug.
FAILURE_MARKER = "e2e-app-failure-marker"

_counters = {"streamed": 0, "inflight": 0}

Handler = Callable[..., Awaitable[Response]]
_routes: Dict[str, Handler] = {}


def route(path: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _routes[path] = handler
        return handler

    return register


def _query_int(request, name: str, default: int) -> int:
    values = parse_qs(request.query_string.decode("ascii")).get(name)
    return int(values[0]) if values else default


async def app(request) -> Response:
    handler = _routes.get(request.path)
    if handler is None:
        return Response("no such route\n", status=404)
    return await handler(request)


@route("/")
async def hello(request) -> Response:
    return Response("Hello, world!")


@route("/q")
async def query(request) -> Response:
    """The raw query string, to tell pipelined responses apart."""
    return Response(request.query_string.decode("latin-1"))


@route("/client")
async def client(request) -> Response:
    host, port = request.client
    return Response(f"{host}:{port}")


@route("/pid")
async def pid(request) -> Response:
    return Response(str(os.getpid()))


@route("/echo")
async def echo(request) -> Response:
    """Streams the request body back while it arrives: memory stays at one chunk."""

    async def body() -> AsyncIterator[bytes]:
        async for chunk in request.body:
            yield chunk

    return Response(body(), headers=[("content-type", "application/octet-stream")])


@route("/sha256")
async def sha256(request) -> Response:
    """Reads the whole body before answering: `<hex digest> <length>`."""
    digest = hashlib.sha256()
    length = 0
    async for chunk in request.body:
        digest.update(chunk)
        length += len(chunk)
    return Response(f"{digest.hexdigest()} {length}")


@route("/chunks")
async def chunks(request) -> Response:
    """A body of unknown length in several pieces: chunked on HTTP/1.1, close-delimited on 1.0."""
    count = _query_int(request, "n", 3)

    async def body() -> AsyncIterator[bytes]:
        for i in range(count):
            await asyncio.sleep(0)
            yield f"chunk-{i}\n".encode()

    return Response(body())


@route("/stream")
async def stream(request) -> Response:
    """`size` bytes in `chunk`-byte pieces; counts in /progress how many it has produced."""
    size = _query_int(request, "size", 1 << 20)
    piece = b"x" * _query_int(request, "chunk", 65536)
    _counters["streamed"] = 0

    async def body() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            part = piece if left >= len(piece) else piece[:left]
            _counters["streamed"] += len(part)
            left -= len(part)
            yield part

    return Response(body(), headers=[("content-type", "application/octet-stream")])


@route("/progress")
async def progress(request) -> Response:
    return Response(str(_counters["streamed"]))


@route("/slow")
async def slow(request) -> Response:
    """Answers after `ms` milliseconds; /inflight counts the ones still waiting."""
    _counters["inflight"] += 1
    try:
        await asyncio.sleep(_query_int(request, "ms", 2000) / 1000)
    finally:
        _counters["inflight"] -= 1
    return Response("slept")


@route("/inflight")
async def inflight(request) -> Response:
    return Response(str(_counters["inflight"]))


@route("/hang")
async def hang(request) -> Response:
    """Blocks the worker's event loop (a hung application): it can no longer answer link PINGs."""
    time.sleep(_query_int(request, "seconds", 120))
    return Response("woke up")


@route("/raise")
async def fail(request) -> Response:
    raise RuntimeError(FAILURE_MARKER)


@route("/trailers")
async def trailers(request) -> Response:
    """A streamed body whose trailer is computed after it (sent only when the client accepts it)."""
    digest = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        for piece in (b"first,", b"second"):
            digest.update(piece)
            yield piece

    return Response(body(), trailers=lambda: [("x-body-sha256", digest.hexdigest())])


@route("/hints")
async def hints(request) -> Response:
    """103 Early Hints before the final response; the body says whether they went out."""
    sent = await request.asend_informational(103, [("link", "</style.css>; rel=preload; as=style")])
    return Response("hints sent" if sent else "hints not sent")
