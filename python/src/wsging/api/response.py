"""The response an application returns. Everything is validated here, at construction, so a
bad header is reported by the line that made it (W12)."""

from __future__ import annotations

import os
import collections.abc as _abc
from operator import attrgetter as _attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    Union,
)

from .errors import InvalidHeader, InvalidStatus
from .headers import (
    Headers,
    HeadersInput,
    MutableHeaders,
    RawHeaders,
    content_length_value,
    header_value,
)

__all__ = ["Response", "FileResponse", "InvalidResponse", "ResponseBody", "TrailersInput"]

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


def body_kind(body: Any) -> int:
    """How a response body is sent, for every host of a Response (the worker, the WSGI shim):
    a Response's in-memory body is bytes already; TypeError for what is no body."""
    if type(body) is bytes:
        return KIND_BYTES
    if hasattr(body, "__aiter__"):
        return KIND_AITER
    if hasattr(body, "read"):
        return KIND_FILE
    if isinstance(body, (list, tuple)):
        return KIND_CHUNKS
    if hasattr(body, "__iter__") and not isinstance(body, _NOT_BODIES):
        return KIND_ITER
    raise TypeError(
        "response body must be bytes, str, an iterable, an async iterable or a binary "
        f"file, not {type(body).__name__}"
        + (" (iterating it would send its keys; serialise it first)" if isinstance(body, _NOT_BODIES) else "")
    )


# Iterable, but never meant as a sequence of chunks: Response({"ok": True}) would send "ok".
_NOT_BODIES = (_abc.Mapping, _abc.Set)


def _framing_fields(raw: RawHeaders) -> Tuple[int, bool, bool]:
    """Where the one content-length field is (-1: none), whether a content-type and a trailer
    field are present. InvalidHeader for a content-length that is not one non-negative integer
    or that appears twice (RFC 9110 section 8.6)."""
    length_at = -1
    typed = announced = False
    for i, (name, value) in enumerate(raw):
        size = len(name)
        if size == 14 and name.lower() == b"content-length":
            if length_at >= 0:
                raise InvalidHeader("more than one content-length field")
            content_length_value(value)
            length_at = i
        elif size == 12 and name.lower() == b"content-type":
            typed = True
        elif size == 7 and name.lower() == b"trailer":
            announced = True
    return length_at, typed, announced


def resolve_trailers(
    trailers: Union[MutableHeaders, Callable[[], Any], None],
) -> Optional[RawHeaders]:
    """A response's trailers as validated pairs to send, calling the callable form after the
    last body chunk (7.6); hosts call it even when the trailers cannot be sent."""
    if trailers is None:
        return None
    if isinstance(trailers, MutableHeaders):
        return list(trailers.raw)
    result = trailers()
    if result is None:
        return None
    return list(MutableHeaders(result).raw)


