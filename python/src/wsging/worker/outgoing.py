"""How the worker reads a response: only through the response contract (spec 7.8), that is
the public attributes `status`, `headers`, `body`, `trailers`, `file_path`, `file_offset` and
`file_length`.

An object that is not a `wsging.Response` is adopted first (`Response.of`), which validates it
as a whole when the application hands it over and names what is wrong; a Response holds values
it validated when it was made, so its attributes are taken as they are.
"""

from __future__ import annotations

import collections.abc as _abc
import os
import stat
from typing import Any, Callable, Optional, Tuple, Union

from ..api.headers import MutableHeaders, RawHeaders
from ..api.response import Response

__all__ = [
    "KIND_AITER",
    "KIND_BYTES",
    "KIND_CHUNKS",
    "KIND_FILE",
    "KIND_ITER",
    "FileReference",
    "adopt",
    "file_reference",
    "kind_of",
    "resolve_trailers",
]

# How the worker sends a body.
KIND_BYTES = 0  # one bytes object, length known
KIND_CHUNKS = 1  # a list or tuple: inert, iterated on the event loop
KIND_ITER = 2  # any other iterable: may block, iterated in a worker thread
KIND_AITER = 3  # an async iterable: iterated on the event loop
KIND_FILE = 4  # a binary file: read in chunks in a worker thread

# A file the front end may send by itself: absolute path, offset, length, st_dev, st_ino.
FileReference = Tuple[bytes, int, int, int, int]

_RESPONSE = Response
_of = Response.of
# Iterable, but never a sequence of chunks (Response refuses them; this is the last guard).
_NOT_BODIES = (str, bytes, _abc.Mapping, _abc.Set)


def adopt(response: Any) -> Response:
    """A Response for what the application returned (`response` itself when it is one), or
    InvalidResponse naming what is wrong."""
    if isinstance(response, _RESPONSE):
        return response
    return _of(response)


def kind_of(body: Any) -> int:
    """How a Response's body is sent (a Response's in-memory body is bytes already)."""
    if type(body) is bytes:
        return KIND_BYTES
    if hasattr(body, "__aiter__"):
        return KIND_AITER
    if hasattr(body, "read"):
        return KIND_FILE
    if type(body) is list or type(body) is tuple:
        return KIND_CHUNKS
    if hasattr(body, "__iter__") and not isinstance(body, _NOT_BODIES):
        return KIND_ITER
    raise TypeError(f"a response body cannot be {type(body).__name__}")


Trailers = Union[None, MutableHeaders, Callable[[], Any]]


def resolve_trailers(trailers: Trailers) -> Optional[RawHeaders]:
    """The validated trailer pairs to send, calling the callable form (after the body, 7.6)."""
    if trailers is None:
        return None
    if isinstance(trailers, MutableHeaders):
        return list(trailers.raw)
    result = trailers()
    if result is None:
        return None
    return list(MutableHeaders(result).raw)


def file_reference(response: Response, ascii_only: bool) -> Optional[FileReference]:
    """The file the front end may send by itself (A.2 FILE_RESPONSE) for a response whose body
    is read from a file it names (`file_path`), or None to send the body as DATA.
    `ascii_only`: the front end takes only ASCII paths (else UTF-8 ones)."""
    named = response.file_path
    if named is None or response.trailers is not None:
        return None
    # A str path is the one os.fsencode gives back (FileResponse gives str; hosts take both).
    path = named if type(named) is bytes else os.fsencode(named)
    if ascii_only:
        if not path.isascii():
            return None
    else:
        try:
            path.decode("utf-8")
        except UnicodeDecodeError:
            return None
    offset = response.file_offset
    length = response.file_length
    # Which file the body is (st_dev, st_ino): the front end refuses another one at that path.
    # A body that reads part of a file names the whole file as `raw` (FileResponse's slices).
    body: Any = response.body
    try:
        info = os.fstat(getattr(body, "raw", body).fileno())
    except (AttributeError, OSError, ValueError):
        try:
            info = os.stat(path)
        except OSError:
            return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if length is None:
        length = max(0, info.st_size - offset)
    return path, offset, length, info.st_dev, info.st_ino
