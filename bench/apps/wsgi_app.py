"""The benchmark app written for WSGI (PEP 3333; see bench_routes.py for the routes; no WebSocket)."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, Iterator

from bench_routes import HELLO, OCTETS, TEXT_PLAIN, file_path, json_body

FILE = file_path()
CHUNK = 65536


def _stream_echo(stream: Any) -> Iterator[bytes]:
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _read_file(handle: Any) -> Iterator[bytes]:
    with handle:
        yield from iter(lambda: handle.read(CHUNK), b"")


def _read_body(environ: Dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/plaintext":
        body = HELLO
        content_type = TEXT_PLAIN
    elif path == "/json":
        body = json_body()
        content_type = "application/json"
    elif path == "/echo":
        body = _read_body(environ)
        content_type = OCTETS
    elif path == "/stream-echo":
        start_response("200 OK", [("Content-Type", OCTETS)])
        return _stream_echo(environ["wsgi.input"])
    elif path == "/file":
        length = str(os.path.getsize(FILE))
        start_response("200 OK", [("Content-Type", OCTETS), ("Content-Length", length)])
        handle = open(FILE, "rb")
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(handle, CHUNK) if wrapper else _read_file(handle)
    else:
        start_response("404 Not Found", [("Content-Type", TEXT_PLAIN)])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
