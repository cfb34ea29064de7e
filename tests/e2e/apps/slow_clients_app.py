"""Routes for the slow-client tests: a whole response of a chosen size, sent in one go."""
from __future__ import annotations

from typing import Dict
from urllib.parse import parse_qs

from wsging import Response

_BLOBS: Dict[int, bytes] = {}


async def app(request) -> Response:
    if request.path == "/blob":
        # GET /blob?kb=N: N KiB from memory, within the worker's first window, so the front end
        # gets it whole at once whether or not the client reads.
        values = parse_qs(request.query_string.decode("ascii")).get("kb")
        kb = int(values[0]) if values else 16
        body = _BLOBS.get(kb)
        if body is None:
            body = _BLOBS[kb] = b"b" * (kb * 1024)
        return Response(body, headers=[("content-type", "application/octet-stream")])
    return Response("Hello, world!")
