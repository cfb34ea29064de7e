"""Errors an application can see. Every one derives from WSGINGError."""

from __future__ import annotations

__all__ = ["WSGINGError", "InvalidStatus", "InvalidHeader", "ClientDisconnected"]


class WSGINGError(Exception):
    """Base class of every error raised by wsging itself."""


class InvalidStatus(WSGINGError, ValueError):
    """A status code outside the range allowed where it was given (raised at construction, W12)."""


class InvalidHeader(WSGINGError, ValueError):
    """A header name that is not an HTTP token, or a value with CR, LF or NUL (W8, W12)."""


class ClientDisconnected(WSGINGError, ConnectionError):
    """The client went away (or the request was abandoned) while the application used it."""