def trailer_announcement(trailers: Iterable[Tuple[bytes, bytes]]) -> Optional[bytes]:
    """The Trailer field value announcing these trailer fields (RFC 9110 section 6.6.2), or
    None when there are none."""
    names: List[bytes] = []
    seen = set()
    for name, _ in trailers:
        key = name.lower()
        if key not in seen:
            seen.add(key)
            names.append(name)
    return b", ".join(names) if names else None


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

    __slots__ = ("_status", "_headers", "_body", "_trailers")

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
            kind = body_kind(body)
            # One rule for text (7.1): a body that may yield str is labelled as UTF-8 text
            # unless a content type is given; bytes-like bodies and files are not.
            text = kind != KIND_FILE
        self._body = body if kind != KIND_BYTES else data
        if trailers is not None and not callable(trailers):
            trailers = MutableHeaders(trailers)
        self._trailers: Union[MutableHeaders, Callable[[], HeadersInput], None] = trailers
        # A known length lets HTTP/1.1 skip chunked coding; with trailers it must stay chunked.
        length = kind == KIND_BYTES and trailers is None and status != 204 and status != 304

        if hdrs is None:
            # Only what is added here: the pairs are built directly, with no lookups, and the
            # commonest lists (text or bytes with their length) as one literal each.
            raw: RawHeaders
            if content_type is None and length:
                size = len(data)
                raw = [_TEXT_PLAIN, (b"content-length", b"%d" % size)] if text else [(b"content-length", b"%d" % size)]
            else:
                size = 0
                raw = []
                if content_type is not None:
                    value = _CONTENT_TYPES.get(content_type) or _content_type_value(content_type)
                    raw.append((b"content-type", value))
                elif text:
                    raw.append(_TEXT_PLAIN)
                if length:
                    size = len(data)
                    raw.append((b"content-length", b"%d" % size))
                if trailers is not None and not callable(trailers):
                    _announce(raw, trailers.raw)
            self._headers = hdrs = _new_object(MutableHeaders)
            hdrs._raw = raw
            hdrs._index = None
            hdrs._bound = size or None
            return
        self._headers = hdrs
        if content_type is not None:
            if not hdrs._raw:
                hdrs._raw.append((b"content-type", _content_type_value(content_type)))
            else:
                hdrs.set("content-type", content_type)
        raw = hdrs._raw  # set() makes a new list
        length_at, typed, announced = _framing_fields(raw)
        if text and not typed:
            raw.append(_TEXT_PLAIN)
        if length:
            declared = b"%d" % len(data)
            if length_at < 0:
                raw.append((b"content-length", declared))
            elif data and raw[length_at][1] != declared:
                # The body's own length wins over a stale one, such as the length of the body
                # a middleware replaced while keeping the headers (12.4). An empty body keeps
                # the one given: a response to HEAD, or a 304, describes what it does not carry.
                raw[length_at] = (raw[length_at][0], declared)
        if trailers is not None and not announced and not callable(trailers):
            _announce(raw, trailers.raw)
        hdrs._index = None
        hdrs._bound = len(data) if length and data else None

    if TYPE_CHECKING:

        @property
        def status(self) -> int: ...

        @property
        def headers(self) -> MutableHeaders: ...

        @property
        def body(self) -> ResponseBody: ...

        @property
        def trailers(self) -> Union[MutableHeaders, Callable[[], HeadersInput], None]: ...

    else:
        # Read-only, and read by the worker on every request: a getter in C costs about half
        # of a Python one.
        status = property(_attrgetter("_status"), doc="The status code.")
        headers = property(_attrgetter("_headers"), doc="The headers (a MutableHeaders).")
        body = property(
            _attrgetter("_body"),
            doc="The body as it is sent: bytes for a bytes-like or str body (a str encoded "
            "as UTF-8), else the iterable, async iterable or file given.",
        )
        trailers = property(
            _attrgetter("_trailers"),
            doc="None, the trailers (a MutableHeaders) or the callable that returns them.",
        )

    # The response contract's optional file attributes (spec 7.8.1): none for a Response.
    @property
    def file_path(self) -> Union[str, bytes, None]:
        """The absolute path of a file the body is read from, which a host may send by itself;
        None: the body is sent as it is read."""
        return None

    @property
    def file_offset(self) -> int:
        return 0

    @property
    def file_length(self) -> Optional[int]:
        return None

    @classmethod
    def of(cls, response: Any) -> "Response":
        """`response` itself when it is a Response, else a Response sending what any object
        satisfying the response contract (spec 7.8.1) describes: its status, headers, body,
        trailers and file attributes, validated now. InvalidResponse names what is wrong.

        Nothing is added but framing: a Content-Length for an in-memory body (its own length,
        as for any Response) and a Trailer field announcing fixed trailers."""
        if isinstance(response, Response):
            return response
        return _adopt(response)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._status}>"


class InvalidResponse(TypeError):
    """An object offered as a response does not satisfy the response contract (spec 7.8.1)."""


class _Adopted(Response):
    """A Response made by Response.of from another object, keeping its file attributes."""

    __slots__ = ("_file_path", "_file_offset", "_file_length")
    _file_path: Optional[bytes]
    _file_offset: int
    _file_length: Optional[int]

    @property
    def file_path(self) -> Optional[bytes]:
        return self._file_path

    @property
    def file_offset(self) -> int:
        return self._file_offset

    @property
    def file_length(self) -> Optional[int]:
        return self._file_length


