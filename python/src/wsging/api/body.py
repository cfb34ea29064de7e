"""The request body: read it whole, by size, by line, or chunk by chunk, sync or async.

Reading to the end works whatever the framing (Content-Length, chunked, none: W3). The body
comes from a source that hands out chunks as they arrive; the worker's source grants the front
end more credit as chunks are taken, so reading slowly slows the upload down (spec A.5).
"""

from __future__ import annotations

from typing import AsyncIterator, Iterator, List, Optional, Protocol, Union

from .headers import Headers

__all__ = ["Body", "BodySource"]


class BodySource(Protocol):
    """Where a Body gets its chunks. `None` means the body ended; errors propagate."""

    def take(self) -> Optional[bytes]: ...

    async def atake(self) -> Optional[bytes]: ...

    @property
    def trailers(self) -> Optional[Headers]: ...


class _BytesSource:
    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data: Optional[bytes] = data

    def take(self) -> Optional[bytes]:
        data, self._data = self._data, None
        return data or None

    async def atake(self) -> Optional[bytes]:
        return self.take()

    @property
    def trailers(self) -> Optional[Headers]:
        return None


class Body:
    """A request body, consumed once. Sync methods block the calling thread (never call them
    on the event loop: the worker raises RuntimeError there); async methods await."""

    __slots__ = ("_source", "_buf", "_pos", "_eof")

    def __init__(self, source: Union[BodySource, bytes] = b"") -> None:
        self._source: BodySource = (
            _BytesSource(bytes(source)) if isinstance(source, (bytes, bytearray)) else source
        )
        self._buf = b""
        self._pos = 0
        self._eof = False

    @classmethod
    def _of(cls, source: BodySource) -> "Body":
        """A Body over `source`, without the argument handling of __init__ (worker hot path)."""
        body = object.__new__(cls)
        body._source = source
        body._buf = b""
        body._pos = 0
        body._eof = False
        return body

    @property
    def trailers(self) -> Optional[Headers]:
        """Trailers that ended the body (when the connection allows them), once read to the end."""
        return self._source.trailers

    # -- sync ---------------------------------------------------------------------------

    # The buffer steps shared by the sync and async readers: only waiting for a chunk differs.

    def _accept(self, chunk: Optional[bytes]) -> bool:
        """Make `chunk` the buffer; None marks the end. False at the end."""
        if chunk is None:
            self._eof = True
            self._buf, self._pos = b"", 0
            return False
        self._buf, self._pos = chunk, 0
        return True

    def _take(self, size: int, have: int) -> bytes:
        """From the buffer: up to `size - have` bytes (all of it when `size` < 0)."""
        buf, pos = self._buf, self._pos
        stop = len(buf) if size < 0 else min(len(buf), pos + size - have)
        self._pos = stop
        return buf[pos:stop] if pos or stop < len(buf) else buf

    def _take_line(self, limit: int, have: int) -> "tuple[bytes, bool]":
        """From the buffer: the next piece of a line, and whether it ended the line."""
        buf, pos = self._buf, self._pos
        newline = buf.find(b"\n", pos)
        stop = len(buf) if newline < 0 else newline + 1
        if limit >= 0:
            stop = min(stop, pos + limit - have)
        self._pos = stop
        return buf[pos:stop], newline >= 0 and stop == newline + 1

    def _next(self) -> bool:
        """Replace the (consumed) buffer with the next chunk; False at the end."""
        return False if self._eof else self._accept(self._source.take())

    def _rest(self) -> List[bytes]:
        """What the buffer still holds, now consumed: the start of a read to the end."""
        return [self._take(-1, 0)] if self._pos < len(self._buf) else []

    def _ended(self, parts: List[bytes]) -> bytes:
        self._eof = True
        self._buf, self._pos = b"", 0
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def read(self, size: int = -1) -> bytes:
        """`size` bytes (fewer only at the end), or everything left when `size` is negative."""
        if size < 0 and not self._eof:
            # Reading to the end, the common case: chunks go straight from the source into
            # the result, without passing through the buffer.
            parts = self._rest()
            take = self._source.take
            chunk = take()
            while chunk is not None:
                parts.append(chunk)
                chunk = take()
            return self._ended(parts)
        parts = []
        have = 0
        while size < 0 or have < size:
            if self._pos < len(self._buf):
                part = self._take(size, have)
                parts.append(part)
                have += len(part)
            elif not self._next():
                break
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readline(self, limit: int = -1) -> bytes:
        """One line including its b"\\n" (or the last bytes), at most `limit` bytes if >= 0."""
        parts: List[bytes] = []
        have = 0
        while limit < 0 or have < limit:
            if self._pos < len(self._buf):
                part, ended = self._take_line(limit, have)
                parts.append(part)
                have += len(part)
                if ended:
                    break
            elif not self._next():
                break
        return b"".join(parts)

    def __iter__(self) -> Iterator[bytes]:
        """The chunks as they arrive."""
        if self._pos < len(self._buf):
            rest = self._buf[self._pos :]
            self._pos = len(self._buf)
            yield rest
        while self._next():
            self._pos = len(self._buf)
            if self._buf:
                yield self._buf

    # -- async --------------------------------------------------------------------------

    async def _anext(self) -> bool:
        return False if self._eof else self._accept(await self._source.atake())

    async def aread(self, size: int = -1) -> bytes:
        """Async `read`."""
        if size < 0 and not self._eof:  # as in read()
            parts = self._rest()
            atake = self._source.atake
            chunk = await atake()
            while chunk is not None:
                parts.append(chunk)
                chunk = await atake()
            return self._ended(parts)
        parts = []
        have = 0
        while size < 0 or have < size:
            if self._pos < len(self._buf):
                part = self._take(size, have)
                parts.append(part)
                have += len(part)
            elif not await self._anext():
                break
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def areadline(self, limit: int = -1) -> bytes:
        """Async `readline`."""
        parts: List[bytes] = []
        have = 0
        while limit < 0 or have < limit:
            if self._pos < len(self._buf):
                part, ended = self._take_line(limit, have)
                parts.append(part)
                have += len(part)
                if ended:
                    break
            elif not await self._anext():
                break
        return b"".join(parts)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._pos < len(self._buf):
            rest = self._buf[self._pos :]
            self._pos = len(self._buf)
            yield rest
        while await self._anext():
            self._pos = len(self._buf)
            if self._buf:
                yield self._buf
