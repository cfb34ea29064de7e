"""The shapes PEP 3333 gives a WSGI application, as types (wsgiref.types is Python 3.11+)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Type, Union

__all__ = [
    "Environ",
    "ExcInfo",
    "HOP_BY_HOP",
    "ResponseHeaders",
    "StartResponse",
    "WSGIApplication",
    "Write",
]

Environ = Dict[str, Any]
ResponseHeaders = List[Tuple[str, str]]
ExcInfo = Union[
    Tuple[Type[BaseException], BaseException, Optional[TracebackType]],
    Tuple[None, None, None],
]
Write = Callable[[bytes], Any]
StartResponse = Callable[..., Write]
WSGIApplication = Callable[[Environ, StartResponse], Iterable[bytes]]

# PEP 3333 forbids applications to send these (the server owns the connection).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
