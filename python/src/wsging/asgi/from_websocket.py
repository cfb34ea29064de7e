"""One WebSocket offer served by an ASGI application (spec 15.4, 9).

The application runs in a task of its own from the offer on. Its first `receive` is
`websocket.connect`; what it sends first answers the offer: `websocket.accept` becomes
`request.websocket.accept(session, ...)`, whose session bridges the application's later
messages to the `AsyncWebSocket` the worker hands it; `websocket.close` before that is a 403;
the `websocket.http.response` extension's messages are an ordinary HTTP response. The session
lasts as long as the application's task: when it returns the worker closes with 1000, when it
raises with 1011.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from ..api.errors import ClientDisconnected, WebSocketClosed
from ..api.headers import MutableHeaders
from ..api.request import Request
from ..api.response import Response
from ..api.websocket import AsyncWebSocket
from . import from_task
from .from_http import HttpCall, caused_by_disconnect
from .from_types import ASGIApp, Message, Scope

__all__ = ["WebSocketCall"]

# The application's answer to the offer.
UNANSWERED = 0
ACCEPTED = 1
CLOSED = 2  # websocket.close before accepting: 403
DENIED = 3  # websocket.http.response.start: that response

_DENIAL_TYPES = {
    "websocket.http.response.start": "http.response.start",
    "websocket.http.response.body": "http.response.body",
}


class WebSocketCall:
    """The state of one offer between the application's task and the worker."""

    __slots__ = (
        "request",
        "task",
        "_loop",
        "_connected",
        "_answer",
        "_subprotocol",
        "_headers",
        "_ws",
        "_ready",
        "_denial",
        "_waiter",
        "_answer_waiter",
        "_done",
        "_error",
        "_disconnect",
    )

    def __init__(self, request: Request) -> None:
        self.request = request
        self.task: Optional["asyncio.Task[Any]"] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._connected = False  # websocket.connect was delivered
        self._answer = UNANSWERED
        self._subprotocol: Optional[str] = None
        self._headers: Optional[MutableHeaders] = None
        self._ws: Optional[AsyncWebSocket] = None
        self._ready: Optional["asyncio.Future[None]"] = None  # set when the session starts
        self._denial: Optional[HttpCall] = None
        self._waiter: Optional["asyncio.Future[None]"] = None  # respond() awaiting the answer
        self._answer_waiter: Optional["asyncio.Future[None]"] = None  # a receive awaiting it
        self._done = False
        self._error: Optional[BaseException] = None
        self._disconnect: Optional[Message] = None  # the websocket.disconnect delivered

    # -- the WSGI-NG side ---------------------------------------------------------------------

    async def respond(self, asgi_app: ASGIApp, scope: Scope) -> Response:
        """Run the application until it answers the offer; that answer."""
        loop = self._loop = asyncio.get_running_loop()
        task = self.task = from_task.start(asgi_app(scope, self.receive, self.send))
        if task.done():
            self._finished(task)
        else:
            task.add_done_callback(self._finished)
        while self._answer == UNANSWERED and not self._done:
            waiter = self._waiter = loop.create_future()
            try:
                await waiter
            except asyncio.CancelledError:  # the client left before the answer (spec 11.1)
                if not task.done():
                    task.cancel()
                raise
        answer = self._answer
        if answer == ACCEPTED:
            offer = self.request.websocket
            assert offer is not None
            try:
                # The worker starts the session once the handshake went out; when the client
                # leaves first none starts, and the request's end says so.
                try:
                    self.request.on_complete(self._over)
                except RuntimeError:
                    pass  # a host without completion callbacks: a session it starts ends the wait
                return offer.accept(
                    self._session, subprotocol=self._subprotocol, headers=self._headers
                )
            except BaseException:
                task.cancel()  # the session never starts: the application waits for nothing
                raise
        if answer == CLOSED:
            return Response(b"", 403)
        if answer == DENIED:
            assert self._denial is not None
            return await self._denial.head()
        error = self._error
        if error is not None:
            if self.request.disconnected and caused_by_disconnect(error):
                raise ClientDisconnected("the client disconnected") from error
            raise error
        raise RuntimeError("the ASGI application returned without answering the WebSocket offer")

    async def _session(self, ws: AsyncWebSocket) -> None:
        """The accepted session: it lasts as long as the application's task."""
        self._ws = ws
        ready = self._ready
        if ready is not None and not ready.done():
            ready.set_result(None)
        task = self.task
        assert task is not None
        try:
            await task
        except (ClientDisconnected, WebSocketClosed):
            if ws.close_code is None:
                raise
        except Exception as exc:
            if ws.close_code is None or not caused_by_disconnect(exc):
                raise

    def _finished(self, task: "asyncio.Task[Any]") -> None:
        if self._done:
            return
        self._done = True
        if not task.cancelled():
            self._error = task.exception()  # raised by respond() or by the session
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _answered(self, answer: int) -> None:
        self._answer = answer
        for waiter in (self._waiter, self._answer_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    async def _socket(self) -> Optional[AsyncWebSocket]:
        """The session's socket, once the session started; None when it never will (the
        offer was refused, or the client left first)."""
        ws = self._ws
        if ws is not None:
            return ws
        assert self._loop is not None
        if self._answer == UNANSWERED:
            # A receive before the answer (Quart reads in a task of its own from the start):
            # it waits for the answer, or for the client to leave.
            answered = self._answer_waiter
            if answered is None:
                answered = self._answer_waiter = self._loop.create_future()
            gone = self._loop.create_task(self.request.wait_disconnected())
            try:
                await asyncio.wait((answered, gone), return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone.cancel()
        ready = self._ready
        if self._answer != ACCEPTED or ready is None:
            return None
        await ready  # the session started, or the request is over without one (_over)
        return self._ws

    async def _over(self, outcome: str) -> None:
        """The request is over (a completion callback, spec 11.7): a session that has not
        started by now never will."""
        ready = self._ready
        if ready is not None and not ready.done():
            ready.set_result(None)

    # -- the application's side ---------------------------------------------------------------

    def _disconnected(self, code: int, reason: str) -> Message:
        message: Message = {"type": "websocket.disconnect", "code": code, "reason": reason}
        self._disconnect = message
        return dict(message)

    async def receive(self) -> Message:
        if not self._connected:
            self._connected = True
            return {"type": "websocket.connect"}
        if self._disconnect is not None:
            return dict(self._disconnect)
        ws = await self._socket()
        if ws is None:
            return self._disconnected(1006, "")
        try:
            message = await ws.receive()
        except WebSocketClosed as closed:
            return self._disconnected(closed.code, closed.reason)
        if type(message) is str:
            return {"type": "websocket.receive", "text": message}
        return {"type": "websocket.receive", "bytes": message}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.send":
            ws = await self._open_socket(kind)
            text = message.get("text")
            data = text if text is not None else message.get("bytes")
            if data is None:
                raise ValueError("websocket.send needs 'text' or 'bytes'")
            try:
                await ws.send(data)
            except WebSocketClosed:
                raise ClientDisconnected("the WebSocket is closed") from None
        elif kind == "websocket.accept":
            self._check_unanswered(kind)
            self._subprotocol = message.get("subprotocol")
            headers = message.get("headers")
            self._headers = MutableHeaders(headers) if headers else None
            assert self._loop is not None
            self._ready = self._loop.create_future()
            self._answered(ACCEPTED)
        elif kind == "websocket.close":
            code = message.get("code") or 1000
            reason = message.get("reason") or ""
            if self._answer == UNANSWERED:
                self._answered(CLOSED)
                return
            if self._answer != ACCEPTED:
                raise RuntimeError(f"ASGI message {kind!r} sent after an HTTP response")
            session = await self._socket()
            if session is None or session.close_code is not None:
                return  # closed already: nothing to do
            await session.close(code, reason)
        elif kind in _DENIAL_TYPES:
            denial = self._denial
            if denial is None:
                self._check_unanswered(kind)
                denial = self._denial = HttpCall(self.request)
                assert self.task is not None
                denial.attach(self.task)
                self._answered(DENIED)
            forwarded = dict(message)
            forwarded["type"] = _DENIAL_TYPES[kind]
            await denial.send(forwarded)
        else:
            raise ValueError(f"unexpected ASGI message {kind!r} for a WebSocket")

    async def _open_socket(self, kind: str) -> AsyncWebSocket:
        if self._answer != ACCEPTED:
            raise RuntimeError(f"ASGI message {kind!r} sent before websocket.accept")
        found = await self._socket()
        if found is None:
            raise ClientDisconnected("the WebSocket session did not start: the client left")
        return found

    def _check_unanswered(self, kind: str) -> None:
        if self._answer != UNANSWERED:
            raise RuntimeError(f"ASGI message {kind!r} sent after the offer was answered")
