"""The rows of the benchmark: what is requested, with which tool, from which servers.

A row lists the servers that measure it. wsging is listed on every row; where it cannot serve
the row yet, the table shows "n/a (not built yet: why)" instead of a number: `wsging_not_built`
says so for a feature with no code yet, and `wsging_needs` names a feature the harness looks for
in the server it runs (TLS: `--certfile` in `wsging serve --help`; HTTP/2: the server answers
the connection preface, or picks h2 in ALPN), so the row is measured as soon as it is built.
A peer that lacks the row's protocol is listed in `not_offered` with the reason, shown in its
line. A row written for another interface names the app wsging serves it with (`wsging_app`,
through a shim); wsging is then started once more, with that app, for the row; a `tls` row is
served by a start of its own with the run's certificate. Before a row is measured, one request
checks that the server answers it correctly, so that a fast error page is never counted as a
result.
"""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from harness.h2client import Http2Failure, h2_get

NATIVE = ("wsging", "granian-rsgi", "granian-asgi", "uvicorn", "hypercorn")
PLAINTEXT = ("wsging", "wsging-ceiling", "granian-rsgi", "granian-asgi", "uvicorn", "hypercorn")
HTTPS = ("wsging", "granian-rsgi", "uvicorn")
FASTAPI = ("wsging", "granian-asgi", "uvicorn")

# Features of wsging that `wsging_needs` names (harness/features.py looks for them).
H2C = "h2c"  # HTTP/2 over cleartext with prior knowledge
TLS = "tls"  # --certfile / --keyfile
TLS_H2 = "tls-h2"  # h2 offered in TLS ALPN


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
    wsging_needs: Tuple[str, ...] = ()  # features of wsging the row needs: H2C, TLS, TLS_H2
    wsging_app: Optional[str] = None  # MODULE:ATTR in bench/apps, when not wsging_app:app
    asgi_app: Optional[str] = None  # MODULE:ATTR the ASGI servers serve, when not asgi_app:app
    tls: bool = False  # served over TLS with the run's certificate
    not_offered: Tuple[Tuple[str, str], ...] = ()  # (server, why it cannot serve the row)

    def not_offered_by(self, server: str) -> Optional[str]:
        return dict(self.not_offered).get(server)

    @property
    def h2_protocol(self) -> str:
        """What h2load must report as its application protocol on this row."""
        return "h2" if self.tls else "h2c"


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
        wsging_needs=(H2C,)),
    Row("ws-echo", "WebSocket echo (64 B)", "ws", "/ws",
        ("wsging", "granian-rsgi", "uvicorn", "hypercorn")),
    Row("pipelined", "plaintext GET, pipelined x16", "wrk", "/plaintext", PLAINTEXT, depth=16),
    Row("https-plaintext", "HTTPS plaintext GET (HTTP/1.1)", "wrk", "/plaintext", HTTPS, tls=True,
        wsging_needs=(TLS,)),
    # A framework's cost on each server: the same FastAPI app, on wsging through from_asgi.
    Row("fastapi-plaintext", "FastAPI plaintext GET", "wrk", "/plaintext", FASTAPI,
        wsging_app="wsging_fastapi_app:app", asgi_app="fastapi_app:app"),
    Row("fastapi-json", "FastAPI JSON GET", "wrk", "/json", FASTAPI,
        wsging_app="wsging_fastapi_app:app", asgi_app="fastapi_app:app"),
    Row("https-h2-get", "HTTPS HTTP/2 GET (ALPN h2)", "h2load", "/plaintext", HTTPS, tls=True,
        wsging_needs=(TLS, TLS_H2), not_offered=(("uvicorn", "uvicorn has no HTTP/2"),)),
)

WS_MESSAGE_BYTES = 64

QUICK_ROWS = ("plaintext", "json", "echo-1k", "pipelined")
QUICK_SERVERS = ("wsging", "wsging-ceiling", "granian-rsgi")


class WrongAnswer(RuntimeError):
    """The server's answer to a row's request is not what every app of bench/apps answers."""


def request_body(row: Row) -> bytes:
    return b"x" * row.body_bytes  # what harness/wrk.lua sends


def check_answer(row: Row, port: int, bench_file: Path, context: Optional[ssl.SSLContext] = None,
                 timeout_s: float = 10.0) -> None:
    """Sends the row's request once and compares the answer with the expected bytes; `context`
    is the TLS client context of a `tls` row. On an HTTP/2 row a server that does not speak
    HTTP/2 raises h2client.NotHttp2."""
    if row.tool == "h2load":
        try:
            status, answer = h2_get(port, row.path, context, timeout_s)
        except Http2Failure as exc:
            raise WrongAnswer(f"HTTP/2 GET {row.path}: {exc}") from exc
    elif row.tool == "wrk" and row.depth == 1:
        status, answer = _http1_exchange(row, port, context, timeout_s)
    else:
        return  # the WebSocket client compares every echo; pipelining is checked unpipelined
    _compare(row, status, answer, bench_file)


def _http1_exchange(row: Row, port: int, context: Optional[ssl.SSLContext],
                    timeout_s: float) -> Tuple[int, bytes]:
    body = request_body(row)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s) \
        if context is None else \
        http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout_s, context=context)
    try:
        headers = {"Content-Type": "application/octet-stream"} if body else {}
        connection.request(row.method, row.path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _compare(row: Row, status: int, answer: bytes, bench_file: Path) -> None:
    body = request_body(row)
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
