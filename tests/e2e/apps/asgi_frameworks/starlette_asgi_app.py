"""A Starlette application served as it is with `--interface asgi` (tests/e2e/test_asgi_frameworks.py):
a file sent with the pathsend extension, BaseHTTPMiddleware (which runs the application in a task
of its own), background tasks, a sync endpoint and lifespan state. Served with the FastAPI example's
interpreter, which has Starlette."""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route


FILE = os.path.join(tempfile.gettempdir(), f"wsging-starlette-{os.getpid()}.bin")
DONE: List[str] = []


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[Dict[str, Any]]:
    with open(FILE, "wb") as handle:
        handle.write(bytes(range(256)) * 4096)  # 1 MiB
    yield {"file": FILE}
    os.unlink(FILE)


class Stamp(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-stamp"] = "middleware"
        return response


async def file(request: Request) -> FileResponse:
    return FileResponse(request.state.file, media_type="application/octet-stream")


async def background(request: Request) -> PlainTextResponse:
    return PlainTextResponse("later", background=BackgroundTask(DONE.append, request.query_params["tag"]))


def in_thread(request: Request) -> PlainTextResponse:
    # A sync endpoint: Starlette runs it in anyio's thread pool, which needs the request's task.
    return PlainTextResponse(threading.current_thread().name)


async def done(request: Request) -> JSONResponse:
    return JSONResponse(DONE)


async def scope(request: Request) -> JSONResponse:
    return JSONResponse({
        "client": list(request.client) if request.client else None,
        "url": str(request.url),
        "http_version": request.scope["http_version"],
        "extensions": sorted(request.scope.get("extensions", {})),
        "root_path": request.scope["root_path"],
    })


starlette_app = Starlette(
    routes=[Route("/file", file), Route("/background", background), Route("/done", done), Route("/scope", scope),
            Route("/sync", in_thread)],
    middleware=[Middleware(Stamp)],
    lifespan=lifespan,
)

app = starlette_app
