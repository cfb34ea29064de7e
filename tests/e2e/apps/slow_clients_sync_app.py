"""A sync application with a handler that does not return in time (it waits 5 s), and one that
reads its whole request body before it answers."""
from __future__ import annotations

import threading

from wsging import Response

_never = threading.Event()


def app(request) -> Response:
    if request.path == "/stuck":
        _never.wait(5)  # bounded, so that the server's shutdown after the test does not wait long
        return Response("too late")
    if request.path == "/upload":
        body = request.body.read()
        return Response(f"{len(body)} bytes: {body.decode('latin-1')}")
    return Response("Hello, world!")
