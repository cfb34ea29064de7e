"""`from_wsgi`: a PEP 3333 application as a sync WSGI-NG application, to run Flask, Django or
any WSGI application or middleware on a WSGI-NG server (spec 15).

The application is called in the calling thread (the server's thread for sync applications).
Its iterable is pulled until the head exists and a first non-empty chunk does, or it ends; the
rest streams as the server asks for it. A one-chunk body becomes a bytes Response, which the
server sends with its head in one piece.
"""

from __future__ import annotations

from typing import Any, Iterable, List

from ..api.request import Request
from ..api.response import Response
from .environ import environ_for
from .file_response import file_response
from .ng_body import NGBody
from .pep3333 import WSGIApplication
from .start_response import StartResponse
from .streamed_body import StreamedBody, chunk_bytes, close_iterable
from .wsgi_input import FileWrapper

__all__ = ["from_wsgi"]


def _bytes_response(data: bytes, head: StartResponse) -> Response:
    declared = head.declared
    head.sent = True
    if declared < 0 or declared == len(data):
        # The Response adds the content-length itself; the other headers go before it, as
        # they are (validated already): cheaper than having the Response look for a length.
        response = Response(data, head.status)
        if head.raw:
            response.headers._raw[:0] = head.raw
        return response
    if declared < len(data):
        data = data[:declared]  # PEP 3333: nothing past the declared length is sent
    return Response(data, head.status, head.headers())


def _respond(head: StartResponse, result: Iterable[Any]) -> Response:
    """Everything but a one-bytes list: files, in-memory sequences, streams, round trips."""
    try:
        if head.status and not head.written:
            if type(result) is list or type(result) is tuple:
                chunks: List[bytes] = [chunk_bytes(c) for c in result if c]
                return _bytes_response(chunks[0] if len(chunks) == 1 else b"".join(chunks), head)
            if type(result) is FileWrapper:
                response = file_response(head, result)
                if response is not None:
                    head.sent = True
                    return response
            elif type(result) is NGBody and result.origin is not None:
                # from_wsgi(to_wsgi(app)) with nothing between: the app's own Response.
                original, raw = result.origin
                if head.status == original.status and head.headers()._raw == raw:
                    head.sent = True
                    return original
        rest = iter(result)
        first = b""
        if not head.written:
            for chunk in rest:
                if chunk:
                    first = chunk_bytes(chunk)
                    break
        if not head.status:
            raise RuntimeError(
                "the WSGI application did not call start_response() before its first "
                "chunk or the end of its iterable (PEP 3333)"
            )
    except BaseException:
        close_iterable(result)
        raise
    head.sent = True
    if not first and not head.written:
        close_iterable(result)
        return Response(b"", head.status, head.headers())
    return Response(StreamedBody(head, first, rest, result), head.status, head.headers())


def from_wsgi(wsgi_app: WSGIApplication) -> Any:
    """A sync WSGI-NG application that calls `wsgi_app` with the environ of spec 15.2."""

    def app(request: Request) -> Response:
        head = StartResponse()
        result = wsgi_app(environ_for(request), head.start_response)
        if type(result) is list and len(result) == 1 and head.status and not head.written:
            data = result[0]
            if type(data) is bytes:
                return _bytes_response(data, head)
        return _respond(head, result)

    lifespan = getattr(wsgi_app, "lifespan", None)
    if lifespan is not None:
        app.lifespan = lifespan  # type: ignore[attr-defined]  # 11.4
    return app
