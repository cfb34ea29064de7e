"""The application of the HTTP/2 tests: the routes of e2e_app plus those that only make sense
on a multiplexed connection (streams meeting at a barrier, a gRPC-style call, calls counted
for the reset floods, a body the application reads only when told to).

Asynchronous, so one worker serves a waiting stream and the routes that observe it at once.
State is per worker process; the servers of these tests run one worker.
"""
from __future__ import annotations

import asyncio
import struct
from typing import AsyncIterator, Dict
from urllib.parse import parse_qs

import e2e_app
from wsging import ClientDisconnected, Response

_arrived: Dict[str, int] = {}
_all_arrived: Dict[str, asyncio.Event] = {}
_calls: Dict[str, int] = {}
_gates: Dict[str, asyncio.Event] = {}
_notes: Dict[str, str] = {}
_produced: Dict[str, int] = {}


def _param(request, name: str, default: str = "") -> str:
    values = parse_qs(request.query_string.decode("latin-1")).get(name)
    return values[0] if values else default


async def app(request) -> Response:
    handler = _ROUTES.get(request.path)
    if handler is None:
        return await e2e_app.app(request)
    return await handler(request)


async def barrier(request) -> Response:
    """Waits until `n` calls with this tag have arrived (at most 10 s): concurrent streams
    all answer "together"; streams served one after another would time out."""
    tag, count = _param(request, "tag"), int(_param(request, "n", "2"))
    event = _all_arrived.setdefault(tag, asyncio.Event())
    _arrived[tag] = _arrived.get(tag, 0) + 1
    if _arrived[tag] >= count:
        event.set()
    try:
        await asyncio.wait_for(event.wait(), 10)
    except asyncio.TimeoutError:
        return Response(f"alone: {_arrived[tag]} of {count} arrived", status=504)
    return Response("together")


async def grpc_unary(request) -> Response:
    """A gRPC-style unary call: one length-prefixed message in, its upper-cased copy out,
    and the status in the trailers (gRPC puts it there, which is why it needs HTTP/2)."""
    data = await request.body.aread()
    if request.headers.get("content-type") != "application/grpc" or request.headers.get("te") != "trailers":
        return Response(b"", headers=[("content-type", "application/grpc")],
                        trailers=[("grpc-status", "3"), ("grpc-message", "not a grpc request")])
    if len(data) < 5:
        return Response(b"", headers=[("content-type", "application/grpc")],
                        trailers=[("grpc-status", "13"), ("grpc-message", "short frame")])
    compressed, length = struct.unpack(">BI", data[:5])
    message = data[5:5 + length]
    if compressed or len(message) != length:
        return Response(b"", headers=[("content-type", "application/grpc")],
                        trailers=[("grpc-status", "13"), ("grpc-message", "bad frame")])
    reply = message.upper()

    async def body() -> AsyncIterator[bytes]:
        yield struct.pack(">BI", 0, len(reply)) + reply

    return Response(body(), headers=[("content-type", "application/grpc")],
                    trailers=lambda: [("grpc-status", "0"), ("grpc-message", "OK")])


async def counted(request) -> Response:
    """Counts its calls by tag (read back with /calls), for the reset floods."""
    tag = _param(request, "tag")
    _calls[tag] = _calls.get(tag, 0) + 1
    await asyncio.sleep(float(_param(request, "sleep", "0")))
    return Response("counted")


async def calls(request) -> Response:
    return Response(str(_calls.get(_param(request, "tag"), 0)))


async def gated_body(request) -> Response:
    """Reads nothing until /open-gate with the same tag, then the whole body: `<length>`.
    Notes `held` while waiting, `ClientDisconnected` if the stream is reset while reading."""
    tag = _param(request, "tag")
    gate = _gates.setdefault(tag, asyncio.Event())
    _notes[tag] = "held"
    await asyncio.wait_for(gate.wait(), 30)
    length = 0
    try:
        async for chunk in request.body:
            length += len(chunk)
    except ClientDisconnected:
        _notes[tag] = "ClientDisconnected"
        raise
    _notes[tag] = f"read {length}"
    return Response(str(length))


async def open_gate(request) -> Response:
    _gates.setdefault(_param(request, "tag"), asyncio.Event()).set()
    return Response("opened")


async def note(request) -> Response:
    return Response(_notes.get(_param(request, "tag"), "none"))


async def produce(request) -> Response:
    """`size` bytes in 16 KiB pieces, counting in /produced what the generator has handed over,
    per tag, so a test sees the producer stop when the client grants no window."""
    tag, size = _param(request, "tag"), int(_param(request, "size", str(1 << 20)))
    piece = b"p" * 16384
    _produced[tag] = 0

    async def body() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            part = piece[:min(left, len(piece))]
            left -= len(part)
            _produced[tag] += len(part)
            yield part

    return Response(body(), headers=[("content-type", "application/octet-stream")])


async def produced(request) -> Response:
    return Response(str(_produced.get(_param(request, "tag"), -1)))


async def fail_before_head(request) -> Response:
    raise RuntimeError(e2e_app.FAILURE_MARKER)


async def slow_body(request) -> Response:
    """A head at once, then `n` pieces `ms` apart: a response in flight for the shutdown test."""
    count, pause = int(_param(request, "n", "5")), float(_param(request, "ms", "200")) / 1000

    async def body() -> AsyncIterator[bytes]:
        for i in range(count):
            await asyncio.sleep(pause)
            yield f"piece {i}\n".encode()

    return Response(body())


_ROUTES = {
    "/barrier": barrier,
    "/grpc.Echo/Upper": grpc_unary,
    "/counted": counted,
    "/calls": calls,
    "/gated-body": gated_body,
    "/open-gate": open_gate,
    "/note": note,
    "/produce": produce,
    "/produced": produced,
    "/fail-before-head": fail_before_head,
    "/slow-body": slow_body,
}
