"""`to_uwsgi`: `to_wsgi` for uWSGI, with WebSocket sessions through uWSGI's own API (spec 9,
15.3: a container-specific shim), and with chunked request bodies, which uWSGI's HTTP socket
leaves to `uwsgi.chunked_read`. Under uWSGI (with `--http-websockets` behind its HTTP router,
or `--http-socket`), HTTP/1.1 requests get `capabilities.websocket` True and a valid handshake
gets `request.websocket`; the application accepts it as on any WSGI-NG server. Outside uWSGI
it is `to_wsgi`.

uWSGI writes the handshake response itself, so an acceptance with extra response fields
(`accept(..., headers=...)`) is refused with InvalidResponse; see uwsgi_websocket for what
the session can and cannot do there.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from typing import Any, Callable, Iterable, List, Optional

from ..api.errors import WebSocketClosed
from ..api.request import Request
from ..api.response import InvalidResponse
from ..api.websocket import AsyncWebSocket, WebSocket, WebSocketOffer, check_close, header_elements
from .host_channel import HostChannel
from .loop_thread import Relay
from .ng_on_wsgi import hosted, to_wsgi
from .pep3333 import Environ, StartResponse, WSGIApplication
from .uwsgi_connection import client_port, reset_connection
from .uwsgi_input import UwsgiChunkedInput
from .uwsgi_websocket import UwsgiWebSocketChannel

__all__ = ["to_uwsgi"]

logger = logging.getLogger("wsging.wsgi")

NORMAL_CLOSURE = 1000
INTERNAL_ERROR = 1011


def _uwsgi_module() -> Any:
    """uWSGI's embedded module, when this process is a uWSGI worker that has WebSocket."""
    try:
        uwsgi = importlib.import_module("uwsgi")  # exists only inside uWSGI
    except ImportError:
        return None
    return uwsgi if hasattr(uwsgi, "websocket_handshake") else None


def _tokens(value: Any) -> List[str]:
    return [token.lower() for token in header_elements([str(value or "")])]


class UwsgiWebSockets:
    """The WebSocketBridge of `to_wsgi` (ng_on_wsgi.hosted) for uWSGI."""

    def __init__(self, uwsgi: Any) -> None:
        self._uwsgi = uwsgi

    def carries_websocket(self, environ: Environ) -> bool:
        # RFC 6455 is an HTTP/1.1 upgrade; uWSGI has no RFC 8441.
        return environ.get("SERVER_PROTOCOL") == "HTTP/1.1"

    def offer(self, environ: Environ) -> Optional[WebSocketOffer]:
        """RFC 6455 4.2.1: GET, Upgrade: websocket, Connection: upgrade, a key and version 13.
        Anything else is an ordinary request."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "websocket" not in _tokens(environ.get("HTTP_UPGRADE"))
            or "upgrade" not in _tokens(environ.get("HTTP_CONNECTION"))
            or not environ.get("HTTP_SEC_WEBSOCKET_KEY")
            or str(environ.get("HTTP_SEC_WEBSOCKET_VERSION", "")).strip() != "13"
        ):
            return None
        return WebSocketOffer(
            header_elements([str(environ.get("HTTP_SEC_WEBSOCKET_PROTOCOL", ""))]),
            header_elements([str(environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", ""))]),
        )

    def run(
        self, environ: Environ, response: Any, relay: Relay, channel: HostChannel
    ) -> Iterable[bytes]:
        if len(response.headers):
            raise InvalidResponse(
                "uWSGI writes the WebSocket handshake response itself: an acceptance with "
                "extra response fields (accept(headers=...)) is not supported under to_uwsgi"
            )
        subprotocol: Optional[str] = response.subprotocol
        self._uwsgi.websocket_handshake(
            environ["HTTP_SEC_WEBSOCKET_KEY"], environ.get("HTTP_ORIGIN", ""), subprotocol or ""
        )
        socket = UwsgiWebSocketChannel(self._uwsgi, relay, subprotocol, response.max_message_size)
        outcome = "completed"
        session: Callable[[Any], Any] = response.session
        try:
            if inspect.iscoroutinefunction(session):
                relay.run(session(AsyncWebSocket(socket)))
            else:
                session(WebSocket(socket))
            socket.close(*check_close(NORMAL_CLOSURE, ""))  # MUST-WS-7: returned -> 1000
        except WebSocketClosed:
            outcome = "client-gone" if socket.close_code == 1005 else "completed"
        except Exception:
            outcome = "aborted"
            logger.exception("error in a WebSocket session under uWSGI")
            socket.close(INTERNAL_ERROR, "")  # MUST-WS-7: raised -> 1011
        finally:
            channel.finish(outcome)
            relay.close()
        return []


def to_uwsgi(app: Callable[[Request], Any]) -> WSGIApplication:
    """A PEP 3333 application serving `app` in uWSGI with WebSocket through uWSGI's API,
    chunked request bodies through `uwsgi.chunked_read`, a body that raises after the head
    ending with a reset connection (7.5), and the client's port that uWSGI's HTTP socket
    leaves out (uwsgi_connection); in any other container, exactly `to_wsgi(app)`."""
    uwsgi = _uwsgi_module()
    if uwsgi is None:
        return to_wsgi(app)
    inner = hosted(app, UwsgiWebSockets(uwsgi), lambda: reset_connection(uwsgi))

    def application(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if (
            not environ.get("CONTENT_LENGTH")
            and "chunked" in _tokens(environ.get("HTTP_TRANSFER_ENCODING"))
            and not environ.get("wsgi.input_terminated")
        ):
            environ["wsgi.input"] = UwsgiChunkedInput(uwsgi)
            environ["wsgi.input_terminated"] = True
        if "REMOTE_PORT" not in environ:
            port = client_port(uwsgi, environ)
            if port is not None:
                environ["REMOTE_PORT"] = str(port)
        return inner(environ, start_response)

    lifespan = getattr(app, "lifespan", None)
    if lifespan is not None:
        application.lifespan = lifespan  # type: ignore[attr-defined]  # 11.4
    return application
