"""An in-memory link: the worker's session on one side, the test client's codec on the other.

Only the socket is replaced; frames are still encoded and decoded by wsging.worker.link.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional


class MemoryTransport(asyncio.Transport):
    """The worker's end of the link. What the session writes is handed to `deliver` (on the
    loop thread); `close()` ends the link like a closed socket would."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: asyncio.Protocol, deliver: Callable[[bytes], None]
    ) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._deliver = deliver
        self._closing = False

    def write(self, data: Any) -> None:
        if not self._closing:
            self._deliver(bytes(data))

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def get_extra_info(self, name: str, default: Optional[Any] = None) -> Any:
        return default

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0
