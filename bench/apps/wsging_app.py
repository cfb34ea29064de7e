"""The benchmark app written for WSGI-NG (see bench_routes.py for the routes)."""

from __future__ import annotations

from typing import Any, AsyncIterator

from wsging import FileResponse, Request, Response

from bench_routes import HELLO, OCTETS, TEXT_PLAIN, file_path, json_body

FILE = file_path()


async def _echo_chunks(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.body:
        yield chunk


async def _echo_messages(ws: Any) -> None:
    async for message in ws:
        await ws.send(message)


async def app(request: Request) -> Any:
    path = request.path
    if path == "/plaintext":
        return Response(HELLO, content_type=TEXT_PLAIN)
    if path == "/json":
        return Response(json_body(), content_type="application/json")
    if path == "/echo":
        return Response(await request.body.aread(), content_type=OCTETS)
    if path == "/stream-echo":
        return Response(_echo_chunks(request), content_type=OCTETS)
    if path == "/file":
        return FileResponse(FILE)
    if path == "/ws" and request.websocket is not None:
        # The peers' apps accept without compression offered (the client offers none either).
        return request.websocket.accept(_echo_messages, compression=False)
    return Response(b"not found", status=404, content_type=TEXT_PLAIN)
