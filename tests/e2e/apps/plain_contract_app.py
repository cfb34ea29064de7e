"""An application that never imports wsging: its responses are its own objects that satisfy the
WSGI-NG response contract (spec 7.8) by their attributes alone. tests/e2e/test_response_contract.py
serves it on the real server."""

import os
import tempfile


class PlainResponse:
    """status, headers, body; trailers and the file attributes only when set."""

    def __init__(self, status, headers, body, **extra):
        self.status = status
        self.headers = headers
        self.body = body
        for name, value in extra.items():
            setattr(self, name, value)


class MultiDict:
    """A header collection that is neither a list nor a dict: it only has items()."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def items(self):
        return list(self._pairs)


_FILE = os.path.join(tempfile.mkdtemp(prefix="plain-contract-"), "data.txt")
with open(_FILE, "wb") as _out:
    _out.write(b"0123456789" * 1000)


def _lines():
    yield b"one\n"
    yield "two\n"
    yield bytearray(b"three\n")


async def _alines():
    for part in (b"async ", "lines"):
        yield part


def app(request):
    path = request.path
    if path == "/":
        return PlainResponse(200, [("content-type", "text/plain"), (b"x-plain", b"yes")],
                             b"hello from a plain object")
    if path == "/text":
        return PlainResponse(201, {"content-type": "text/plain; charset=utf-8"}, "caf\u00e9")
    if path == "/multidict":
        return PlainResponse(200, MultiDict([("x-a", "1"), ("x-a", "2")]), memoryview(b"items"))
    if path == "/stream":
        return PlainResponse(200, [], _lines())
    if path == "/astream":
        return PlainResponse(200, (), _alines())
    if path == "/trailers":
        return PlainResponse(200, [], [b"part1 ", b"part2"], trailers=lambda: [("x-checksum", "abc")])
    if path == "/file":
        return PlainResponse(200, [("content-type", "text/plain")], open(_FILE, "rb"),
                             file_path=_FILE, file_offset=10, file_length=25)
    if path == "/version":
        version = getattr(request, "spec_version", None)
        return PlainResponse(200, [], repr(version).encode())
    if path == "/bad-status":
        return PlainResponse("200", [], b"status as text")
    if path == "/no-body":
        class Headless:
            status = 200
            headers = []
        return Headless()
    if path == "/bad-header":
        return PlainResponse(200, [("x-bad", "a\r\nx-smuggled: 1")], b"never sent")
    if path == "/dict-body":
        return PlainResponse(200, [], {"ok": True})
    if path == "/stale-length":
        return PlainResponse(200, [("content-length", "3")], b"a longer body")
    return PlainResponse(404, [], b"not found")
