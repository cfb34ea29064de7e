"""What the worker does with WebSocket offers (spec 9.1, 9.3, 9.5): the offer a request gets,
the acceptance an application returns (a 101, checked by its attributes), and the life of the
session it starts: an async session as a task on the loop, a sync one in a thread of its own,
both in the request's context, ending with a close and the request's completion callbacks.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
from typing import Any, List, Optional, Protocol, Set, Tuple

from ..api.errors import WebSocketClosed
from ..api.headers import Headers, MutableHeaders
from ..api.request import Request
from ..api.response import InvalidResponse, Response
from ..api.websocket import (
    MAX_MESSAGE_SIZE_LIMIT,
    AsyncWebSocket,
    WebSocket,
    WebSocketOffer,
    header_elements,
)
from . import link
from .errors import LinkError
from .exchange import Exchange
from .loading import is_async_app
from .websocket import CLOSE_TIMEOUT, LinkWebSocket, SessionEnds

__all__ = ["WebSocketHost", "offer_of", "DEFAULT_SYNC_SESSIONS"]

logger = logging.getLogger("wsging.worker")

DEFAULT_SYNC_SESSIONS = 256  # per worker (spec 9.3, --ws-sync-sessions)
NORMAL_CLOSURE = 1000
INTERNAL_ERROR = 1011  # RFC 6455 section 7.4.1: the session failed (MUST-WS-7)

_TRANSPORTS = {"2": "h2-connect", "3": "h3-connect"}


def offer_of(headers: Headers, http_version: str) -> WebSocketOffer:
    """The offer of a request the front end flagged WEBSOCKET (A.2): the subprotocols and
    extensions the client listed, over as many field lines as it sent."""
    return WebSocketOffer(
        header_elements(headers.get_all("sec-websocket-protocol")),
        header_elements(headers.get_all("sec-websocket-extensions")),
        _TRANSPORTS.get(http_version, "h1-upgrade"),
    )


class HostPort(Protocol):
    """What the host needs from the dispatcher that called the application."""

    def _spawn(self, coro: Any, context: Optional[contextvars.Context]) -> "asyncio.Task[None]": ...

    def _send_500(self, exchange: Exchange, exc: Optional[BaseException]) -> None: ...

    def session_failed(self, exchange: Exchange, label: str, exc: BaseException) -> None: ...


class WebSocketHost(SessionEnds):
    """The WebSocket sessions of one worker. Everything here runs on the event loop."""

    def __init__(
        self,
        dispatcher: HostPort,
        *,
        sync_sessions: int = DEFAULT_SYNC_SESSIONS,
        close_timeout: float = CLOSE_TIMEOUT,
    ) -> None:
        self._dispatcher = dispatcher
        self.sync_sessions = sync_sessions  # the cap (MUST-WS-9)
        self.sync_running = 0  # sync sessions accepted and not yet ended
        self.close_timeout = close_timeout
        self._running: Set[LinkWebSocket] = set()  # sessions started and not yet returned
        self._idle: List["asyncio.Future[None]"] = []  # drain() waiting for none to run

    async def drain(self, timeout: float) -> None:
        """Wait, `timeout` seconds at most, for the running sessions to return: once the link
        is gone every one has seen its close (1006), and their cleanup (a sync session's
        `finally`, in a daemon thread) runs before the worker exits."""
        if not self._running:
            return
        waiter: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self._idle.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            logger.warning(
                "%d WebSocket sessions still running %.0f s after the link closed",
                len(self._running),
                timeout,
            )

    # -- the application's answer -----------------------------------------------------------

    def accept(self, exchange: Exchange, request: Request, response: Any) -> None:
        """The application answered with a 101 (spec 9.3): start a session only for the
        acceptance of this very request's offer (MUST-WS-8), within the sync cap (MUST-WS-9);
        else answer 500, or 503, and log why."""
        if exchange.stopped:
            exchange.app_done()  # the client left before the answer (11.2)
            return
        label = f"{request.method} {request.path}"
        offer = exchange.offer
        try:
            given = getattr(response, "websocket", None)
        except Exception as exc:  # a property of the application's that raised
            self._invalid(exchange, label, f"reading its websocket attribute raised {exc!r}")
            return
        if offer is None:
            self._invalid(exchange, label, "a 101 response, but the request is not an offer")
            return
        own: WebSocketOffer = offer
        if given is not own:
            self._invalid(
                exchange, label, "a 101 response whose websocket is not this request's offer"
            )
            return
        try:
            session, subprotocol, options, max_size, headers = _acceptance(response, own)
        except Exception as exc:
            self._invalid(exchange, label, str(exc))
            return
        is_async = is_async_app(session)
        if not is_async and self.sync_running >= self.sync_sessions:
            logger.warning(
                "WebSocket session for %s refused with 503: %d sync sessions run already, the "
                "most this worker runs at once (--ws-sync-sessions); async sessions take no "
                "thread",
                label,
                self.sync_running,
            )
            exchange.start(
                Response(
                    "Too many WebSocket sessions; retry later\n", 503, {"retry-after": "1"}
                )
            )
            exchange.app_done()
            return
        ws = LinkWebSocket(
            exchange,
            self,
            session=session,
            is_async=is_async,
            subprotocol=subprotocol,
            max_message_size=max_size,
            close_timeout=self.close_timeout,
            label=label,
        )
        try:
            ws.accepted(options, headers)
        except LinkError as exc:  # a field the link cannot carry: nothing was sent
            self._invalid(exchange, label, str(exc))
            return
        exchange.ws = ws
        if not is_async:
            self.sync_running += 1

    def _invalid(self, exchange: Exchange, label: str, why: str) -> None:
        logger.error("invalid WebSocket acceptance for %s: %s", label, why)
        self._dispatcher._send_500(exchange, InvalidResponse(why))
        exchange.app_done()

    # -- the session's life (SessionEnds) ----------------------------------------------------

    def opened(self, ws: LinkWebSocket) -> None:
        """WS_OPEN: the handshake went out; the session starts, in the request's context."""
        ws.started = True
        self._running.add(ws)
        context = ws.exchange.context
        if ws.is_async:
            self._dispatcher._spawn(self._run_async(ws), context)
            return
        # A thread of its own, not the pool's: a sync session blocks in receive() for its whole
        # life, and the pool's threads keep serving requests (spec 9.3).
        thread = threading.Thread(
            target=self._run_sync,
            args=(ws, context or contextvars.copy_context()),
            name=f"wsging-websocket-{ws.stream.id}",
            daemon=True,
        )
        thread.start()

    def closed(self, ws: LinkWebSocket) -> None:
        """The session is over before it started (the client left during the handshake, the
        stream was reset): the application is done with it now."""
        if not ws.started:
            ws.started = True  # never starts now
            self._ended(ws)

    async def _run_async(self, ws: LinkWebSocket) -> None:
        failure: Optional[BaseException] = None
        try:
            await ws.session(AsyncWebSocket(ws))
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too (11.3)
            failure = exc
        self._session_returned(ws, failure)

    def _run_sync(self, ws: LinkWebSocket, context: contextvars.Context) -> None:
        failure: Optional[BaseException] = None
        try:
            result = context.run(ws.session, WebSocket(ws))
            if inspect.isawaitable(result):
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # never awaited: said below instead of a "never awaited" warning
                raise TypeError(
                    f"the sync WebSocket session {ws.session!r} returned an awaitable; "
                    "declare it with async def"
                )
        except BaseException as exc:  # SystemExit too: it ends this session only (11.3)
            failure = exc
        # Posted after the context was left: the completion callbacks enter it next.
        try:
            ws.exchange.session.call_from_thread(self._session_returned, ws, failure)
        except RuntimeError:  # the loop is closed: the worker is exiting, the link is gone
            if failure is not None:
                logger.error("error in the WebSocket session of %s", ws.label, exc_info=failure)

    def _session_returned(self, ws: LinkWebSocket, failure: Optional[BaseException]) -> None:
        """On the loop: the session returned (close 1000) or raised (close 1011, MUST-WS-7).
        An exception that only reports the close (WebSocketClosed from a receive after it, a
        task cancelled once the link was gone) is no failure."""
        if failure is None or (
            ws.ended and isinstance(failure, (WebSocketClosed, asyncio.CancelledError))
        ):
            ws.end(NORMAL_CLOSURE)
        elif isinstance(failure, asyncio.CancelledError):
            # Cancelled by someone while open (not by the server, 9.5): no bug to trace.
            logger.warning("the WebSocket session of %s was cancelled; closing with 1011", ws.label)
            ws.failed = True
            ws.end(INTERNAL_ERROR)
        else:
            ws.failed = True
            self._dispatcher.session_failed(ws.exchange, ws.label, failure)
            ws.end(INTERNAL_ERROR)
        self._ended(ws)

    def _ended(self, ws: LinkWebSocket) -> None:
        if not ws.is_async:
            self.sync_running -= 1
        ws.exchange.app_done()
        self._running.discard(ws)
        if not self._running and self._idle:
            waiters, self._idle = self._idle, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)


