"""A plain PEP 3333 application, served by wsging through `from_wsgi` (spec 15).

Routes: /  hello; /stream  a generator whose second chunk waits until /release is requested;
/echo  the request body streamed back as it is read; /environ  some environ keys as JSON;
/raise  an application error; /file  this module's source through wsgi.file_wrapper, and
/file-part  20 bytes of it from offset 10 (a Content-Length shorter than the file).
"""
from __future__ import annotations

import json
import threading

from wsging.wsgi import from_wsgi

FAILURE_MARKER = "wsgi-shim-failure-marker"
_release = threading.Event()


def _stream():
    yield b"first\n"
    released = _release.wait(30)
    yield b"second\n" if released else b"timed out\n"


def _echo(stream):
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return
        yield chunk


def wsgi_app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
        return [b"Hello, world!"]
    if path == "/stream":
        _release.clear()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _stream()
    if path == "/release":
        _release.set()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"released"]
    if path == "/echo":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return _echo(environ["wsgi.input"])
    if path == "/environ":
        keys = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL", "REMOTE_ADDR",
                "CONTENT_LENGTH", "HTTP_HOST", "HTTP_X_FORWARDED_FOR", "HTTP_COOKIE", "wsgi.url_scheme")
        body = json.dumps({key: environ.get(key) for key in keys}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    if path == "/raise":
        raise RuntimeError(FAILURE_MARKER)
    if path in ("/file", "/file-part"):
        handle = open(__file__, "rb")
        headers = [("Content-Type", "text/x-python")]
        if path == "/file-part":
            handle.seek(10)
            headers.append(("Content-Length", "20"))
        start_response("200 OK", headers)
        return environ["wsgi.file_wrapper"](handle, 4096)
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such route\n"]


app = from_wsgi(wsgi_app)
