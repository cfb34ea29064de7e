"""wsging: the WSGI-NG application API, worker runtime and test client."""

from .api import (
    Body,
    Capabilities,
    ClientCertificate,
    ClientDisconnected,
    FileResponse,
    Headers,
    InvalidHeader,
    InvalidStatus,
    MutableHeaders,
    Priority,
    Request,
    Response,
    TLSInfo,
    AsyncWebSocket,
    WebSocket,
    WebSocketClosed,
    WebSocketOffer,
    WebSocketResponse,
    WSGINGError,
    file_response,
)
from . import errors
from .api.contract import SPEC_VERSION

__version__ = "0.1.0"

__all__ = [
    "SPEC_VERSION",
    "Body",
    "Capabilities",
    "ClientCertificate",
    "ClientDisconnected",
    "FileResponse",
    "Headers",
    "InvalidHeader",
    "InvalidStatus",
    "MutableHeaders",
    "Priority",
    "Request",
    "Response",
    "TLSInfo",
    "AsyncWebSocket",
    "WebSocket",
    "WebSocketClosed",
    "WebSocketOffer",
    "WebSocketResponse",
    "WSGINGError",
    "errors",
    "file_response",
]
