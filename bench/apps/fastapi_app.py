"""The FastAPI benchmark app: what a FastAPI user writes for the plaintext and JSON routes of
bench_routes.py. Served by the ASGI servers as it is and by wsging through
wsging.asgi.from_asgi (wsging_fastapi_app.py)."""

from __future__ import annotations

from typing import Dict

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from bench_routes import JSON_OBJECT

app = FastAPI()


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, world!"


@app.get("/json")
async def json_route() -> Dict[str, str]:
    return dict(JSON_OBJECT)
