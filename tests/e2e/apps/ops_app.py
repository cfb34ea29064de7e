"""The application the supervision tests serve: which worker answered, slow requests, and a
route that leaks memory on purpose (a worker memory ceiling must replace its worker)."""
from __future__ import annotations

import asyncio
import os
from typing import List
from urllib.parse import parse_qs

from wsging import Response

_leaked: List[bytearray] = []
_inflight = {"n": 0}


def _query_int(request, name: str, default: int) -> int:
    values = parse_qs(request.query_string.decode("ascii")).get(name)
    return int(values[0]) if values else default


async def app(request) -> Response:
    if request.path == "/pid":
        return Response(str(os.getpid()))
    if request.path == "/slow":
        _inflight["n"] += 1
        try:
            await asyncio.sleep(_query_int(request, "ms", 2000) / 1000)
        finally:
            _inflight["n"] -= 1
        return Response(f"slept {os.getpid()}")
    if request.path == "/inflight":
        return Response(str(_inflight["n"]))
    if request.path == "/leak":
        # Touch every page, so the memory is resident, not just reserved.
        _leaked.append(bytearray(b"\x01" * (_query_int(request, "mb", 1) << 20)))
        return Response(str(os.getpid()))
    if request.path == "/raise":
        raise RuntimeError("ops-app-failure")
    return Response("Hello, world!")
