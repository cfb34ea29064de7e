"""One HTTP request served by `to_asgi` (spec 15.4): the Request from the scope, the
application called (sync in a thread, async as a task), its response sent as ASGI events,
errors answered as spec 11.3 says, and the completion callbacks run at the end (11.7)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional

from ..api.body import Body
from ..api.capabilities import RESPONSE_TRAILERS, Capabilities
from ..api.errors import ClientDisconnected
from ..api.push import Push
from ..api.request import Request
from ..api.response import InvalidResponse, Response
from .to_call import Caller
from .to_abort import host_abort
from .to_channel import AsgiChannel
from .to_departure import Departure
from .to_inbox import Inbox
from .to_push import AsgiPush, promised_here
from .to_request import request_from_scope, stashed_request
from .to_response import ClientGone, ResponseWriter

__all__ = ["ResponseAborted", "serve_http"]

logger = logging.getLogger("wsging.asgi")

Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]


class ResponseAborted(RuntimeError):
    """Raised to the host after the head went out, so it cuts the response short (spec 11.3:
    the client never sees a well-framed, truncated body); the cause is the application's."""


def _expects_continue(scope: Mapping[str, Any]) -> bool:
    for name, value in scope.get("headers") or ():
        if bytes(name).lower() == b"expect" and bytes(value).strip().lower() == b"100-continue":
            return True
    return False


async def serve_http(
    app: Callable[..., Any], is_async: bool, scope: Mapping[str, Any], receive: Receive, send: Send
) -> None:
    loop = asyncio.get_running_loop()
    pushed = promised_here(scope)  # before the copy: the request's context has no note
    context = contextvars.copy_context()
    extensions: Mapping[str, Any] = scope.get("extensions") or {}
    inbox = Inbox(receive, loop, deferred=_expects_continue(scope))
    caller = Caller(context, inbox)
    inbox.on_gone = caller.client_left
    request = stashed_request(scope)
    channel: Optional[AsgiChannel] = None
    pusher: Optional[AsgiPush] = None
    if request is not None:
        # The request from_asgi started from (spec 15): its body, channel and extensions are
        # the original server's. Only its trailers pass through this layer's events.
        if request.capabilities.response_trailers and "http.response.trailers" not in extensions:
            request = request.replace(
                capabilities=Capabilities.from_bits(request.capabilities.bits & ~RESPONSE_TRAILERS)
            )
    else:
        channel = AsgiChannel(inbox, send, "http.response.early_hint" in extensions, loop, context)
        push: Dict[str, object] = {}
        if "http.response.push" in extensions and not pushed:
            pusher = AsgiPush(send, channel, loop)
            push["push"] = Push(pusher)
        request = request_from_scope(scope, Body._of(inbox), channel, push, pushed=pushed)
        if not inbox.deferred:
            inbox.start()
    writer = ResponseWriter(
        send,
        inbox if channel is not None else request,
        caller,
        method=request.method,
        http_version=request.http_version,
        extensions=extensions,
        trailers_ok=request.capabilities.response_trailers,
        on_head=_on_head(inbox, channel),
    )
    outcome = "completed"
    failure: Optional[BaseException] = None
    label = f"{request.method} {request.path}"
    try:
        outcome, failure = await _respond(
            app, is_async, request, inbox if channel is not None else None, caller, writer, label
        )
    finally:
        inbox.finish()
        if pusher is not None:
            pusher.done = True
        if channel is not None:
            await channel.finish(outcome)
    if failure is not None:
        abort = host_abort(send)
        if abort is not None:
            logger.error("error in the application serving %s after the head: the response "
                         "was cut short", label, exc_info=failure)
            abort()
            return
        raise ResponseAborted(f"the response to {label} was cut short: {failure!r}") from failure


def _on_head(inbox: Inbox, channel: Optional[AsgiChannel]) -> Callable[[], None]:
    def head() -> None:
        if channel is not None:
            channel.responded = True  # no 1xx after the final head (7.7)
        if channel is not None and inbox.deferred:
            # Pumped from now on for the disconnect; a host sends no 100 once the head is out
            # (uvicorn clears its 100-continue wait on http.response.start).
            inbox.start()

    return head


async def _respond(
    app: Callable[..., Any],
    is_async: bool,
    request: Request,
    inbox: Optional[Inbox],
    caller: Caller,
    writer: ResponseWriter,
    label: str,
) -> "tuple[str, Optional[BaseException]]":
    """(outcome, the error to raise to the host after the head). `inbox` is None for a
    request from_asgi made: its own server tells about its body and its client."""
    gone: Departure = request if inbox is None else inbox
    try:
        if inbox is not None and not is_async and not inbox.deferred:
            await inbox.ready()  # no thread waits for a body that is not there (MUST-APP-10)
        result = await caller.call_app(app, is_async, request)
        response = Response.of(result)
        if response.status == 101:
            raise InvalidResponse(
                "a 101 (WebSocket acceptance) answering a request that is not an offer"
            )
    except (ClientDisconnected, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and not caller.cancelled:
            raise  # the host cancelled this request: not ours to swallow
        return "client-gone", None
    except BaseException as exc:  # noqa: B902 - SystemExit too is this request's error (MUST-ERR-5)
        if gone.disconnected:
            return "client-gone", None
        logger.error("error in the application serving %s", label, exc_info=exc)
        await _internal_error(writer)
        return "aborted", None
    if gone.disconnected:
        await writer.discard(response)  # 11.2: the answer has nobody to go to
        return "client-gone", None
    try:
        await writer.send(response)
    except ClientGone:
        return "client-gone", None
    except asyncio.CancelledError:
        if not caller.cancelled:
            raise
        return "client-gone", None
    except BaseException as exc:  # noqa: B902 - MUST-ERR-5, as above
        if gone.disconnected:
            return "client-gone", None
        if not writer.head_sent:
            logger.error("invalid response from the application serving %s", label, exc_info=exc)
            await _internal_error(writer)
            return "aborted", None
        return "aborted", exc
    return "completed", None


async def _internal_error(writer: ResponseWriter) -> None:
    try:
        await writer.send_internal_error()
    except ClientGone:
        pass
