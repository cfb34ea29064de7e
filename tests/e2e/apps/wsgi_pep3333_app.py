"""A PEP 3333 application checked by wsgiref's validator on every request, served by wsging
through `from_wsgi` (spec 15.2, 15.3). A validator complaint is an error here (a 500), and an
iterable collected without close() shows in the server log ("garbage collected without being
closed").

Routes (the query's `tag` names a body whose close() is recorded; /closed?tag=T waits up to
10 s for it and answers "closed" or "open"):
/environ              SCRIPT_NAME, PATH_INFO, CONTENT_LENGTH and the input flags as JSON
/upload               the request body read with read(size): its size, SHA-256, CONTENT_LENGTH
/echo                 the request body streamed back while it is read
/write                three pieces given to write(), then the iterable's, and write() between
                      the iterable's chunks
/stream?tag=&n=       n (default: endless) chunks of 64 KiB, each numbered
/fail-after-head?tag= one chunk, then an error
/fail-first?tag=      an iterable whose first pull fails
/wrapped?path=        the file at `path` through wsgi.file_wrapper (iterated: the validator
                      wraps the result, which hides the file)
/sendfile?path=       the same file through wsgi.file_wrapper, without the validator, so the
                      server can send it by itself
anything else         404 with SCRIPT_NAME and PATH_INFO as JSON
"""
from __future__ import annotations

import hashlib
import json
import threading
import warnings
from typing import Dict
from urllib.parse import parse_qs
from wsgiref.validate import WSGIWarning, validator

from wsging.wsgi import from_wsgi

warnings.simplefilter("error", WSGIWarning)

CHUNK = 64 * 1024
_closes: Dict[str, threading.Event] = {}
_lock = threading.Lock()


def _closed_event(tag: str) -> threading.Event:
    with _lock:
        return _closes.setdefault(tag, threading.Event())


class RecordedBody:
    """An iterable whose close() is recorded under its tag."""

    def __init__(self, tag, chunks):
        self.tag = tag
        self.chunks = iter(chunks)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        _closed_event(self.tag).set()


def _numbered(count):
    index = 0
    while count is None or index < count:
        yield (b"%08d" % index) * (CHUNK // 8)
        index += 1


def _failing_after_one():
    yield b"first"
    raise RuntimeError("pep3333-after-head-marker")


def _failing_at_once():
    raise RuntimeError("pep3333-first-chunk-marker")
    yield b"never"  # pragma: no cover - makes this a generator


def _echo(stream):
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _query(environ):
    return {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _json(start_response, value):
    body = json.dumps(value).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def pep3333_app(environ, start_response):
    path = environ["PATH_INFO"]
    query = _query(environ)
    tag = query.get("tag", "")
    if path == "/environ":
        keys = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH", "SERVER_PROTOCOL",
                "wsgi.input_terminated", "wsgi.multithread", "wsgi.run_once")
        return _json(start_response, {key: environ.get(key) for key in keys})
    if path == "/upload":
        digest = hashlib.sha256()
        size = 0
        stream = environ["wsgi.input"]
        while True:
            chunk = stream.read(CHUNK)  # the validator allows read(size) only
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
        return _json(start_response, {"size": size, "sha256": digest.hexdigest(),
                                      "content_length": environ.get("CONTENT_LENGTH")})
    if path == "/echo":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return _echo(environ["wsgi.input"])
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        for piece in (b"w1,", b"w2,", b"w3,"):
            write(piece)

        def rest():
            yield b"i1,"
            write(b"w4,")
            yield b"i2"

        return RecordedBody(tag, rest())
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        count = int(query["n"]) if "n" in query else None
        return RecordedBody(tag, _numbered(count))
    if path == "/fail-after-head":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return RecordedBody(tag, _failing_after_one())
    if path == "/fail-first":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return RecordedBody(tag, _failing_at_once())
    if path == "/wrapped":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](open(query["path"], "rb"), CHUNK)
    where = json.dumps({"SCRIPT_NAME": environ["SCRIPT_NAME"], "PATH_INFO": path}).encode()
    start_response("404 Not Found", [("Content-Type", "application/json")])
    return [where]


checked = validator(pep3333_app)


def wsgi_app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/closed":
        closed = _closed_event(_query(environ)["tag"]).wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"closed" if closed else b"open"]
    if path == "/sendfile":
        handle = open(_query(environ)["path"], "rb")
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](handle, CHUNK)
    return checked(environ, start_response)


app = from_wsgi(wsgi_app)
