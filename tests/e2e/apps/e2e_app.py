"""The application the end-to-end tests serve: one small route per behaviour under test.

It is an async application, so one worker serves a blocked route (a stalled stream, a slow
request) and the routes the tests use to observe it (/progress, /inflight) at the same time.
Counters are per worker process; the tests that read them run a single worker.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from typing import AsyncIterator, Awaitable, Callable, Dict, Optional
from urllib.parse import parse_qs

from wsging import ClientDisconnected, Response

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
    if handler is None and request.path.startswith("/inspect/"):
        handler = inspect  # any path below /inspect/, however it is spelled on the wire
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


# -- routes that report what the application saw, for the specification's MUST tests ----------

# What routes observed, by the `tag` the test chose; read back through /outcome.
_outcomes: Dict[str, str] = {}
_releases: Dict[str, asyncio.Event] = {}


def _tag(request) -> str:
    values = parse_qs(request.query_string.decode("latin-1")).get("tag")
    return values[0] if values else ""


def _record(request, outcome: str) -> None:
    _outcomes[_tag(request)] = outcome


def _raw_pairs(headers) -> list:
    return [[name.decode("latin-1"), value.decode("latin-1")] for name, value in headers.raw]


@route("/outcome")
async def outcome(request) -> Response:
    """What the route that ran with this tag recorded, or 'none yet'."""
    return Response(_outcomes.get(_tag(request), "none yet"))


async def inspect(request) -> Response:
    """The request exactly as the application received it, as JSON."""
    names = ["response_trailers", "early_hints", "push", "websocket", "request_trailers"]
    seen = {
        "method": request.method,
        "raw_path": request.raw_path.decode("latin-1"),
        "path": request.path,
        "query_string": request.query_string.decode("latin-1"),
        "http_version": request.http_version,
        "headers": _raw_pairs(request.headers),
        "content_length": request.content_length,
        "capabilities": [name for name in names if getattr(request.capabilities, name)],
    }
    return Response(json.dumps(seen), content_type="application/json")


@route("/read-body")
async def read_body(request) -> Response:
    """Reads the whole body; records `reading`, then `complete N` or the error."""
    _record(request, "reading")
    try:
        data = await request.body.aread()
    except ClientDisconnected:
        _record(request, "ClientDisconnected")
        raise
    trailers = request.body.trailers
    seen = {
        "length": len(data),
        "trailers": None if trailers is None else _raw_pairs(trailers),
        "headers": _raw_pairs(request.headers),
    }
    _record(request, f"complete {len(data)}")
    return Response(json.dumps(seen), content_type="application/json")


@route("/wait-disconnect")
async def wait_disconnect(request) -> Response:
    """Reads nothing and waits for the client to leave, then goes on working (awaiting
    wait_disconnected(), it is not cancelled: spec 11.1)."""
    _record(request, "waiting")
    try:
        await asyncio.wait_for(request.wait_disconnected(), 60)
        _record(request, f"disconnected={request.disconnected}")
        await asyncio.sleep(0.01)
        _record(request, f"disconnected={request.disconnected}, finished")
    except asyncio.CancelledError:
        _record(request, "cancelled")
        raise
    except asyncio.TimeoutError:
        _record(request, "no disconnect within 60 s")
    return Response("the client is gone; nobody reads this")


@route("/endless")
async def endless(request) -> Response:
    """Streams until the client leaves; records how the body ended."""
    _record(request, "streaming")

    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"e" * 65536
        except GeneratorExit:
            _record(request, "GeneratorExit at yield")
            raise

    return Response(body(), headers=[("content-type", "application/octet-stream")])


@route("/held-first-chunk")
async def held_first_chunk(request) -> Response:
    """A streamed response whose first chunk waits for /release with the same tag (at most 30 s)."""
    release = _releases[_tag(request)] = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        try:
            await asyncio.wait_for(release.wait(), 30)
            yield b"released"
        except asyncio.TimeoutError:
            yield b"never released"

    return Response(body(), headers=[("x-head", "early")])


@route("/release")
async def release(request) -> Response:
    event: Optional[asyncio.Event] = _releases.pop(_tag(request), None)
    if event is None:
        return Response("nothing to release", status=404)
    event.set()
    return Response("released")


@route("/length-mismatch")
async def length_mismatch(request) -> Response:
    """Declares `declared` bytes of content-length and streams `actual` bytes."""
    declared = _query_int(request, "declared", 10)
    actual = _query_int(request, "actual", 5)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(actual):
            yield b"m"

    return Response(body(), headers=[("content-length", str(declared))])


@route("/fail-mid-body")
async def fail_mid_body(request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b"first part"
        raise RuntimeError(FAILURE_MARKER)

    return Response(body())


@route("/bad-head")
async def bad_head(request) -> Response:
    """A head made invalid behind the API's back, by appending to `headers.raw` directly."""
    kind = parse_qs(request.query_string.decode("latin-1")).get("kind", ["value"])[0]
    response = Response("must not be sent")
    pair = (b"x-injected", b"a\r\nx-smuggled: 1") if kind == "value" else (b"bad name", b"v")
    response.headers.raw.append(pair)  # type: ignore[attr-defined]
    return response


class _ProbeBody:
    """A body that records whether the worker pulled from it and that it was closed."""

    def __init__(self, request) -> None:
        self.request = request
        self.pulled = False

    def __aiter__(self) -> "_ProbeBody":
        return self

    async def __anext__(self) -> bytes:
        self.pulled = True
        raise StopAsyncIteration

    async def aclose(self) -> None:
        _record(self.request, "closed after pulling" if self.pulled else "closed, never pulled")


@route("/bodiless")
async def bodiless(request) -> Response:
    """Answers `status` with a streamed body (none may be sent for HEAD, 204 and 304)."""
    return Response(_ProbeBody(request), status=_query_int(request, "status", 200),
                    headers=[("x-probe", "1")])


async def app_with_failing_lifespan(request) -> Response:
    return Response("never served: the lifespan fails")


def _failing_lifespan():
    raise RuntimeError("e2e-lifespan-failure")


app_with_failing_lifespan.lifespan = _failing_lifespan  # type: ignore[attr-defined]


@route("/pieces")
async def pieces(request) -> Response:
    """How many pieces the body arrived in, and its length: `<pieces> <length>`."""
    count = 0
    length = 0
    async for chunk in request.body:
        count += 1
        length += len(chunk)
    return Response(f"{count} {length}")
