"""Errors an application can see. Every one derives from WSGINGError."""

from __future__ import annotations

__all__ = [
    "WSGINGError",
    "InvalidStatus",
    "InvalidHeader",
    "ClientDisconnected",
    "WebSocketClosed",
]


class WSGINGError(Exception):
    """Base class of every error raised by wsging itself."""


class InvalidStatus(WSGINGError, ValueError):
    """A status code outside the range allowed where it was given (raised at construction, W12)."""


class InvalidHeader(WSGINGError, ValueError):
    """A header name that is not an HTTP token, or a value with CR, LF or NUL (W8, W12)."""


class ClientDisconnected(WSGINGError, ConnectionError):
    """The client went away (or the request was abandoned) while the application used it."""


class WebSocketClosed(WSGINGError):
    """The WebSocket session is over (spec 9.4): `code` is the close code (1005 when the peer's
    close frame had none, 1006 when the connection dropped without one), `reason` its text."""

    def __init__(self, code: int = 1006, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason
