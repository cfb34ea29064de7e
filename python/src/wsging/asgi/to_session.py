"""One WebSocket offer served by `to_asgi` (spec 9, 15.4): the offer becomes
`request.websocket`; the application's acceptance becomes `websocket.accept` and its session
runs over the ASGI events (an async session as a task, a sync one in a thread of its own);
any other response goes out through the host's denial extension, or, without it, as
`websocket.close`, which the host answers with 403."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import threading
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple

from ..api.body import Body
from ..api.errors import WebSocketClosed
from ..api.headers import MutableHeaders, RawHeaders
from ..api.response import InvalidResponse, Response
from ..api.websocket import AsyncWebSocket, WebSocket, WebSocketOffer
from ..worker.loading import is_async_app
from .to_call import Caller
from .to_channel import AsgiChannel
from .to_departure import Watch
from .to_request import request_from_scope
from .to_response import ClientGone, ResponseWriter, head_fields
from .to_websocket import DROPPED, AsgiWebSocket

__all__ = ["SessionFailed", "serve_websocket"]

logger = logging.getLogger("wsging.asgi")

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]

NORMAL_CLOSURE = 1000
INTERNAL_ERROR = 1011  # MUST-WS-7: the session raised


async def serve_websocket(
    app: Callable[..., Any], is_async: bool, scope: Mapping[str, Any], receive: Receive, send: Send
) -> None:
    first = await receive()
    if first.get("type") != "websocket.connect":
        return  # the client left before the handshake reached the application
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    watch = Watch()
    channel = AsgiChannel(watch, send, False, loop, context)
    request = request_from_scope(scope, Body(b""), channel)
    offer = request.websocket
    assert offer is not None
    caller = Caller(context, None)
    label = f"WebSocket {request.path}"
    outcome = "completed"
    refused: Optional[BaseException] = None
    try:
        try:
            response = Response.of(await caller.call_app(app, is_async, request))
        except BaseException as exc:  # noqa: B902 - SystemExit too is this request's (MUST-ERR-5)
            logger.error("error in the application serving %s", label, exc_info=exc)
            outcome = "aborted"
            await _refuse(scope, send, caller, watch, _internal_error())
            return
        if response.status != 101:
            await _refuse(scope, send, caller, watch, response)  # MUST-WS-1
            return
        try:
            session, subprotocol, headers = _acceptance(response, offer)
        except Exception as exc:  # MUST-WS-8: not this offer's acceptance
            logger.error("invalid WebSocket acceptance for %s: %s", label, exc)
            outcome = "aborted"
            await _refuse(scope, send, caller, watch, _internal_error())
            return
        outcome, refused = await _run_session(
            session, subprotocol, headers, receive, send, loop, context, caller, watch, label
        )
    finally:
        watch.end()
        await channel.finish(outcome)
    if refused is not None:
        # The host would not send the 1011 (daphne sends only 1000 and 3000-4999): an error
        # raised to it makes it close the connection as for any failed application.
        raise SessionFailed(f"the WebSocket session of {label} failed") from refused


class SessionFailed(RuntimeError):
    """Raised to the host when it refused to close a failed session with 1011."""


def _internal_error() -> Response:
    return Response(b"Internal Server Error\n", 500, content_type="text/plain; charset=utf-8")


def _acceptance(response: Any, offer: WebSocketOffer) -> Tuple[Any, Optional[str], RawHeaders]:
    """The session, subprotocol and extra fields of a 101, read by attribute (spec 9.3), only
    when it accepts this very offer (MUST-WS-8)."""
    if getattr(response, "websocket", None) is not offer:
        raise InvalidResponse("a 101 response whose websocket is not this request's offer")
    session = getattr(response, "session", None)
    if not callable(session):
        raise TypeError(f"its session is not callable: {session!r}")
    subprotocol = getattr(response, "subprotocol", None)
    if subprotocol is not None and subprotocol not in offer.subprotocols:
        raise ValueError(f"its subprotocol {subprotocol!r} was not offered")
    headers = getattr(response, "headers", None)
    raw = list(headers.raw) if isinstance(headers, MutableHeaders) else list(MutableHeaders(headers).raw)
    return session, subprotocol, head_fields(raw, "1.1")


async def _refuse(
    scope: Mapping[str, Any], send: Send, caller: Caller, watch: Watch, response: Response
) -> None:
    """An ordinary response to an offer: the handshake's HTTP answer through the denial
    extension, else a close before the accept (the host answers 403)."""
    writer = ResponseWriter(
        send,
        watch,
        caller,
        method="GET",
        http_version="1.1",
        extensions={},
        trailers_ok=False,
        on_head=lambda: None,
        prefix="websocket.http.response",
    )
    if "websocket.http.response" in (scope.get("extensions") or {}):
        try:
            await writer.send(response)
        except ClientGone:
            pass
        return
    await writer.discard(response)
    try:
        await send({"type": "websocket.close", "code": NORMAL_CLOSURE})
    except OSError:
        pass


async def _run_session(
    session: Any,
    subprotocol: Optional[str],
    headers: RawHeaders,
    receive: Receive,
    send: Send,
    loop: asyncio.AbstractEventLoop,
    context: contextvars.Context,
    caller: Caller,
    watch: Watch,
    label: str,
) -> Tuple[str, Optional[BaseException]]:
    """The completion outcome, and the host's refusal of a 1011 close, if it refused."""
    accept: Dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
    if headers:
        accept["headers"] = headers
    try:
        await send(accept)
    except OSError:
        return "client-gone", None
    ws = AsgiWebSocket(receive, send, loop, subprotocol)
    ws.on_gone = watch.leave
    failure: Optional[BaseException] = None
    try:
        if is_async_app(session):
            await caller.awaited(session(AsyncWebSocket(ws)))
        else:
            await _in_own_thread(context, session, WebSocket(ws))
    except BaseException as exc:  # noqa: B902 - it ends this session only (spec 11.3)
        failure = exc
    finally:
        ws.stop()
    if failure is not None and not (
        ws.closed and isinstance(failure, (WebSocketClosed, asyncio.CancelledError))
    ):
        logger.error("error in the WebSocket session of %s", label, exc_info=failure)
        try:
            await ws.aclose(INTERNAL_ERROR, "")
        except Exception as refused:  # noqa: B902 - whatever the host raised for it
            return "aborted", refused
        return "aborted", None
    await ws.aclose(NORMAL_CLOSURE, "")  # a no-op once closed (MUST-WS-7)
    return ("client-gone" if ws.close_code == DROPPED else "completed"), None


async def _in_own_thread(context: contextvars.Context, session: Any, ws: WebSocket) -> None:
    """A sync session holds its thread for its whole life: a thread of its own, not the
    pool's, which keeps serving requests (spec 9.3)."""
    loop = asyncio.get_running_loop()
    done: "asyncio.Future[None]" = loop.create_future()

    def settle(error: Optional[BaseException]) -> None:
        if not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

    def run() -> None:
        error: Optional[BaseException] = None
        try:
            result = context.run(session, ws)
            if inspect.isawaitable(result):
                close = getattr(result, "close", None)
                if close is not None:
                    close()
                raise TypeError(
                    f"the sync WebSocket session {session!r} returned an awaitable; declare it "
                    "with async def"
                )
        except BaseException as exc:  # noqa: B902 - handed to the loop, whatever it is
            error = exc
        try:
            loop.call_soon_threadsafe(settle, error)
        except RuntimeError:  # the loop is closed: the host is gone
            pass

    threading.Thread(target=run, name="wsging-asgi-websocket", daemon=True).start()
    await done
