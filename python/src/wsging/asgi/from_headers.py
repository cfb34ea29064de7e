"""The response headers an ASGI application sends, validated once per distinct pair.

ASGI headers are (name, value) byte pairs already, and an application sends the same few on
every response (its content-type, the length of a fixed body, its server or cache fields):
each distinct pair is checked the first time (W12: token names, no control characters in
values, a content-length that is one integer) and then taken from a table, so a response
costs one lookup per field. The table is bounded: past its size, new pairs are checked each
time (a set-cookie that differs per request never fills it for the others).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Tuple

from ..api.errors import InvalidHeader
from ..api.headers import MutableHeaders, RawHeaders, _checked_pair

__all__ = ["response_headers", "NO_LENGTH", "LENGTHS"]

NO_LENGTH = -1  # no content-length field
LENGTHS = -2  # more than one: Response() refuses them with its own error

# By the pair as sent: the validated pair, and whether it is a content-length.
_CHECKED: Dict[Any, Tuple[Tuple[bytes, bytes], bool]] = {}
_CHECKED_MAX = 1024

_new_object = object.__new__


def _check(pair: Any) -> Tuple[Tuple[bytes, bytes], bool]:
    try:
        name, value = pair
    except (TypeError, ValueError):
        raise InvalidHeader(f"headers must be (name, value) pairs, got {pair!r}") from None
    valid = _checked_pair(name, value)
    entry = (valid, len(valid[0]) == 14 and valid[0].lower() == b"content-length")
    if type(pair) is tuple and type(name) is bytes and type(value) is bytes:
        if len(_CHECKED) < _CHECKED_MAX:
            _CHECKED[pair] = entry
    return entry


def response_headers(headers: Iterable[Any]) -> Tuple[MutableHeaders, int]:
    """The validated headers, and the index of their content-length field (NO_LENGTH, or
    LENGTHS when there are several)."""
    raw: RawHeaders = []
    length_at = NO_LENGTH
    checked = _CHECKED
    for pair in headers:
        try:
            entry = checked.get(pair)
        except TypeError:  # an unhashable pair, such as a list
            entry = None
        if entry is None:
            entry = _check(pair)
        if entry[1]:
            length_at = len(raw) if length_at == NO_LENGTH else LENGTHS
        raw.append(entry[0])
    result: MutableHeaders = _new_object(MutableHeaders)
    result._raw = raw
    result._index = None
    result._bound = None
    return result, length_at