def _acceptance(
    response: Any, offer: WebSocketOffer
) -> Tuple[Any, Optional[str], int, int, List[Tuple[bytes, bytes]]]:
    """The session, subprotocol, WS_ACCEPT options, max message size and extra fields of an
    acceptance, read by attribute (spec 7.8, 9.3) and checked as `accept` checks them: an
    acceptance made by another copy of this package, or passed through by middleware, is read
    the same way. ValueError or TypeError names what is wrong."""
    session = response.session
    if not callable(session):
        raise TypeError(f"its session is not callable: {session!r}")
    subprotocol = response.subprotocol
    if subprotocol is not None and subprotocol not in offer.subprotocols:
        raise ValueError(f"its subprotocol {subprotocol!r} was not offered")
    max_size = response.max_message_size
    if type(max_size) is not int or not 1 <= max_size <= MAX_MESSAGE_SIZE_LIMIT:
        raise ValueError(f"its max_message_size {max_size!r} is not in 1..{MAX_MESSAGE_SIZE_LIMIT}")
    options = link.WS_ALLOW_COMPRESSION if response.compression else 0
    headers = response.headers
    raw = list(headers.raw) if isinstance(headers, MutableHeaders) else list(MutableHeaders(headers).raw)
    return session, subprotocol, options, max_size, raw
