"""WSGI-NG applications the ASGI hosts serve through `wsging.asgi.to_asgi`: `async_asgi` (an
async application) and `sync_asgi` (a sync one, run in threads), with the same routes:

GET  /caps           what the request says about its host, as JSON
POST /echo           the request body streamed back, chunk by chunk, as it arrives
GET  /stream?n=N     N chunks of 1 KiB, streamed
GET  /late           a streamed body whose first chunk takes a second to make
GET  /abort          a streamed body that raises after its first chunk
GET  /trailers       a body and a trailer computed after it (x-checksum)
GET  /hints          a 103 with a link field, then whether it went, as JSON
GET  /error          raises before the head (a 500 without the exception text)
GET  /file           this file, as a FileResponse
GET  /lifespan       what the lifespan recorded, as JSON (`entries`: how often it was entered)
GET  /push           pushes /caps when the push extension is offered; the result as JSON
GET  /hold?id=ID     streams until the client leaves; the outcome goes to /outcome?id=ID
GET  /outcome?id=ID  the completion outcome recorded for ID (404 while none)
WS   /ws?id=ID       echoes every message; "close:CODE" closes with CODE and reason "bye",
                     "raise" makes the session raise; the subprotocol "chat" is chosen when
                     offered; with an id, the completion outcome goes to /outcome?id=ID
WS   /ws-refuse      refuses the offer with 403 "no websocket here"

`slow_async_asgi` and `slow_sync_asgi` serve the same with a lifespan that takes a second to
enter; `failing_asgi` has a lifespan that fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
import time
from typing import Any, AsyncIterator, Dict, Iterator
from urllib.parse import parse_qs

from wsging import FileResponse, Response
from wsging.asgi import to_asgi

LIFESPAN: Dict[str, Any] = {"entered": False, "thread": None}
OUTCOMES: Dict[str, str] = {}
HERE = os.path.abspath(__file__)
MARKER = "asgi-host-secret-marker"  # what /error raises: it must never reach a client


def _query(request: Any) -> Dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}


def _caps(request: Any, kind: str) -> Response:
    caps = request.capabilities
    tls = request.tls
    return Response(
        json.dumps(
            {
                "kind": kind,
                "http_version": request.http_version,
                "scheme": request.scheme,
                "method": request.method,
                "path": request.path,
                "raw_path": request.raw_path.decode("latin-1"),
                "query_string": request.query_string.decode("latin-1"),
                "root_path": request.root_path,
                "client": list(request.client) if request.client else None,
                "server": list(request.server) if request.server else None,
                "content_length": request.content_length,
                "header_names": [n.decode("latin-1") for n, _ in request.headers.raw],
                "response_trailers": caps.response_trailers,
                "early_hints": caps.early_hints,
                "push": caps.push,
                "pushed": request.pushed,
                "websocket": caps.websocket,
                "request_trailers": caps.request_trailers,
                "extensions": sorted(request.extensions),
                "tls": None if tls is None else {"version": tls.version, "cipher": tls.cipher},
                "disconnected": request.disconnected,
                "spec_version": list(request.spec_version),
            }
        ),
        content_type="application/json",
    )


def _trailers() -> Response:
    digest = hashlib.sha256()
    parts = [b"part-%d;" % i for i in range(5)]

    def body() -> Iterator[bytes]:
        for part in parts:
            digest.update(part)
            yield part

    return Response(body(), trailers=lambda: [("x-checksum", digest.hexdigest())],
                    headers=[("trailer", "x-checksum")])


def _record(key: str) -> Any:
    def done(outcome: str) -> None:
        OUTCOMES[key] = outcome

    return done


def _outcome(request: Any) -> Response:
    key = _query(request).get("id", "")
    if key not in OUTCOMES:
        return Response("none yet\n", 404)
    return Response(OUTCOMES[key])


def _websocket(request: Any, session: Any) -> Any:
    offer = request.websocket
    if request.path == "/ws-refuse":
        return Response("no websocket here\n", 403)
    key = _query(request).get("id")
    if key:
        request.on_complete(_record(key))
    chosen = "chat" if "chat" in offer.subprotocols else None
    return offer.accept(session, subprotocol=chosen)


def _close_code(message: Any) -> Any:
    if message == "raise":
        raise RuntimeError(MARKER)
    if isinstance(message, str) and message.startswith("close:"):
        return int(message[6:])
    return None


async def async_session(ws: Any) -> None:
    async for message in ws:
        code = _close_code(message)
        if code is not None:
            await ws.close(code, "bye")
            return
        await ws.send(message)


def sync_session(ws: Any) -> None:
    for message in ws:
        code = _close_code(message)
        if code is not None:
            ws.close(code, "bye")
            return
        ws.send(message)


async def async_app(request: Any) -> Any:
    path = request.path
    if request.websocket is not None:
        return _websocket(request, async_session)
    if path == "/caps":
        return _caps(request, "async")
    if path == "/echo":
        async def echo() -> AsyncIterator[bytes]:
            async for chunk in request.body:
                yield chunk

        return Response(echo(), content_type="application/octet-stream")
    if path == "/stream":
        count = int(_query(request).get("n", "4"))

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(count):
                yield (b"%04d" % i) * 256

        return Response(chunks(), content_type="application/octet-stream")
    if path == "/late":
        async def late() -> AsyncIterator[bytes]:
            await asyncio.sleep(1.0)
            yield b"late"

        return Response(late())
    if path == "/abort":
        async def aborted() -> AsyncIterator[bytes]:
            yield b"first;"
            raise RuntimeError(MARKER)

        return Response(aborted())
    if path == "/trailers":
        return _trailers()
    if path == "/hints":
        sent = await request.asend_informational(103, [("link", "</style.css>; rel=preload; as=style")])
        return Response(json.dumps({"sent": sent}), content_type="application/json")
    if path == "/error":
        raise RuntimeError(MARKER)
    if path == "/file":
        return FileResponse(HERE, content_type="text/x-python")
    if path == "/lifespan":
        return Response(json.dumps(LIFESPAN), content_type="application/json")
    if path == "/push":
        push = request.extensions.get("push")
        pushed = None if push is None else await push.apush("/caps")
        return Response(json.dumps({"pushed": pushed}), content_type="application/json")
    if path == "/hold":
        request.on_complete(_record(_query(request)["id"]))

        async def forever() -> AsyncIterator[bytes]:
            while True:
                yield b"tick\n"
                await asyncio.sleep(0.05)

        return Response(forever())
    if path == "/outcome":
        return _outcome(request)
    return Response("not found\n", 404)


def sync_app(request: Any) -> Any:
    path = request.path
    if request.websocket is not None:
        return _websocket(request, sync_session)
    if path == "/caps":
        return _caps(request, "sync")
    if path == "/echo":
        return Response(iter(request.body), content_type="application/octet-stream")
    if path == "/stream":
        count = int(_query(request).get("n", "4"))
        return Response(((b"%04d" % i) * 256 for i in range(count)),
                        content_type="application/octet-stream")
    if path == "/late":
        def late() -> Iterator[bytes]:
            time.sleep(1.0)
            yield b"late"

        return Response(late())
    if path == "/abort":
        def aborted() -> Iterator[bytes]:
            yield b"first;"
            raise RuntimeError(MARKER)

        return Response(aborted())
    if path == "/trailers":
        return _trailers()
    if path == "/hints":
        sent = request.send_informational(103, [("link", "</style.css>; rel=preload; as=style")])
        return Response(json.dumps({"sent": sent}), content_type="application/json")
    if path == "/error":
        raise RuntimeError(MARKER)
    if path == "/file":
        return FileResponse(HERE, content_type="text/x-python")
    if path == "/lifespan":
        return Response(json.dumps(LIFESPAN), content_type="application/json")
    if path == "/push":
        push = request.extensions.get("push")
        pushed = None if push is None else push.push("/caps")
        return Response(json.dumps({"pushed": pushed}), content_type="application/json")
    if path == "/hold":
        request.on_complete(_record(_query(request)["id"]))

        def forever() -> Iterator[bytes]:
            while True:
                yield b"tick\n"
                time.sleep(0.05)

        return Response(forever())
    if path == "/outcome":
        return _outcome(request)
    return Response("not found\n", 404)


@contextlib.asynccontextmanager
async def _async_lifespan(delay: float = 0.0) -> AsyncIterator[None]:
    await asyncio.sleep(delay)
    LIFESPAN.update(entered=True, kind="async", entries=LIFESPAN.get("entries", 0) + 1)
    yield
    _note_exit()


@contextlib.contextmanager
def _sync_lifespan(delay: float = 0.0) -> Iterator[None]:
    time.sleep(delay)
    LIFESPAN.update(entered=True, kind="sync", thread=threading.current_thread().name,
                    entries=LIFESPAN.get("entries", 0) + 1)
    yield
    _note_exit()


def _note_exit() -> None:
    """The lifespan's exit is seen after the host stopped: it leaves a file behind."""
    path = os.environ.get("WSGING_TEST_LIFESPAN_EXIT")
    if path:
        with open(path, "w") as out:
            out.write("exited\n")


async_app.lifespan = _async_lifespan  # type: ignore[attr-defined]
sync_app.lifespan = _sync_lifespan  # type: ignore[attr-defined]


async def slow_async_app(request: Any) -> Any:
    return await async_app(request)


def slow_sync_app(request: Any) -> Any:
    return sync_app(request)


# Entering takes a second: requests that arrive meanwhile wait for it.
slow_async_app.lifespan = lambda: _async_lifespan(1.0)  # type: ignore[attr-defined]
slow_sync_app.lifespan = lambda: _sync_lifespan(1.0)  # type: ignore[attr-defined]


def failing_app(request: Any) -> Any:
    return Response("never served\n")


@contextlib.contextmanager
def _failing_lifespan() -> Iterator[None]:
    raise RuntimeError("database unreachable")
    yield


failing_app.lifespan = _failing_lifespan  # type: ignore[attr-defined]

async_asgi = to_asgi(async_app)
sync_asgi = to_asgi(sync_app)
slow_async_asgi = to_asgi(slow_async_app)
slow_sync_asgi = to_asgi(slow_sync_app)
failing_asgi = to_asgi(failing_app)  # its lifespan fails: a host must not serve it
