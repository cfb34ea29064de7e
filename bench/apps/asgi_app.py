"""The benchmark app written for ASGI 3, without a framework (see bench_routes.py for the routes)."""

from __future__ import annotations

import os
from typing import Any, Awaitable, Callable, Dict

from bench_routes import HELLO, OCTETS, TEXT_PLAIN, file_path, json_body

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]

FILE = file_path()
PLAIN = [(b"content-type", TEXT_PLAIN.encode())]
JSON = [(b"content-type", b"application/json")]
OCTET = [(b"content-type", OCTETS.encode())]


async def _whole(send: Send, status: int, headers: list, body: bytes) -> None:
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": headers + [length]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _stream_echo(receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": OCTET})
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        if chunk or not more:
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if not more:
            return
    await send({"type": "http.response.body", "body": b""})


async def _file(scope: Scope, send: Send) -> None:
    # Servers that offer the pathsend extension get the path (what a framework such as
    # Starlette does); the others get the bytes, read per request as a static handler would.
    if "http.response.pathsend" in scope.get("extensions", {}):
        length = (b"content-length", str(os.path.getsize(FILE)).encode())
        await send({"type": "http.response.start", "status": 200, "headers": OCTET + [length]})
        await send({"type": "http.response.pathsend", "path": FILE})
        return
    with open(FILE, "rb") as handle:
        data = handle.read()
    await _whole(send, 200, OCTET, data)


async def _http(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope["path"]
    if path == "/plaintext":
        await _whole(send, 200, PLAIN, HELLO)
    elif path == "/json":
        await _whole(send, 200, JSON, json_body())
    elif path == "/echo":
        await _whole(send, 200, OCTET, await _read_body(receive))
    elif path == "/stream-echo":
        await _stream_echo(receive, send)
    elif path == "/file":
        await _file(scope, send)
    else:
        await _whole(send, 404, PLAIN, b"not found")


async def _websocket(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif kind == "websocket.receive":
            if message.get("bytes") is not None:
                await send({"type": "websocket.send", "bytes": message["bytes"]})
            else:
                await send({"type": "websocket.send", "text": message.get("text", "")})
        else:  # websocket.disconnect
            return


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    kind = scope["type"]
    if kind == "http":
        await _http(scope, receive, send)
    elif kind == "websocket":
        await _websocket(receive, send)
    elif kind == "lifespan":
        await _lifespan(receive, send)
