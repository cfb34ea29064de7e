"""What every benchmark app serves, whatever its interface.

The four apps (wsging_app, rsgi_app, asgi_app, wsgi_app) answer the same paths with the same
bytes, so that a row compares servers rather than apps:

    GET  /plaintext    "Hello, world!" as text/plain
    GET  /json         {"message": "Hello, world!"} serialised per request with the stdlib
    POST /echo         the request body, read whole, sent back with a Content-Length
    POST /stream-echo  the request body, sent back chunk by chunk as it arrives (no length)
    GET  /file         the file named by $BENCH_FILE (the harness writes ~50 KB there)
    WS   /ws           every message echoed back (interfaces that have WebSocket)
"""

from __future__ import annotations

import json
import os

HELLO = b"Hello, world!"
JSON_OBJECT = {"message": "Hello, world!"}
TEXT_PLAIN = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"


def json_body() -> bytes:
    """Serialised on every call: the JSON row measures an app that does this work."""
    return json.dumps(JSON_OBJECT).encode()


def file_path() -> str:
    """The static file of the /file row; the harness sets BENCH_FILE before starting a server."""
    path = os.environ.get("BENCH_FILE")
    if not path:
        raise RuntimeError("BENCH_FILE is not set: the benchmark apps serve /file from it")
    return path
