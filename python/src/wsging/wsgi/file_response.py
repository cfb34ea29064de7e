"""What `from_wsgi` makes of a `wsgi.file_wrapper` result: a regular file that can be opened
again by its name becomes a FileResponse of the bytes from where the file stands up to the
declared length (or its end), which the server sends by the fastest means it has; any other
file-like becomes a file body the server reads in its own chunks. Neither is iterated block by
block through the wrapper."""

from __future__ import annotations

import io
import os
import stat
from typing import Any, Optional

from ..api.response import FileResponse, Response
from ..api.file_response import open_regular
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


def _reopened(
    name: str, info: os.stat_result, head: StartResponse, offset: int, length: int
) -> Optional[Response]:
    """A FileResponse for `length` bytes from `offset` of `name`, when the name still leads to
    the very file the application opened."""
    try:
        file, again = open_regular(name)
    except OSError:
        return None
    try:
        if (again.st_dev, again.st_ino) != (info.st_dev, info.st_ino) or again.st_size < offset + length:
            file.close()
            return None
        # The application's content-type (Flask's send_file(mimetype=...)) stays: FileResponse
        # guesses one only when the head has none.
        return FileResponse._of_open_file(
            name, file, again, head.status, head.headers(), None, offset, length
        )
    except BaseException:
        file.close()
        raise


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
    if declared <= size and type(name) is str:
        # The file from where it stands, up to the declared length (PEP 3333): a slice the
        # server can send by itself, as it does any FileResponse.
        response = _reopened(name, info, head, position, size if declared < 0 else declared)
        if response is not None:
            wrapper.close()
            return response
    body = _LimitedFile(file, declared) if 0 <= declared < size else file
    headers = head.headers()
    if declared < 0:
        headers._append_valid(b"content-length", b"%d" % size)
    return Response(body, head.status, headers)
