"""`to_wsgi`: a WSGI-NG application as a PEP 3333 application, for mod_wsgi, uWSGI,
gunicorn, any WSGI server or WSGI middleware (spec 15)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, Optional, Protocol

from ..api.capabilities import WEBSOCKET, Capabilities
from ..api.request import Request
from ..api.websocket import WebSocketOffer
from ..api.response import KIND_FILE, InvalidResponse, Response, body_kind
from ..worker.loading import is_async_app
from .failure import answer_failure
from .host_channel import HostChannel
from .loop_thread import Relay
from .ng_body import NGBody
from .pep3333 import HOP_BY_HOP, Environ, StartResponse, WSGIApplication
from .request_from_environ import relayed, request_from_environ, stashed_request

__all__ = ["to_wsgi"]

logger = logging.getLogger("wsging.wsgi")

_LINES: Dict[int, str] = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


def status_line(status: int) -> str:
    return _LINES.get(status) or f"{status} Unknown"


class WebSocketBridge(Protocol):
    """A container's own WebSocket API offered to WSGI-NG applications (spec 15.3): a
    container-specific shim (`wsging.wsgi.uwsgi.to_uwsgi`) passes one to `hosted`."""

    def carries_websocket(self, environ: Environ) -> bool:
        """Whether this request's connection can carry a session (capabilities.websocket)."""

    def offer(self, environ: Environ) -> Optional[WebSocketOffer]:
        """The offer this request makes, or None when it is not a valid one."""

    def run(
        self,
        environ: Environ,
        response: Any,
        relay: Relay,
        channel: HostChannel,
    ) -> Iterable[bytes]:
        """Completes the handshake for an acceptance of this request's offer, runs its session
        and returns what the container gets back once the session is over."""


def to_wsgi(app: Callable[[Request], Any]) -> WSGIApplication:
    """A PEP 3333 application that serves `app`, sync or async (async ones on one private
    event loop per process), each request in a context of its own (11.6). The WSGI container
    sends the head with the first chunk and has no trailers, push or disconnect notices (spec
    10.2). An application failure before the head is logged to `wsgi.errors` and answered 500
    here (11.3); after the head, the iterable raises it to the container."""
    return hosted(app, None)


def hosted(
    app: Callable[[Request], Any],
    bridge: Optional[WebSocketBridge],
    abort: Optional[Callable[[], None]] = None,
) -> WSGIApplication:
    """`to_wsgi`, with WebSocket sessions through `bridge` when a container offers them, and
    `abort` called when a body raises after the head, for a container that would otherwise
    end the response as if it were complete (7.5)."""
    is_async = is_async_app(app)
    warned = [False]  # a sync call returned an awaitable: said once (spec 4.1)

    def call(request: Request, relay: Relay) -> Response:
        """The application's response, in the request's context (11.6); an awaitable it
        returns, whatever its kind, is awaited on the private loop (4.1, MUST-APP-7)."""
        response = relay.in_context(app, request)
        if not isinstance(response, Response) and inspect.isawaitable(response):
            if not is_async and not warned[0]:
                warned[0] = True
                logger.warning(
                    "the application is sync but returned %s: awaiting it on to_wsgi's "
                    "private loop (make the outermost callable async to save a thread "
                    "hand-off per request)",
                    type(response).__name__,
                )
            response = relay.run(response)
        # Any object satisfying the response contract (spec 7.8.1); InvalidResponse, a
        # TypeError, names what is wrong with anything else.
        return Response.of(response)

    def application(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        relay = Relay()
        channel: Optional[HostChannel] = None
        request = stashed_request(environ)
        round_trip = request is not None and not is_async
        offer: Optional[WebSocketOffer] = None
        head_tried = False
        try:
            if request is None:
                request, channel = request_from_environ(environ, relay)
                if bridge is not None and bridge.carries_websocket(environ):
                    offer = bridge.offer(environ)
                    bits = request.capabilities.bits | WEBSOCKET
                    request = request.replace(
                        capabilities=Capabilities.from_bits(bits), websocket=offer
                    )
            elif is_async:
                request, channel = relayed(request, relay)
            response = call(request, relay)
            if response.status == 101 and offer is not None and channel is not None:
                if getattr(response, "websocket", None) is offer:  # MUST-WS-8
                    channel.responded = True
                    return bridge.run(environ, response, relay, channel)  # type: ignore[union-attr]
            if response.status == 101:
                # Without a bridge a WSGI container has no WebSocket: no request is an offer,
                # so no 101 is an acceptance this host could carry out (spec 9.3, MUST-WS-8).
                raise InvalidResponse(
                    "a 101 (WebSocket acceptance) answering a request that is not an offer, or "
                    "not made by this request's offer: request.websocket is None under a WSGI "
                    "host without the container's WebSocket (to_uwsgi under uWSGI)"
                )
            if channel is not None:
                channel.responded = True
            line = status_line(response.status)
            raw = [pair for pair in response.headers.raw if pair[0].lower() not in HOP_BY_HOP]
            head_tried = True
            start_response(line, [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw])
        except (Exception, asyncio.CancelledError) as exc:
            # Before the head: a 500 from here, on every container (11.3).
            what = f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}"
            return answer_failure(environ, start_response, what, exc, channel, relay, head_tried)
        except BaseException:
            # SystemExit, KeyboardInterrupt: in a container these are its own process
            # control (gunicorn's worker exits with SystemExit from a signal handler).
            if channel is not None:
                channel.finish("aborted")
            relay.close()
            raise
        # MUST-RESP-6: some containers (uWSGI) would send what the iterable gives.
        bodiless = response.status in (204, 304) or request.method == "HEAD"
        if round_trip:
            body = NGBody(response, relay, channel, bodiless, abort)
            body.origin = (response, raw)
            return body
        file_wrapper = environ.get("wsgi.file_wrapper")
        if (
            file_wrapper is not None
            and not bodiless
            and body_kind(response.body) == KIND_FILE
            and response.trailers is None
            and not is_async
            and (channel is None or not channel.has_callbacks)
        ):
            # The container's own way to send a file, sendfile where it can.
            relay.close()
            wrapped: Iterable[bytes] = file_wrapper(response.body, 64 * 1024)
            return wrapped
        return NGBody(response, relay, channel, bodiless, abort)

    lifespan = getattr(app, "lifespan", None)
    if lifespan is not None:
        application.lifespan = lifespan  # type: ignore[attr-defined]  # 11.4
    return application
