"""Endpoints that answer in each of the ways a response may be made (spec 7): statuses,
repeated fields, every body kind, bodies that must not be sent, files and ranges, trailers,
103 Early Hints and application errors."""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
from typing import Any, AsyncIterator, Iterator, List, Tuple

from ..api.files import file_response
from ..api.response import FileResponse, Response
from . import records
from .replies import json_reply, param

__all__ = ["FILE_BYTES", "ROUTES", "SECRET"]

# What the failing endpoints raise: a 500 body that contains it leaked exception text.
SECRET = "wsging-conformance-secret-d41d8"
# The served file: 10,000 bytes whose slices are easy to compute on the client side.
FILE_BYTES = bytes(i % 251 for i in range(10_000))
CHUNKS = [b"chunk-%d;" % i for i in range(5)]


def _served_file() -> str:
    """The file behind /file, written once per process into the temporary directory."""
    path = os.path.join(tempfile.gettempdir(), f"wsging-conformance-{os.getpid()}.bin")
    if not os.path.exists(path) or os.path.getsize(path) != len(FILE_BYTES):
        with open(path + ".part", "wb") as out:
            out.write(FILE_BYTES)
        os.replace(path + ".part", path)
    return path


def status(request: Any) -> Response:
    return Response(b"status", int(param(request, "code", "200")))


def repeated_headers(request: Any) -> Response:
    return Response(
        b"headers",
        headers=[("set-cookie", "a=1; Path=/"), ("x-conf-multi", "first"),
                 ("set-cookie", "b=2; Path=/"), ("x-conf-multi", "second")],
    )


def body_bytes(request: Any) -> Response:
    return Response(b"".join(CHUNKS), headers=[("content-type", "application/octet-stream")])


def body_str(request: Any) -> Response:
    return Response("caf\u00e9 \u2713")


def body_generator(request: Any) -> Response:
    def chunks() -> Iterator[bytes]:
        yield from CHUNKS

    return Response(chunks(), content_type="application/octet-stream")


def body_async_generator(request: Any) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for chunk in CHUNKS:
            await asyncio.sleep(0)
            yield chunk

    return Response(chunks(), content_type="application/octet-stream")


def body_file_object(request: Any) -> Response:
    return Response(io.BytesIO(b"".join(CHUNKS)), content_type="application/octet-stream")


def late_first_chunk(request: Any) -> Response:
    """The head must leave before the first chunk, which takes a second (MUST-RESP-4)."""

    def chunks() -> Iterator[bytes]:
        time.sleep(1.0)
        yield b"late"

    return Response(chunks(), content_type="text/plain")


def no_body(request: Any) -> Response:
    """A 204 or 304 with a body the host must not send: it closes it without iterating."""
    code = int(param(request, "code", "204"))

    def never_sent() -> Iterator[bytes]:
        yield b"this body must not be sent"

    return Response(never_sent(), code, content_type="text/plain")


def whole_file(request: Any) -> Response:
    return FileResponse(_served_file(), content_type="application/octet-stream")


def ranged_file(request: Any) -> Response:
    return file_response(request, _served_file(), content_type="application/octet-stream")


def trailers(request: Any) -> Response:
    """A streamed body with a trailers callable, which records that it ran (7.6: called also
    where trailers are dropped)."""
    token = param(request, "token")
    capability = request.capabilities.response_trailers

    def final() -> List[Tuple[str, str]]:
        records.record(token, trailers_called=True)
        return [("x-conf-trailer", "done")]

    return Response(
        iter(CHUNKS), headers=[("trailer", "x-conf-trailer"),
                               ("x-conf-capability", str(capability).lower())],
        content_type="application/octet-stream", trailers=final,
    )


def early_hints(request: Any) -> Response:
    sent = request.send_informational(103, [("link", "</conf.css>; rel=preload; as=style")])
    return json_reply({"sent": sent, "capability": request.capabilities.early_hints})


def fail_before_head(request: Any) -> Response:
    raise RuntimeError(SECRET)


def fail_after_head(request: Any) -> Response:
    def chunks() -> Iterator[bytes]:
        yield b"first;"
        raise RuntimeError(SECRET)

    return Response(chunks(), content_type="text/plain")


def not_a_response(request: Any) -> Any:
    return {"this": "is not a response"}


ROUTES = {
    "/status": status,
    "/headers": repeated_headers,
    "/bytes": body_bytes,
    "/str": body_str,
    "/generator": body_generator,
    "/async-generator": body_async_generator,
    "/file-object": body_file_object,
    "/late-chunk": late_first_chunk,
    "/no-body": no_body,
    "/file": whole_file,
    "/file-range": ranged_file,
    "/trailers": trailers,
    "/early-hints": early_hints,
    "/error/before-head": fail_before_head,
    "/error/after-head": fail_after_head,
    "/error/not-a-response": not_a_response,
}
