"""Middleware in both directions on the real server (spec 12, 15). Needs Werkzeug and Paste:
served with `--python target/venv-hosts/bin/python`.

/wsgi-mw/...  a WSGI-NG application behind `to_wsgi`, wrapped in WSGI middleware (Paste's gzip
              middleware around Werkzeug's ProxyFix), served through `from_wsgi`
/ng-mw/...    a PEP 3333 application behind `from_wsgi`, wrapped in a WSGI-NG middleware that
              adds a response field and counts the body bytes it passes on
/closed?tag=  "closed" once the body of the request with that tag was closed (waits 10 s)

Routes of both inner applications: who (client, scheme, host as they see them), cookies (two
set-cookie fields, a body in three chunks), echo (the request body back as it arrives),
stream?tag= (endless numbered chunks until closed).
"""
from __future__ import annotations

import json
import threading
from typing import Dict
from urllib.parse import parse_qs

from paste.gzipper import middleware as gzip_middleware
from werkzeug.middleware.proxy_fix import ProxyFix

from wsging import Response
from wsging.wsgi import from_wsgi, to_wsgi

CHUNK = 64 * 1024
_closes: Dict[str, threading.Event] = {}
_lock = threading.Lock()


def closed_event(tag: str) -> threading.Event:
    with _lock:
        return _closes.setdefault(tag, threading.Event())


def _tag(query: str) -> str:
    return parse_qs(query).get("tag", [""])[-1]


def _numbered(tag):
    try:
        index = 0
        while True:
            yield (b"%08d" % index) * (CHUNK // 8)
            index += 1
    finally:
        closed_event(tag).set()


# -- a WSGI-NG application inside WSGI middleware ---------------------------------------------


def ng_app(request):
    route = request.path.rsplit("/", 1)[-1]
    if route == "who":
        return Response(json.dumps({"client": request.client[0], "scheme": request.scheme,
                                    "host": request.headers.get("host")}),
                        headers={"content-type": "application/json"})
    if route == "cookies":
        return Response(iter([b"one,", b"two,", b"three"]), headers=[
            ("content-type", "text/plain"), ("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2; Path=/")])
    if route == "echo":
        return Response(iter(request.body), headers={"content-type": "application/octet-stream"})
    if route == "stream":
        tag = _tag(request.query_string.decode())
        return Response(_numbered(tag), headers={"content-type": "application/octet-stream"})
    return Response("not found", status=404)


wsgi_stack = from_wsgi(gzip_middleware(ProxyFix(to_wsgi(ng_app), x_for=1, x_proto=1, x_host=1)))


# -- a WSGI application inside WSGI-NG middleware ---------------------------------------------


class Recorded:
    def __init__(self, tag, chunks):
        self.tag = tag
        self.chunks = iter(chunks)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        closed_event(self.tag).set()


def _read_chunks(stream):
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        yield chunk


def wsgi_app(environ, start_response):
    route = environ["PATH_INFO"].rsplit("/", 1)[-1]
    tag = _tag(environ.get("QUERY_STRING", ""))
    if route == "who":
        body = json.dumps({"client": environ.get("REMOTE_ADDR"), "scheme": environ["wsgi.url_scheme"],
                           "host": environ.get("HTTP_HOST")}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    if route == "cookies":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1; Path=/"),
                                  ("Set-Cookie", "b=2; Path=/")])
        return Recorded(tag, [b"one,", b"two,", b"three"])
    if route == "echo":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Recorded(tag, _read_chunks(environ["wsgi.input"]))
    if route == "stream":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return Recorded(tag, ((b"%08d" % i) * (CHUNK // 8) for i in range(10**9)))
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


class CountingBody:
    """The inner body passed on chunk by chunk; close() reaches the inner one (7.4)."""

    def __init__(self, body):
        self.body = body
        self.chunks = iter(body)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def ng_middleware(inner):
    def layer(request):
        response = inner(request)
        response.headers.add("x-ng-middleware", "seen")
        if isinstance(response.body, (bytes, bytearray)):
            return response
        return Response(CountingBody(response.body), status=response.status, headers=response.headers)

    layer.__wrapped__ = inner
    return layer


ng_stack = ng_middleware(from_wsgi(wsgi_app))


def app(request):
    if request.path == "/closed":
        closed = closed_event(_tag(request.query_string.decode())).wait(10)
        return Response("closed" if closed else "open")
    if request.path.startswith("/wsgi-mw/"):
        return wsgi_stack(request)
    if request.path.startswith("/ng-mw/"):
        return ng_stack(request)
    return Response("not found", status=404)
