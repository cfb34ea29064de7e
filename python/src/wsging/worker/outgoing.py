"""How the worker reads a response: only through the response contract (spec 7.8), that is
the public attributes `status`, `headers`, `body`, `trailers`, `file_path`, `file_offset` and
`file_length`.

An object that is not a `wsging.Response` is adopted first (`Response.of`), which validates it
as a whole when the application hands it over and names what is wrong; a Response holds values
it validated when it was made, so its attributes are taken as they are.
"""

from __future__ import annotations

import os
import stat
from typing import Any, Callable, Optional, Tuple, Union

from ..api.response import (
    KIND_AITER,
    KIND_BYTES,
    KIND_CHUNKS,
    KIND_FILE,
    KIND_ITER,
    Response,
    resolve_trailers,
)
from ..api.response import body_kind as kind_of

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

# A file the front end may send by itself: absolute path, offset, length, st_dev, st_ino.
FileReference = Tuple[bytes, int, int, int, int]

_RESPONSE = Response
_of = Response.of


def adopt(response: Any) -> Response:
    """A Response for what the application returned (`response` itself when it is one), or
    InvalidResponse naming what is wrong."""
    if isinstance(response, _RESPONSE):
        return response
    return _of(response)


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
