"""The rows of the benchmark: what is requested, with which tool, from which servers.

A row lists the servers that measure it. wsging is listed on every row; where it cannot serve
the row yet, `wsging_not_built` says why, and the table shows "n/a (not built yet)" instead of a
number. A row written for another interface names the app wsging serves it with
(`wsging_app`, through a shim); wsging is then started once more, with that app, for the row. Before a wrk row is measured, one request checks that the server answers it correctly,
so that a fast error page is never counted as a result.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

NATIVE = ("wsging", "granian-rsgi", "granian-asgi", "uvicorn", "hypercorn")
PLAINTEXT = ("wsging", "wsging-ceiling", "granian-rsgi", "granian-asgi", "uvicorn", "hypercorn")


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    tool: str  # "wrk", "h2load" or "ws"
    path: str
    servers: Tuple[str, ...]
    method: str = "GET"
    body_bytes: int = 0
    depth: int = 1
    wsging_not_built: Optional[str] = None
    wsging_app: Optional[str] = None  # MODULE:ATTR in bench/apps, when not wsging_app:app


ROWS: Tuple[Row, ...] = (
    Row("plaintext", "plaintext GET", "wrk", "/plaintext", PLAINTEXT),
    Row("json", "JSON GET", "wrk", "/json", NATIVE),
    Row("echo-1k", "1 KB echo POST", "wrk", "/echo", NATIVE, method="POST", body_bytes=1024),
    Row("stream-echo-100k", "100 KB streamed echo POST", "wrk", "/stream-echo", NATIVE,
        method="POST", body_bytes=100 * 1024),
    Row("file-50k", "50 KB file GET", "wrk", "/file", NATIVE),
    Row("wsgi-hello", "WSGI hello GET", "wrk", "/plaintext",
        ("wsging", "wsging-inline", "granian-wsgi", "gunicorn"),
        wsging_app="wsging_wsgi_app:app"),
    Row("h2-get", "HTTP/2 GET (h2c)", "h2load", "/plaintext", ("wsging", "granian-rsgi", "hypercorn"),
        wsging_not_built="HTTP/2 comes in a later issue"),
    Row("ws-echo", "WebSocket echo (64 B)", "ws", "/ws",
        ("wsging", "granian-rsgi", "uvicorn", "hypercorn"),
        wsging_not_built="WebSocket comes in a later issue"),
    Row("pipelined", "plaintext GET, pipelined x16", "wrk", "/plaintext", PLAINTEXT, depth=16),
)

WS_MESSAGE_BYTES = 64

QUICK_ROWS = ("plaintext", "json", "echo-1k", "pipelined")
QUICK_SERVERS = ("wsging", "wsging-ceiling", "granian-rsgi")


class WrongAnswer(RuntimeError):
    """The server's answer to a row's request is not what every app of bench/apps answers."""


def request_body(row: Row) -> bytes:
    return b"x" * row.body_bytes  # what harness/wrk.lua sends


def check_answer(row: Row, port: int, bench_file: Path, timeout_s: float = 10.0) -> None:
    """Sends the row's request once and compares the answer with the expected bytes."""
    if row.tool != "wrk" or row.depth != 1:
        return  # h2load counts statuses, the WebSocket client compares every echo
    body = request_body(row)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        headers = {"Content-Type": "application/octet-stream"} if body else {}
        connection.request(row.method, row.path, body=body or None, headers=headers)
        response = connection.getresponse()
        status, answer = response.status, response.read()
    finally:
        connection.close()
    if status != 200:
        raise WrongAnswer(f"{row.method} {row.path} answered {status}: {answer[:200]!r}")
    if row.path == "/json":
        if json.loads(answer) != {"message": "Hello, world!"}:
            raise WrongAnswer(f"/json answered {answer[:200]!r}")
        return
    expected = {"/plaintext": b"Hello, world!", "/echo": body, "/stream-echo": body,
                "/file": bench_file.read_bytes()}[row.path]
    if answer != expected:
        raise WrongAnswer(f"{row.method} {row.path} answered {len(answer)} bytes that differ "
                          f"from the {len(expected)} expected (starting {answer[:60]!r})")
