"""wsging: the WSGI-NG application API, worker runtime and test client."""

from .api import (
    Body,
    Capabilities,
    ClientDisconnected,
    FileResponse,
    Headers,
    InvalidHeader,
    InvalidStatus,
    MutableHeaders,
    Request,
    Response,
    WSGINGError,
    file_response,
)
from . import errors

__version__ = "0.1.0"

__all__ = [
    "Body",
    "Capabilities",
    "ClientDisconnected",
    "FileResponse",
    "Headers",
    "InvalidHeader",
    "InvalidStatus",
    "MutableHeaders",
    "Request",
    "Response",
    "WSGINGError",
    "errors",
    "file_response",
]
