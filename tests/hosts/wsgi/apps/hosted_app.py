"""The WSGI-NG application the WSGI hosts serve through `to_wsgi`, in a sync and an async
form with the same routes (each answers for the form that served it):

/capabilities  request.capabilities as JSON, with "offer": whether request.websocket is set
/echo          the request body streamed back as it is read
/upload        the request body read chunk by chunk: its size and SHA-256 as JSON
/stream?gate=  "first\n", then, once the file `gate` exists, "second\n" (the test creates it
               after reading the first chunk: the response streams, it is not buffered)
/file?path=    a FileResponse of the file at `path`
/hints         a 103 with a link field, then "hinted"
/fail          an application error whose text must not reach the client
/lifespan      whether this process entered the application's lifespan, and its pid
/ws            an echo session for a WebSocket offer; "no websocket" (426) otherwise;
               /ws?close=CODE closes with CODE and "bye" after the first message, /ws?fail=1
               raises after the first message, /ws?protocol=P accepts subprotocol P
/cookies       two set-cookie fields and a body streamed in three chunks
/fail-in-body  "first;" streamed, then an application error (the response must end aborted)
/client        request.client as JSON
/no-content    a 204 with a body that must not be sent
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from urllib.parse import parse_qs

from wsging import FileResponse, Response

FAILURE_MARKER = "hosted-app-failure-marker"
FLAGS = ("response_trailers", "early_hints", "push", "websocket", "request_trailers")


class State:
    entered_in = 0  # the pid of the process that entered the lifespan


@contextlib.contextmanager
def lifespan():
    State.entered_in = os.getpid()
    yield
    State.entered_in = 0


def _query(request, name):
    return parse_qs(request.query_string.decode("latin-1"))[name][-1]


def _capabilities(request):
    flags = {name: getattr(request.capabilities, name) for name in FLAGS}
    flags["offer"] = request.websocket is not None
    return Response(json.dumps(flags), headers={"content-type": "application/json"})


def _wait_for(path):
    deadline = time.monotonic() + 20
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)  # the gate is a file another process creates
    return os.path.exists(path)


def _gated(gate):
    yield b"first\n"
    yield b"second\n" if _wait_for(gate) else b"timed out\n"


def _cookies():
    return Response(iter([b"one,", b"two,", b"three"]), headers=[
        ("content-type", "text/plain"), ("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2; Path=/")])


def _common(request):
    """Routes whose answer does not depend on the form."""
    if request.path == "/capabilities":
        return _capabilities(request)
    if request.path == "/file":
        return FileResponse(_query(request, "path"))
    if request.path == "/lifespan":
        return Response(json.dumps({"entered": State.entered_in == os.getpid(), "pid": os.getpid()}))
    if request.path == "/cookies":
        return _cookies()
    if request.path == "/fail":
        raise RuntimeError(FAILURE_MARKER)
    if request.path == "/fail-in-body":
        return Response(_failing_body(), headers=[("content-type", "text/plain")])
    if request.path == "/no-content":
        return Response(iter([b"must not be sent"]), 204)
    if request.path == "/client":
        client = request.client
        return Response(json.dumps(None if client is None else list(client)),
                        headers=[("content-type", "application/json")])
    return None


def _failing_body():
    yield b"first;"
    raise RuntimeError(FAILURE_MARKER)


def _accept(request, asynchronous):
    """The /ws acceptance its query asks for."""
    query = parse_qs(request.query_string.decode("latin-1"))
    close = int(query["close"][-1]) if "close" in query else None
    fail = "fail" in query

    def session(ws):
        for message in ws:
            ws.send(message)
            if close is not None:
                ws.close(close, "bye")
            if fail:
                raise RuntimeError("hosted-session-failure-marker")

    async def async_session(ws):
        async for message in ws:
            await ws.send(message)
            if close is not None:
                await ws.close(close, "bye")
            if fail:
                raise RuntimeError("hosted-session-failure-marker")

    protocol = query["protocol"][-1] if "protocol" in query else None
    return request.websocket.accept(async_session if asynchronous else session, subprotocol=protocol)


def sync_app(request):
    response = _common(request)
    if response is not None:
        return response
    if request.path == "/echo":
        return Response(iter(request.body), headers={"content-type": "application/octet-stream"})
    if request.path == "/upload":
        digest, size = hashlib.sha256(), 0
        for chunk in request.body:
            digest.update(chunk)
            size += len(chunk)
        return Response(json.dumps({"size": size, "sha256": digest.hexdigest()}))
    if request.path == "/stream":
        return Response(_gated(_query(request, "gate")), headers={"content-type": "text/plain"})
    if request.path == "/hints":
        request.send_informational(103, [("link", "</style.css>; rel=preload; as=style")])
        return Response("hinted")
    if request.path == "/ws":
        if request.websocket is None:
            return Response("no websocket", status=426)
        return _accept(request, asynchronous=False)
    return Response("not found", status=404)


async def _async_echo(body):
    async for chunk in body:
        yield chunk


async def _async_gated(gate):
    yield b"first\n"
    opened = await asyncio.get_running_loop().run_in_executor(None, _wait_for, gate)
    yield b"second\n" if opened else b"timed out\n"


async def async_app(request):
    response = _common(request)
    if response is not None:
        return response
    if request.path == "/echo":
        return Response(_async_echo(request.body), headers={"content-type": "application/octet-stream"})
    if request.path == "/upload":
        digest, size = hashlib.sha256(), 0
        async for chunk in request.body:
            digest.update(chunk)
            size += len(chunk)
        return Response(json.dumps({"size": size, "sha256": digest.hexdigest()}))
    if request.path == "/stream":
        return Response(_async_gated(_query(request, "gate")), headers={"content-type": "text/plain"})
    if request.path == "/hints":
        await request.asend_informational(103, [("link", "</style.css>; rel=preload; as=style")])
        return Response("hinted")
    if request.path == "/ws":
        if request.websocket is None:
            return Response("no websocket", status=426)
        return _accept(request, asynchronous=True)
    return Response("not found", status=404)


sync_app.lifespan = lifespan
async_app.lifespan = lifespan
