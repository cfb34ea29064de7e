"""The body `from_wsgi` gives the server for a WSGI iterable: data given to write() first, then
the first chunk (pulled before the head went out), then the rest, pulled only when the server
asks for it (backpressure, 7.4); data written while the iterable is pulled goes before the chunk
that pull yields. It stops at the length the application declared, as PEP 3333
asks, and `close()` closes the WSGI iterable, whether or not it was ever iterated."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional

from .start_response import StartResponse

__all__ = ["StreamedBody", "chunk_bytes", "close_iterable"]


def chunk_bytes(chunk: Any) -> bytes:
    """A chunk of a WSGI iterable as bytes; PEP 3333 allows nothing else (not even str)."""
    if type(chunk) is bytes:
        return chunk
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"a WSGI iterable must yield bytes, not {type(chunk).__name__}")


def close_iterable(iterable: Iterable[Any]) -> None:
    close = getattr(iterable, "close", None)
    if close is not None:
        close()


class StreamedBody:
    __slots__ = ("_head", "_first", "_rest", "_iterable", "_left", "_closed")

    def __init__(
        self, head: StartResponse, first: bytes, rest: Iterator[Any], iterable: Iterable[Any]
    ) -> None:
        self._head = head
        self._first: Optional[bytes] = first or None
        self._rest = rest
        self._iterable = iterable
        self._left = head.declared  # bytes still allowed, or -1 when no length was declared
        self._closed = False

    def __iter__(self) -> "StreamedBody":
        return self

    def __next__(self) -> bytes:
        left = self._left
        if left == 0:
            raise StopIteration
        written = self._head.written
        if written:
            chunk = written.pop(0)
        elif self._first is not None:
            chunk, self._first = self._first, None
        else:
            # The iterable may call write() while it is pulled (wsgiref allows it too): what
            # it wrote goes before the chunk it yields, or is the last data when it ends.
            try:
                chunk = chunk_bytes(next(self._rest))
            except StopIteration:
                written = self._head.written
                if not written:
                    raise
                chunk = written.pop(0)
            else:
                written = self._head.written
                if written:
                    written.append(chunk)
                    chunk = written.pop(0)
        if left > 0:
            if len(chunk) >= left:
                chunk = chunk[:left]
            self._left = left - len(chunk)
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close_iterable(self._iterable)
