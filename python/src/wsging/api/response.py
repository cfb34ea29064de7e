"""The response an application returns. Everything is validated here, at construction, so a
bad header is reported by the line that made it (W12)."""

from __future__ import annotations

from typing import Any, AsyncIterable, Callable, Dict, Iterable, Iterator, Optional, Union

from .errors import InvalidStatus
from .headers import Headers, HeadersInput, MutableHeaders, RawHeaders, header_value

__all__ = ["Response", "FileResponse", "ResponseBody", "TrailersInput"]

ResponseBody = Union[
    bytes,
    bytearray,
    memoryview,
    str,
    Iterable[Union[bytes, str]],
    AsyncIterable[Union[bytes, str]],
    Any,  # a binary file object: anything with .read()
]
TrailersInput = Union[HeadersInput, Callable[[], HeadersInput]]

# How the worker sends a body (read by wsging.worker; not public).
KIND_BYTES = 0  # one bytes object, length known
KIND_CHUNKS = 1  # a list or tuple: inert, iterated on the event loop
KIND_ITER = 2  # any other iterable: may block, iterated in a worker thread
KIND_AITER = 3  # an async iterable: iterated on the event loop
KIND_FILE = 4  # a binary file: read in chunks in a worker thread

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_new_object = object.__new__
# RFC 9110 section 8.6: no Content-Length is added to 204 responses; a 304's would describe
# the selected representation, which only the application knows.


def _check_status(status: int) -> None:
    if type(status) is not int or not 200 <= status <= 599:
        raise InvalidStatus(f"status must be an int in 200..599, got {status!r}")


def _body_kind(body: Any) -> int:
    """How a body that is neither bytes-like nor str is sent (or TypeError)."""
    if hasattr(body, "__aiter__"):
        return KIND_AITER
    if hasattr(body, "read"):
        return KIND_FILE
    if isinstance(body, (list, tuple)):
        return KIND_CHUNKS
    if hasattr(body, "__iter__"):
        return KIND_ITER
    raise TypeError(
        "response body must be bytes, str, an iterable, an async iterable or a binary "
        f"file, not {type(body).__name__}"
    )


# Validated content-type values: applications pass the same few strings on every response.
_CONTENT_TYPES: Dict[str, bytes] = {}
_CONTENT_TYPES_MAX = 256


def _content_type_value(content_type: str) -> bytes:
    value = _CONTENT_TYPES.get(content_type)
    if value is None:
        value = header_value(content_type, "content-type")
        if type(content_type) is str and len(_CONTENT_TYPES) < _CONTENT_TYPES_MAX:
            _CONTENT_TYPES[content_type] = value
    return value


class Response:
    """A final response: status, headers, body, optional trailers."""

    __slots__ = ("_status", "_headers", "_body", "_trailers", "_kind", "_data")

    def __init__(
        self,
        body: ResponseBody = b"",
        status: int = 200,
        headers: Optional[HeadersInput] = None,
        *,
        content_type: Optional[str] = None,
        trailers: Optional[TrailersInput] = None,
    ) -> None:
        # Every request builds one of these: the common cases (bytes or str body, no headers
        # or a few) take the first branch of each test.
        if type(status) is not int or not 200 <= status <= 599:
            _check_status(status)
        self._status = status
        hdrs: Optional[MutableHeaders] = None
        if headers is not None:
            hdrs = headers if type(headers) is MutableHeaders else MutableHeaders(headers)
        self._body = body
        text = False
        data: bytes
        if type(body) is bytes:
            data = body
            kind = KIND_BYTES
        elif type(body) is str:
            data = body.encode("utf-8")
            kind = KIND_BYTES
            text = True
        elif isinstance(body, str):
            data = body.encode("utf-8")
            kind = KIND_BYTES
            text = True
        elif isinstance(body, (bytes, bytearray, memoryview)):
            data = bytes(body)
            kind = KIND_BYTES
        else:
            data = b""
            kind = _body_kind(body)
        self._data = data
        self._kind = kind
        if trailers is not None and not callable(trailers):
            trailers = MutableHeaders(trailers)
        self._trailers: Union[MutableHeaders, Callable[[], HeadersInput], None] = trailers
        # A known length lets HTTP/1.1 skip chunked coding; with trailers it must stay chunked.
        length = kind == KIND_BYTES and trailers is None and status != 204 and status != 304

        if hdrs is None:
            # Only what is added here: the pairs are built directly, with no lookups.
            raw: RawHeaders = []
            if content_type is not None:
                value = _CONTENT_TYPES.get(content_type) or _content_type_value(content_type)
                raw.append((b"content-type", value))
            elif text:
                raw.append(_TEXT_PLAIN)
            if length:
                raw.append((b"content-length", b"%d" % len(data)))
            self._headers = hdrs = _new_object(MutableHeaders)
            hdrs._raw = raw
            hdrs._index = None
            return
        self._headers = hdrs
        raw = hdrs._raw
        if content_type is not None:
            if not raw:
                raw.append((b"content-type", _content_type_value(content_type)))
            else:
                hdrs.set("content-type", content_type)
        elif text and (not raw or "content-type" not in hdrs):
            raw.append(_TEXT_PLAIN)
        if length and (not hdrs._raw or "content-length" not in hdrs):
            hdrs._raw.append((b"content-length", b"%d" % len(data)))  # set() made a new list
        hdrs._index = None

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> MutableHeaders:
        return self._headers

    @property
    def body(self) -> ResponseBody:
        return self._body

    @property
    def trailers(self) -> Union[MutableHeaders, Callable[[], HeadersInput], None]:
        return self._trailers

    def _resolve_trailers(self) -> Optional[RawHeaders]:
        """The trailers as validated raw pairs, calling the callable form (after the body).
        Worker hosts call it even when the trailers cannot be sent (spec 7.6)."""
        trailers = self._trailers
        if trailers is None:
            return None
        if isinstance(trailers, Headers):
            return list(trailers.raw)
        return list(MutableHeaders(trailers()).raw)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._status}>"


# -- body pieces, for whoever pulls a body (the worker, the WSGI shim) --------------------------


def as_bytes(chunk: object) -> bytes:
    """A body chunk as bytes (str is UTF-8); anything else is the application's error."""
    if type(chunk) is bytes:
        return chunk
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"response body chunks must be bytes or str, not {type(chunk).__name__}")


def file_chunks(file: Any, size: int) -> Iterator[Any]:
    """A file's content in chunks; any empty read (b"" or, from a text file, "") ends it."""
    read = file.read
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


# FileResponse lives in its own module (it subclasses Response, so it is imported last).
from .file_response import FileReference as FileReference, FileResponse  # noqa: E402
