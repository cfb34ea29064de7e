"""The application of tests/e2e/test_http2_push.py and test_http2_priority.py (spec 8.4, 8.5).

An outer middleware marks every response it passes (`x-outer`), saying whether the request it
saw was pushed: a pushed response with the mark went through the whole stack (MUST-PUSH-2).
"""
from __future__ import annotations

import time
from typing import Any, Iterator
from urllib.parse import parse_qs

from wsging import Response


def _param(request: Any, name: str, default: str = "") -> str:
    values = parse_qs(request.query_string.decode("latin-1")).get(name)
    return values[0] if values else default


def _priority(request: Any) -> str:
    p = request.priority
    return f"u={p.urgency} i={p.incremental}"


def _changed_priority(request: Any) -> Iterator[bytes]:
    """The priority now, then again once it changes (a client's PRIORITY_UPDATE), or after 10 s."""
    first = request.priority
    yield (_priority(request) + "\n").encode()
    deadline = time.monotonic() + 10
    while request.priority == first and time.monotonic() < deadline and not request.disconnected:
        time.sleep(0.01)
    yield (_priority(request) + "\n").encode()


def inner(request: Any) -> Response:
    path = request.path
    if path.startswith("/asset"):
        delay = float(_param(request, "delay", "0"))
        if delay:
            time.sleep(delay)  # a pushed response that takes a while: its promise stays open
        return Response(
            f"asset {path} pushed={request.pushed} push-offered={'push' in request.capabilities}"
            f" extensions={sorted(request.extensions)} ua={request.headers.get('user-agent')}"
            f" accept={request.headers.get('accept')}",
            content_type="text/plain",
        )
    if path == "/page":
        time.sleep(float(_param(request, "wait", "0")))  # time for the client to send GOAWAY
        push = request.extensions.get("push")
        results = []
        for i in range(int(_param(request, "n", "1"))):
            target = f"/asset{i}.css" + (f"?delay={_param(request, 'delay')}" if _param(request, "delay") else "")
            results.append(push.push(target, headers={"accept": "text/css"}) if push is not None else None)
        return Response(
            f"page push-offered={'push' in request.capabilities} results={results}",
            content_type="text/plain",
        )
    if path == "/empty":
        # A parent without content: its response ends with its head.
        ok = request.extensions["push"].push("/asset-e.css") if "push" in request.extensions else None
        return Response(b"", status=204, headers={"x-pushed": str(ok)})
    if path == "/priority":
        return Response(_priority(request) + "\n")
    if path == "/priority/changes":
        return Response(_changed_priority(request))
    return Response(b"not found", status=404)


def app(request: Any) -> Response:
    response = inner(request)
    response.headers.set("x-outer", "pushed" if request.pushed else "client")
    return response
