"""A Quart application served through wsging.asgi.from_asgi (tests/e2e/test_asgi_frameworks.py)."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Dict

from quart import Quart, jsonify, request, websocket

from wsging.asgi import from_asgi

quart_app = Quart(__name__)
started: Dict[str, bool] = {}


@quart_app.before_serving
async def startup() -> None:
    started["yes"] = True


@quart_app.route("/")
async def index() -> Any:
    return jsonify(framework="quart", method=request.method, path=request.path,
                   query=request.args.get("q"), started=started.get("yes", False))


@quart_app.route("/echo", methods=["POST"])
async def echo() -> Any:
    data = await request.get_data()
    return data, 200, {"content-type": "application/octet-stream"}


@quart_app.route("/stream")
async def stream() -> Any:
    async def lines() -> AsyncIterator[bytes]:
        for i in range(3):
            yield b"quart %d\n" % i
            await asyncio.sleep(0.01)

    return lines(), 200, {"content-type": "text/plain"}


@quart_app.websocket("/ws")
async def ws() -> None:
    while True:
        data = await websocket.receive()
        await websocket.send(f"quart: {data}")


app = from_asgi(quart_app)
