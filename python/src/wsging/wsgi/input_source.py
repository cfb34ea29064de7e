"""The BodySource of a request that `to_wsgi` hosts: `wsgi.input`, read in the WSGI thread,
bounded by CONTENT_LENGTH unless the container sets `wsgi.input_terminated` (spec 15.2)."""

from __future__ import annotations

from typing import Any, Iterator, Optional

from ..api.body import Body
from ..api.errors import ClientDisconnected
from ..api.headers import Headers
from .host_channel import HostChannel
from .loop_thread import Relay

__all__ = ["InputSource", "RelayedBody"]

CHUNK = 64 * 1024


class InputSource:
    __slots__ = ("_input", "_left", "_relay", "_channel")

    def __init__(self, stream: Any, left: int, relay: Relay, channel: HostChannel) -> None:
        self._input = stream
        self._left = left  # bytes still to read, or -1: read until read() returns b""
        self._relay = relay
        self._channel = channel

    def take(self) -> Optional[bytes]:
        left = self._left
        if left == 0:
            return None
        try:
            data = self._input.read(CHUNK if left < 0 else min(CHUNK, left))
        except Exception as exc:
            self._channel.failed = True
            raise ClientDisconnected(f"reading wsgi.input failed: {exc}") from exc
        if not data:
            if left > 0:
                self._channel.failed = True
                raise ClientDisconnected(f"the request body ended {left} bytes short")
            self._left = 0
            return None
        if left > 0:
            self._left = left - len(data)
        return bytes(data)

    async def atake(self) -> Optional[bytes]:
        return await self._relay.call(self.take)

    @property
    def trailers(self) -> Optional[Headers]:
        return None


class RelayedBody:
    """The body of the request `from_wsgi` started from, given to an async application on the
    private loop: its chunks are taken, as they arrive, in the WSGI thread."""

    __slots__ = ("_body", "_chunks", "_relay")

    def __init__(self, body: Body, relay: Relay) -> None:
        self._body = body
        self._chunks: Optional[Iterator[bytes]] = None
        self._relay = relay

    def take(self) -> Optional[bytes]:
        if self._chunks is None:
            self._chunks = iter(self._body)
        return next(self._chunks, None)

    async def atake(self) -> Optional[bytes]:
        return await self._relay.call(self.take)

    @property
    def trailers(self) -> Optional[Headers]:
        return self._body.trailers
