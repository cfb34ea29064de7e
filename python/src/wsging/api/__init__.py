"""The WSGI-NG application API: Request in, Response out."""

from .body import Body
from .capabilities import Capabilities
from .errors import ClientDisconnected, InvalidHeader, InvalidStatus, WSGINGError
from .files import file_response
from .headers import Headers, MutableHeaders
from .priority import Priority
from .request import Request
from .response import FileResponse, Response

__all__ = [
    "Body",
    "Capabilities",
    "ClientDisconnected",
    "FileResponse",
    "Headers",
    "InvalidHeader",
    "InvalidStatus",
    "MutableHeaders",
    "Priority",
    "Request",
    "Response",
    "WSGINGError",
    "file_response",
]
