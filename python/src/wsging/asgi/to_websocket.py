"""A WebSocket session over ASGI events (spec 9.4, 15.4): the channel behind the session's
`WebSocket` or `AsyncWebSocket`. The host owns the protocol; ASGI gives applications no ping
(`ping()` returns None) and no per-message compression choice (`compress` is ignored).

Receiving reads one `websocket.receive` at a time; a receive that outlives its timeout stays
pending and its message goes to the next receive, so none is lost. A send looks ahead by that
one event too, so a session that only sends still learns the client left.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, Optional

from ..api.errors import WebSocketClosed
from ..api.websocket import Message
from .to_threads import blocking

__all__ = ["AsgiWebSocket", "DROPPED"]

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]

NO_STATUS = 1005  # RFC 6455 section 7.4.1: the peer's close frame had no code
DROPPED = 1006  # the connection ended without a close frame


class AsgiWebSocket:
    __slots__ = ("_receive", "_send", "_loop", "_subprotocol", "_pending", "_code", "_reason",
                 "on_gone")

    def __init__(
        self,
        receive: Receive,
        send: Send,
        loop: asyncio.AbstractEventLoop,
        subprotocol: Optional[str],
    ) -> None:
        self._receive = receive
        self._send = send
        self._loop = loop
        self._subprotocol = subprotocol
        self._pending: "Optional[asyncio.Future[Any]]" = None  # a receive() not yet consumed
        self._code: Optional[int] = None
        self._reason: Optional[str] = None
        self.on_gone: Optional[Callable[[], None]] = None  # told when the client closed or left

    @property
    def subprotocol(self) -> Optional[str]:
        return self._subprotocol

    @property
    def extensions(self) -> List[str]:
        return []  # ASGI does not say what the host negotiated

    @property
    def close_code(self) -> Optional[int]:
        return self._code

    @property
    def close_reason(self) -> Optional[str]:
        return self._reason

    @property
    def closed(self) -> bool:
        return self._code is not None

    def _closed(self, code: int, reason: str) -> None:
        if self._code is None:
            self._code, self._reason = code, reason
            hook = self.on_gone
            if hook is not None:
                hook()

    def _error(self) -> WebSocketClosed:
        return WebSocketClosed(self._code or DROPPED, self._reason or "")

    def _ahead(self) -> "asyncio.Future[Any]":
        pending = self._pending
        if pending is None:
            pending = self._pending = asyncio.ensure_future(self._receive(), loop=self._loop)
        return pending

    def _take(self, pending: "asyncio.Future[Any]") -> Optional[Message]:
        """The message of a finished receive; None (the session closed) for anything else."""
        self._pending = None
        try:
            event: Dict[str, Any] = pending.result()
        except asyncio.CancelledError:
            self._closed(DROPPED, "")
            return None
        except Exception:  # noqa: B902 - a receive that fails means the connection is gone
            self._closed(DROPPED, "")
            return None
        kind = event.get("type")
        if kind == "websocket.receive":
            text = event.get("text")
            if text is not None:
                return str(text)
            return bytes(event.get("bytes") or b"")
        if kind == "websocket.disconnect":
            code = event.get("code")
            self._closed(int(code) if code is not None else NO_STATUS, str(event.get("reason") or ""))
        else:
            self._closed(DROPPED, "")
        return None

    async def areceive(self, timeout: Optional[float]) -> Message:
        if self._code is not None:
            raise self._error()
        pending = self._ahead()
        if not pending.done():
            # asyncio.wait: a timeout, or a cancelled session, leaves the receive pending.
            done, _ = await asyncio.wait({pending}, timeout=timeout)
            if not done:
                raise TimeoutError(f"no WebSocket message within {timeout} s")
        message = self._take(pending)
        if message is None:
            raise self._error()
        return message

    async def asend(self, data: bytes, text: bool, compress: Optional[bool]) -> None:
        pending = self._ahead()
        if pending.done() and self._code is None:
            event_type = _event_type(pending)
            if event_type != "websocket.receive":
                self._take(pending)
        if self._code is not None:
            raise self._error()
        event: Dict[str, Any] = {"type": "websocket.send"}
        if text:
            event["text"] = data.decode("utf-8")
        else:
            event["bytes"] = data
        try:
            await self._send(event)
        except OSError:  # ASGI 2.4: a send on a closed connection
            self._closed(DROPPED, "")
            raise self._error() from None

    async def aping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]:
        return None  # ASGI gives applications no ping (spec 9.4)

    async def aclose(self, code: int, reason: str) -> None:
        if self._code is not None:
            return
        self._code, self._reason = code, reason
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            pass

    def stop(self) -> None:
        """The session is over: a receive still pending is dropped."""
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.cancel()

    # -- the sync session's forms: from its own thread, run on the loop ----------------------

    def receive(self, timeout: Optional[float]) -> Message:
        return blocking(self._loop, self.areceive(timeout), "WebSocket.receive()")

    def send(self, data: bytes, text: bool, compress: Optional[bool]) -> None:
        blocking(self._loop, self.asend(data, text, compress), "WebSocket.send()")

    def ping(self, payload: bytes, timeout: Optional[float]) -> Optional[float]:
        return None

    def close(self, code: int, reason: str) -> None:
        blocking(self._loop, self.aclose(code, reason), "WebSocket.close()")


def _event_type(done: "asyncio.Future[Any]") -> Optional[str]:
    if done.cancelled() or done.exception() is not None:
        return None
    event = done.result()
    return event.get("type") if isinstance(event, dict) else None
