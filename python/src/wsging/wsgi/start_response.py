"""`start_response` and `write()` for one call of a WSGI application (PEP 3333), as
`from_wsgi` gives them: the head is validated where the application gives it, so a bad status
or header raises in the application's own code, as a WSGI-NG Response would (W12)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..api.errors import InvalidHeader, InvalidStatus
from ..api.headers import MutableHeaders, RawHeaders, header_name, header_value
from .pep3333 import ExcInfo, ResponseHeaders

__all__ = ["StartResponse"]

# "200 OK" -> 200, for the statuses applications actually send.
_STATUSES: Dict[str, int] = {}
# The application's (name, value) pairs -> (raw pair, its length when it is content-length,
# else -1). Cleared when full, so the pairs an application sends on every response stay in.
_PAIRS: Dict[Any, Tuple[Tuple[bytes, bytes], int]] = {}
_CACHE_MAX = 1024


def _status(status: str) -> int:
    code = _STATUSES.get(status)
    if code is None:
        if (
            type(status) is not str
            or len(status) < 3
            or not status[:3].isdigit()
            or not status[:3].isascii()
            or (len(status) > 3 and status[3] != " ")
            or any(c in status for c in "\r\n\0")
        ):
            raise InvalidStatus(f"a WSGI status is 'NNN reason', got {status!r}")
        code = int(status[:3])
        if not 200 <= code <= 599:
            raise InvalidStatus(f"status must be in 200..599, got {status!r}")
        if len(_STATUSES) < _CACHE_MAX:
            _STATUSES[status] = code
    return code


def _pair(pair: Any) -> Tuple[Tuple[bytes, bytes], int]:
    try:
        name, value = pair
    except (TypeError, ValueError):
        raise InvalidHeader(f"WSGI headers are (name, value) pairs, got {pair!r}") from None
    if type(name) is not str or type(value) is not str:
        # PEP 3333: native strings; bytes would be a Python 2 habit that hides mistakes.
        raise InvalidHeader(f"WSGI header names and values must be str, got {pair!r}")
    raw = (header_name(name), header_value(value, name))
    length = -1
    if raw[0].lower() == b"content-length":
        if not raw[1].isdigit():
            raise InvalidHeader(f"content-length must be a decimal number, got {value!r}")
        length = int(raw[1])
    entry = (raw, length)
    if type(pair) is tuple:
        if len(_PAIRS) >= _CACHE_MAX:
            _PAIRS.clear()
        _PAIRS[pair] = entry
    return entry


class StartResponse:
    """One call's head. The application gets `start_response` (a bound method costs less to
    call than an instance's __call__).

    `status` is 0 until it is called. `raw` holds the headers but content-length, which is
    kept apart (`length_pair`, `declared`: the length, or -1) because it decides how the body
    is sent. `sent` becomes True once the head is handed to the server: from then on, exc_info
    is raised again as PEP 3333 requires. Data given to `write()` waits in `written`."""

    __slots__ = ("status", "raw", "declared", "length_pair", "written", "sent")

    def __init__(self) -> None:
        self.status = 0
        self.written: Optional[List[bytes]] = None
        self.sent = False

    def start_response(
        self, status: str, headers: ResponseHeaders, exc_info: Optional[ExcInfo] = None
    ) -> Any:
        if exc_info is not None and exc_info[1] is not None:
            if self.sent or self.written:
                # PEP 3333: the head is out, the error can only end the response.
                raise exc_info[1].with_traceback(exc_info[2])
        elif self.status:
            raise RuntimeError("start_response() called again without exc_info (PEP 3333)")
        code = _STATUSES.get(status) or _status(status)
        if type(headers) is not list:
            raise InvalidHeader(
                f"WSGI response headers must be a list, not {type(headers).__name__}"
            )
        raw: RawHeaders = []
        declared = -1
        pairs = _PAIRS
        for pair in headers:
            try:
                entry = pairs[pair]
            except (KeyError, TypeError):  # not seen yet, or unhashable (a list)
                entry = _pair(pair)
            if entry[1] < 0:
                raw.append(entry[0])
            else:
                declared = entry[1]
                self.length_pair = entry[0]
        self.status = code
        self.raw = raw
        self.declared = declared
        return self.write

    def write(self, data: bytes) -> None:
        """PEP 3333's imperative write: the data is sent before the iterable's data."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"write() takes bytes, not {type(data).__name__}")
        if data:
            if self.written is None:
                self.written = []
            self.written.append(bytes(data))

    def headers(self) -> MutableHeaders:
        """The validated pairs as a Response's headers, content-length last, not checked again."""
        raw = self.raw if self.declared < 0 else self.raw + [self.length_pair]
        headers = MutableHeaders._new()
        headers._raw = raw
        return headers
