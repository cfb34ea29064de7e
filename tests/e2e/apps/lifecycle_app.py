"""Applications for the request-lifecycle tests: the same routes as a sync application
(`sync_app`) and an async one (`async_app`). What the client cannot see (how a body ended, a
completion callback's outcome) is recorded per tag and read back with GET /outcome?tag=...

State is per worker process; the tests that use it run one worker.
"""
from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from typing import AsyncIterator, Dict, Iterator, Optional
from urllib.parse import parse_qs

from wsging import ClientDisconnected, Response

request_var: "contextvars.ContextVar[str]" = contextvars.ContextVar("request_var", default="unset")

_outcomes: Dict[str, str] = {}
_held: Dict[str, threading.Event] = {}
_held_async: Dict[str, asyncio.Event] = {}

BASE_EXCEPTIONS = {
    "SystemExit": SystemExit,
    "KeyboardInterrupt": KeyboardInterrupt,
    "CancelledError": asyncio.CancelledError,
}


def _arg(request, name: str, default: str = "") -> str:
    values = parse_qs(request.query_string.decode("ascii")).get(name)
    return values[0] if values else default


def _record(request, value: str) -> None:
    _outcomes[_arg(request, "tag")] = value


def _common(request) -> Optional[Response]:
    """The routes that are the same for both applications; None for the others."""
    path = request.path
    if path == "/":
        return Response("Hello, world!")
    if path == "/outcome":
        return Response(_outcomes.get(_arg(request, "tag"), "nothing recorded"))
    if path == "/context":
        # What an earlier request left in the context, then a value of this request's own.
        before = request_var.get()
        request_var.set(f"set by {request.query_string.decode()}")
        return Response(before)
    if path == "/raise":
        raise BASE_EXCEPTIONS[_arg(request, "exc")]()
    if path == "/complete":
        tag = _arg(request, "tag")
        request_var.set(f"context of {tag}")

        def done(outcome: str) -> None:
            _outcomes[tag] = f"{outcome} in {request_var.get()}"

        request.on_complete(done)
        if _arg(request, "body") == "endless":
            return Response(_endless(request))
        return Response(b"c" * 100_000 if _arg(request, "body") == "large" else "done")
    return None


def _endless(request) -> Iterator[bytes]:
    try:
        while True:
            yield b"e" * 65536
    finally:
        _record(request, "closed")


def _raising_body(request) -> Iterator[bytes]:
    yield b"first chunk\n"
    raise BASE_EXCEPTIONS[_arg(request, "exc")]()


def sync_app(request) -> Response:
    response = _common(request)
    if response is not None:
        return response
    path = request.path
    if path == "/endless":
        return Response(_endless(request))
    if path == "/raise-stream":
        return Response(_raising_body(request))
    if path == "/hold":
        event = _held.setdefault(_arg(request, "tag"), threading.Event())
        _record(request, "holding")
        return Response("held ok" if event.wait(30) else "never released")
    if path == "/release":
        _held.setdefault(_arg(request, "tag"), threading.Event()).set()
        return Response("released")
    if path == "/read-body":
        _record(request, "reading")
        try:
            data = request.body.read()
        except ClientDisconnected:
            _record(request, "ClientDisconnected")
            raise
        _record(request, f"complete {len(data)}")
        return Response(str(len(data)))
    if path == "/poll-disconnected":
        # Sync work that checks request.disconnected between its steps (spec 11.1).
        _record(request, "polling")
        deadline = time.monotonic() + 20
        while not request.disconnected and time.monotonic() < deadline:
            time.sleep(0.01)
        _record(request, "saw disconnected" if request.disconnected else "never disconnected")
        return Response("done polling")
    return Response("no such route\n", status=404)


async def async_app(request) -> Response:
    response = _common(request)
    if response is not None:
        return response
    path = request.path
    if path == "/raise-stream":
        async def body() -> AsyncIterator[bytes]:
            yield b"first chunk\n"
            raise BASE_EXCEPTIONS[_arg(request, "exc")]()

        return Response(body())
    if path == "/hold":
        event = _held_async.setdefault(_arg(request, "tag"), asyncio.Event())
        _record(request, "holding")
        try:
            await asyncio.wait_for(event.wait(), 30)
        except asyncio.TimeoutError:
            return Response("never released")
        return Response("held ok")
    if path == "/release":
        _held_async.setdefault(_arg(request, "tag"), asyncio.Event()).set()
        return Response("released")
    if path == "/sse":
        # Server-sent events with a long pause between two: where the generator stopped, and
        # when (CLOCK_MONOTONIC is one clock for every process), goes to the file ?file= names.
        report = _arg(request, "file")

        async def events() -> AsyncIterator[bytes]:
            how = "finished"
            try:
                yield b"data: first\n\n"
                await asyncio.sleep(8)
                yield b"data: second\n\n"
            except asyncio.CancelledError:
                how = "CancelledError"
                raise
            except GeneratorExit:
                how = "GeneratorExit"
                raise
            finally:
                with open(report, "w") as out:
                    out.write(f"{time.monotonic()} {how}")

        return Response(events(), content_type="text/event-stream")
    if path == "/sleep":
        # An application still awaiting when the client leaves.
        _record(request, "sleeping")
        try:
            await asyncio.sleep(8)
        except asyncio.CancelledError:
            _record(request, "CancelledError")
            raise
        _record(request, "slept")
        return Response("slept")
    return Response("no such route\n", status=404)
