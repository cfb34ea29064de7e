"""Errors an application can see (re-exported from wsging.api.errors)."""

from .api.errors import (
    ClientDisconnected,
    InvalidHeader,
    InvalidStatus,
    WebSocketClosed,
    WSGINGError,
)

__all__ = [
    "WSGINGError",
    "InvalidStatus",
    "InvalidHeader",
    "ClientDisconnected",
    "WebSocketClosed",
]
