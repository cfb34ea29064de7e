"""What `from_wsgi` makes of a `wsgi.file_wrapper` result: a whole regular file that can be
opened again by its name becomes a FileResponse, which the server sends by the fastest means
it has; any other file-like becomes a file body the server reads in its own chunks. Neither is
iterated block by block through the wrapper."""

from __future__ import annotations

import io
import os
import stat
from typing import Any, Optional

from ..api.response import FileResponse, Response
from .start_response import StartResponse
from .wsgi_input import FileWrapper

__all__ = ["file_response"]


class _LimitedFile:
    """The first `size` bytes of a file, from where it stands (PEP 3333: a file is sent up to
    the Content-Length the application declared)."""

    __slots__ = ("_file", "_left")

    def __init__(self, file: Any, size: int) -> None:
        self._file = file
        self._left = size

    def read(self, size: int = -1) -> bytes:
        left = self._left
        if left <= 0:
            return b""
        data: bytes = self._file.read(left if size < 0 else min(size, left))
        self._left = left - len(data)
        return data

    def close(self) -> None:
        self._file.close()


def _reopened(name: str, info: os.stat_result, head: StartResponse) -> Optional[Response]:
    """FileResponse(name), when the name still leads to the very file the application opened."""
    try:
        response = FileResponse(name, head.status, head.headers())
    except OSError:
        return None
    body: Any = response.body
    again = os.fstat(body.fileno())
    if (again.st_dev, again.st_ino) != (info.st_dev, info.st_ino):
        body.close()
        return None
    return response


def file_response(head: StartResponse, wrapper: FileWrapper) -> Optional[Response]:
    """The response for `wrapper`, or None when its object cannot be read as a file."""
    file = wrapper.filelike
    if not callable(getattr(file, "read", None)):
        return None
    try:
        info = os.fstat(file.fileno())
        regular = stat.S_ISREG(info.st_mode)
        position = file.tell() if regular else 0
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        regular = False
    if not regular:
        return Response(file, head.status, head.headers())
    size = max(0, info.st_size - position)
    declared = head.declared
    name = getattr(file, "name", None)
    if position == 0 and declared in (-1, size) and type(name) is str:
        response = _reopened(name, info, head)
        if response is not None:
            wrapper.close()
            return response
    body = _LimitedFile(file, declared) if 0 <= declared < size else file
    headers = head.headers()
    if declared < 0:
        headers._append_valid(b"content-length", b"%d" % size)
    return Response(body, head.status, headers)