def _adopt(response: Any) -> Response:
    if response is None:
        raise InvalidResponse("None instead of a response")
    missing = [name for name in ("status", "headers", "body") if not hasattr(response, name)]
    if missing:
        raise InvalidResponse(
            f"{type(response).__name__} is not a response: it has no {', '.join(missing)} "
            "attribute"
        )
    status = response.status
    if type(status) is not int or not 200 <= status <= 599:
        raise InvalidResponse(f"response status must be an int in 200..599, not {status!r}")
    raw = _fields(response.headers, "headers")
    trailers = getattr(response, "trailers", None)
    if trailers is not None and not callable(trailers):
        trailers = _new_object(MutableHeaders)
        trailers._raw = _fields(response.trailers, "trailers")
        trailers._index = None
        trailers._bound = None
    body = response.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif isinstance(body, (bytearray, memoryview)) or (
        isinstance(body, bytes) and type(body) is not bytes
    ):
        body = bytes(body)
    if type(body) is bytes:
        kind = KIND_BYTES
        data = body
    else:
        try:
            kind = body_kind(body)
        except TypeError as exc:
            raise InvalidResponse(str(exc)) from None
        data = b""
    try:
        length_at, _, announced = _framing_fields(raw)
    except InvalidHeader as exc:
        raise InvalidResponse(f"response headers: {exc}") from None
    if kind == KIND_BYTES and trailers is None and status != 204 and status != 304:
        size = b"%d" % len(data)
        if length_at < 0:
            raw.append((b"content-length", size))
        elif data and raw[length_at][1] != size:
            raw[length_at] = (raw[length_at][0], size)  # as in Response: the body's length wins
    if isinstance(trailers, MutableHeaders) and not announced:
        _announce(raw, trailers._raw)
    path = getattr(response, "file_path", None)
    if path is not None:
        if isinstance(path, str):
            path = os.fsencode(path)
        if type(path) is not bytes or not os.path.isabs(path):
            raise InvalidResponse(f"response file_path must be an absolute path, not {path!r}")
    offset = getattr(response, "file_offset", 0)
    length = getattr(response, "file_length", None)
    if type(offset) is not int or offset < 0:
        raise InvalidResponse(f"response file_offset must be an int >= 0, not {offset!r}")
    if length is not None and (type(length) is not int or length < 0):
        raise InvalidResponse(f"response file_length must be None or an int >= 0, not {length!r}")
    adopted = _new_object(_Adopted)
    adopted._status = status
    headers = adopted._headers = _new_object(MutableHeaders)
    headers._raw = raw
    headers._index = None
    framed = kind == KIND_BYTES and trailers is None and status != 204 and status != 304
    headers._bound = len(data) if framed and data else None
    adopted._body = body
    adopted._trailers = trailers
    adopted._file_path = path
    adopted._file_offset = offset
    adopted._file_length = length
    return adopted


def _fields(headers: Any, what: str) -> RawHeaders:
    """Validated raw pairs from pairs, a mapping or an object with items()."""
    if headers is None:
        return []
    if isinstance(headers, (str, bytes, bytearray)):
        raise InvalidResponse(
            f"response {what} must be (name, value) pairs or a mapping, not {type(headers).__name__}"
        )
    try:
        return MutableHeaders(headers)._raw
    except InvalidHeader as exc:
        raise InvalidResponse(f"response {what}: {exc}") from None
    except TypeError as exc:
        raise InvalidResponse(
            f"response {what} must be (name, value) pairs or a mapping, not "
            f"{type(headers).__name__} ({exc})"
        ) from None


def _announce(raw: RawHeaders, trailers: Iterable[Tuple[bytes, bytes]]) -> None:
    value = trailer_announcement(trailers)
    if value is not None:
        raw.append((b"trailer", value))


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
