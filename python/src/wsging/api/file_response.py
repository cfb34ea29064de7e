"""FileResponse: a file, or one byte range of it, as a response body (spec 7.1).

The file is opened when the response is made, so a missing file raises in the application's own
code. The response also names the file (`file_path`, `file_offset`, `file_length`) and records
which file it was (device and inode), so a host may send the slice by itself with zero copy
(Appendix A, FILE_RESPONSE) instead of reading it through the body.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from typing import Any, BinaryIO, Optional, Tuple, Union

from .errors import InvalidHeader
from .headers import HeadersInput
# .response imports this module at its end, once Response exists: import .response (not this
# module) first, as wsging.api does.
from .response import Response, _check_status, _content_type_value

__all__ = ["FileResponse", "FileReference", "PathInput"]

PathInput = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

# What the worker sends in FILE_RESPONSE (read by wsging.worker): the absolute path as bytes,
# offset, length, st_dev, st_ino.
FileReference = Tuple[bytes, int, int, int, int]


def _absolute(path: PathInput) -> Optional[bytes]:
    """The path open() used, made absolute without normalising it: dropping a '..' that follows
    a symbolic link (as os.path.abspath does) could name another file. None when the working
    directory is gone (the file was opened relative to a directory that has no path now)."""
    raw = os.fsencode(path)
    if os.path.isabs(raw):
        return raw
    try:
        return os.path.join(os.getcwdb(), raw)
    except OSError:
        return None


def open_regular(path: PathInput) -> Tuple[BinaryIO, os.stat_result]:
    """`path` opened for reading, with its status; IsADirectoryError for anything but a regular
    file (a directory, a FIFO that would block, a device)."""
    file = open(path, "rb")
    try:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(f"not a regular file: {os.fsdecode(path)!r}")
    except BaseException:
        file.close()
        raise
    return file, info


def _position(value: object, name: str) -> int:
    if type(value) is not int or value < 0:  # bool is not a position
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    return value


class _FileSlice:
    """The `length` bytes of an open binary file that start where it stands: the body of a
    FileResponse that names part of its file. It has no fileno(), so a WSGI container that
    sends files by descriptor reads it instead of sending the whole file; `raw` is the whole
    file (as io.BufferedReader.raw is its stream), which a host that sends the slice by itself
    asks which file it is (spec 7.8.1)."""

    __slots__ = ("_file", "_left")

    def __init__(self, file: BinaryIO, length: int) -> None:
        self._file = file
        self._left = length

    def read(self, size: int = -1) -> bytes:
        left = self._left
        if left <= 0:
            return b""
        data = self._file.read(left if size is None or size < 0 else min(size, left))
        self._left = left - len(data)
        return data

    def readable(self) -> bool:
        return True

    @property
    def raw(self) -> BinaryIO:
        return self._file

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"<file slice of {self._file!r}, {self._left} bytes left>"


class FileResponse(Response):
    """A regular file, whole or the `length` bytes from `offset`, as the response body.

    `content-length` is the slice's length; `content-type` is, in order, `content_type`, the
    one in `headers`, or a guess from the name (`mimetypes`, else application/octet-stream).
    `body` is the open file (positioned at `offset` and limited to `length` bytes when the
    slice is not the whole file); `file_path`, `file_offset` and `file_length` name the slice
    for a host that sends it by itself (`file_path` is None when the path cannot be made
    absolute, for example when the working directory was removed)."""

    __slots__ = ("_file", "_file_offset", "_file_length")

    def __init__(
        self,
        path: PathInput,
        status: int = 200,
        headers: Optional[HeadersInput] = None,
        *,
        content_type: Optional[str] = None,
        offset: int = 0,
        length: Optional[int] = None,
    ) -> None:
        _check_status(status)
        file, info = open_regular(path)
        try:
            self._init_open(path, file, info, status, headers, content_type, offset, length)
        except BaseException:
            file.close()
            raise

    @classmethod
    def _of_open_file(
        cls,
        path: PathInput,
        file: BinaryIO,
        info: os.stat_result,
        status: int,
        headers: Optional[HeadersInput],
        content_type: Optional[str],
        offset: int,
        length: Optional[int],
    ) -> "FileResponse":
        """A FileResponse around a file the caller opened with open_regular (no second open);
        the caller closes the file if this raises."""
        _check_status(status)
        response: FileResponse = object.__new__(cls)
        response._init_open(path, file, info, status, headers, content_type, offset, length)
        return response

    def _init_open(
        self,
        path: PathInput,
        file: BinaryIO,
        info: os.stat_result,
        status: int,
        headers: Optional[HeadersInput],
        content_type: Optional[str],
        offset: int,
        length: Optional[int],
    ) -> None:
        size = info.st_size
        _position(offset, "offset")
        if offset > size:
            raise ValueError(f"offset {offset} is past the end of the file ({size} bytes)")
        if length is None:
            length = size - offset
        elif _position(length, "length") > size - offset:
            raise ValueError(
                f"offset {offset} + length {length} is past the end of the file ({size} bytes)"
            )
        body: Any = file
        if length != size:
            if offset:
                file.seek(offset)
            body = _FileSlice(file, length)
        absolute = _absolute(path)
        self._file: Optional[FileReference] = (
            None if absolute is None else (absolute, offset, length, info.st_dev, info.st_ino)
        )
        self._file_offset = offset
        self._file_length = length
        if headers is None:
            # The common case, kept to one pass: the type given or guessed, then the length.
            if content_type is None:
                content_type = _guess_type(path)
            super().__init__(body, status, None, content_type=content_type)
            self._headers._append_valid(b"content-length", b"%d" % length)
            return
        super().__init__(body, status, headers, content_type=content_type)
        hdrs = self._headers
        # An explicit type wins over the guess: content_type= was set above, and a type in
        # `headers` (Flask's send_file(mimetype=...) through from_wsgi) stays as given.
        if content_type is None and "content-type" not in hdrs:
            hdrs._append_valid(b"content-type", _content_type_value(_guess_type(path)))
        declared = hdrs.get_all("content-length")
        if not declared:
            hdrs._append_valid(b"content-length", b"%d" % length)
        elif [value.strip() for value in declared] != [str(length)]:
            raise InvalidHeader(
                f"content-length {', '.join(declared)} differs from the {length} bytes of the file"
            )

    @property
    def file_path(self) -> Optional[str]:
        """The absolute path of the file that was opened (os.fsencode gives its exact bytes), or
        None when it cannot be named."""
        file = self._file
        return None if file is None else os.fsdecode(file[0])

    @property
    def file_offset(self) -> int:
        """Where the body starts in the file."""
        return self._file_offset

    @property
    def file_length(self) -> int:
        """How many bytes of the file the body is."""
        return self._file_length


def _guess_type(path: PathInput) -> str:
    return mimetypes.guess_type(os.fsdecode(path))[0] or "application/octet-stream"
