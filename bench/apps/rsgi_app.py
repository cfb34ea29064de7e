"""The benchmark app written for RSGI (granian's native interface; see bench_routes.py for the routes)."""

from __future__ import annotations

from typing import Any

from bench_routes import HELLO, OCTETS, TEXT_PLAIN, file_path, json_body

FILE = file_path()
PLAIN_HEADERS = [("content-type", TEXT_PLAIN)]
JSON_HEADERS = [("content-type", "application/json")]
OCTET_HEADERS = [("content-type", OCTETS)]


async def _http(scope: Any, proto: Any) -> None:
    path = scope.path
    if path == "/plaintext":
        proto.response_bytes(200, PLAIN_HEADERS, HELLO)
    elif path == "/json":
        proto.response_bytes(200, JSON_HEADERS, json_body())
    elif path == "/echo":
        proto.response_bytes(200, OCTET_HEADERS, await proto())
    elif path == "/stream-echo":
        transport = proto.response_stream(200, OCTET_HEADERS)
        async for chunk in proto:
            await transport.send_bytes(chunk)
    elif path == "/file":
        proto.response_file(200, OCTET_HEADERS, FILE)
    else:
        proto.response_bytes(404, PLAIN_HEADERS, b"not found")


async def _websocket(proto: Any) -> None:
    transport = await proto.accept()
    while True:
        message = await transport.receive()
        if message.kind == 0:  # close
            break
        if message.kind == 1:
            await transport.send_bytes(message.data)
        else:
            await transport.send_str(message.data)
    proto.close(1000)


async def app(scope: Any, proto: Any) -> None:
    if scope.proto == "http":
        await _http(scope, proto)
    elif scope.proto == "ws":
        await _websocket(proto)
