"""`wsgi.input` for a chunked request under uWSGI: its HTTP socket leaves such a body to
`uwsgi.chunked_read()` and sets neither CONTENT_LENGTH nor `wsgi.input_terminated`, so a
PEP 3333 reader would see no body at all. This reads it to its end, as
`wsgi.input_terminated` promises."""

from __future__ import annotations

from typing import Any, Iterator, Optional

__all__ = ["UwsgiChunkedInput"]


class UwsgiChunkedInput:
    __slots__ = ("_uwsgi", "_buffer", "_ended")

    def __init__(self, uwsgi: Any) -> None:
        self._uwsgi = uwsgi
        self._buffer = b""
        self._ended = False

    def _fill(self) -> bool:
        """One more chunk into the buffer; False at the end of the body. uWSGI raises IOError
        for a body cut short, which readers of wsgi.input see as it is."""
        if self._ended:
            return False
        chunk: bytes = self._uwsgi.chunked_read()
        if not chunk:
            self._ended = True
            return False
        self._buffer += chunk
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        if size is None or size < 0:
            while self._fill():
                pass
        elif not self._buffer:
            self._fill()
        cut = len(self._buffer) if size is None or size < 0 else size
        data, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return data

    def readline(self, size: Optional[int] = -1) -> bytes:
        while b"\n" not in self._buffer and (size is None or size < 0 or len(self._buffer) < size):
            if not self._fill():
                break
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size is not None and 0 <= size < end:
            end = size
        data, self._buffer = self._buffer[:end], self._buffer[end:]
        return data

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")
