"""The file-like objects of a PEP 3333 environ built from a Request: `wsgi.input` over the
request body and `wsgi.file_wrapper`."""

from __future__ import annotations

from typing import Any, Iterator, List, Optional

from ..api.body import Body

__all__ = ["FileWrapper", "WSGIInput"]


class WSGIInput:
    """`wsgi.input`: reads `request.body` in the calling thread. Reading to the end works
    whatever the framing and then returns b"" (wsgi.input_terminated); an upload cut short
    raises ClientDisconnected, a ConnectionError."""

    __slots__ = ("body",)

    def __init__(self, body: Body) -> None:
        self.body = body

    def read(self, size: Optional[int] = -1) -> bytes:
        return self.body.read(-1 if size is None else size)

    def readline(self, size: Optional[int] = -1) -> bytes:
        return self.body.readline(-1 if size is None else size)

    def readlines(self, hint: Optional[int] = -1) -> List[bytes]:
        lines: List[bytes] = []
        total = 0
        while True:
            line = self.body.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.body.readline()
        if not line:
            raise StopIteration
        return line


class FileWrapper:
    """`wsgi.file_wrapper`: iterable as PEP 3333 asks, and recognised by `from_wsgi`, which
    sends a regular file as a FileResponse instead of iterating it. It is its own iterator and
    passes seek() and tell() on to a seekable file, so a WSGI layer that sends a range of it
    (Werkzeug's conditional responses) seeks to the range instead of reading up to it."""

    __slots__ = ("filelike", "block_size")

    def __init__(self, filelike: Any, block_size: int = 8192) -> None:
        self.filelike = filelike
        self.block_size = block_size

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        block: bytes = self.filelike.read(self.block_size)
        if not block:
            raise StopIteration
        return block

    def seekable(self) -> bool:
        seekable = getattr(self.filelike, "seekable", None)
        return seekable is not None and bool(seekable())

    def seek(self, offset: int, whence: int = 0) -> int:
        position: int = self.filelike.seek(offset, whence)
        return position

    def tell(self) -> int:
        position: int = self.filelike.tell()
        return position

    def close(self) -> None:
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()
