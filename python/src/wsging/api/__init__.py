"""The WSGI-NG application API: Request in, Response out."""

from .body import Body
from .capabilities import Capabilities
from .errors import ClientDisconnected, InvalidHeader, InvalidStatus, WebSocketClosed, WSGINGError
from .files import file_response
from .headers import Headers, MutableHeaders
from .priority import Priority
from .request import Request
from .response import FileResponse, Response
from .tls import ClientCertificate, TLSInfo
from .websocket import AsyncWebSocket, WebSocket, WebSocketOffer, WebSocketResponse

__all__ = [
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
    "file_response",
]
