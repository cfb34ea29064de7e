"""The `"push"` extension (spec 8.5) over the host's `http.response.push` (15.4)."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from ..api.headers import RawHeaders
from .to_channel import AsgiChannel
from .to_threads import blocking

__all__ = ["AsgiPush"]

Send = Callable[[Any], Awaitable[None]]


class AsgiPush:
    """ASGI says nothing back about a push: True means the host was handed it (it may still
    decline it, a client that disabled push for one). False once the response head went out
    with its body over, or once the client left."""

    __slots__ = ("_send", "_channel", "_loop", "done")

    def __init__(self, send: Send, channel: AsgiChannel, loop: asyncio.AbstractEventLoop) -> None:
        self._send = send
        self._channel = channel
        self._loop = loop
        self.done = False  # the request is over

    def push(self, path: bytes, headers: RawHeaders) -> bool:
        return blocking(self._loop, self.apush(path, headers), "push()")

    async def apush(self, path: bytes, headers: RawHeaders) -> bool:
        if self.done or self._channel.disconnected:
            return False
        try:
            await self._send(
                {
                    "type": "http.response.push",
                    "path": path.decode("ascii"),
                    "headers": [(name.lower(), value) for name, value in headers],
                }
            )
        except OSError:
            return False
        return True
