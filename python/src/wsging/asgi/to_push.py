"""The `"push"` extension (spec 8.5) over the host's `http.response.push` (15.4), and how a
promised request is known for one (`request.pushed`).

ASGI gives a promised request no mark of its own. hypercorn, the host that offers push,
dispatches it from within the `send` of the push: the task it starts for it copies the
context of that `send`, where `to_asgi` has noted the promised path. The request that finds
the note, for that path, is the pushed one; it is not offered push in turn (8.5)."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any, Awaitable, Callable, Mapping, Optional

from ..api.headers import RawHeaders
from .to_channel import AsgiChannel
from .to_threads import blocking

__all__ = ["AsgiPush", "promised_here"]

Send = Callable[[Any], Awaitable[None]]

# The path being promised, while the `send` of its push runs.
_PROMISING: "contextvars.ContextVar[Optional[bytes]]" = contextvars.ContextVar(
    "wsging_asgi_promising", default=None
)


def promised_here(scope: Mapping[str, Any]) -> bool:
    """Whether this http scope is the request promised by a push of this process. The note
    is taken off this context, so nothing else started from it is taken for a push."""
    promised = _PROMISING.get()
    if promised is None:
        return False
    _PROMISING.set(None)
    target = bytes(scope.get("raw_path") or b"")
    query = bytes(scope.get("query_string") or b"")
    if query:
        target += b"?" + query
    return scope.get("method") == "GET" and target == promised


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
        note = _PROMISING.set(path)
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
        finally:
            _PROMISING.reset(note)
        return True
