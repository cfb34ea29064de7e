"""Header collections: the raw byte pairs as they travelled, behind a case-insensitive view.

Names are never mangled (W8): `X_Forwarded_For` and `X-Forwarded-For` are different names, and
lookups only fold ASCII case (RFC 9110 section 5.1). Strings are decoded as latin-1, the only
lossless mapping of header octets, and only when asked for.
"""

from __future__ import annotations

from operator import attrgetter as _attrgetter
from typing import (
    TYPE_CHECKING,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from .errors import InvalidHeader

__all__ = ["Headers", "MutableHeaders", "HeadersInput", "RawHeaders", "content_length_value"]

RawHeaders = List[Tuple[bytes, bytes]]
_Text = Union[str, bytes]
HeadersInput = Union["Headers", Mapping[str, str], Iterable[Tuple[_Text, _Text]]]
_D = TypeVar("_D")

# RFC 9110 section 5.6.2: token = 1*tchar.
_TCHAR = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def header_name(name: _Text) -> bytes:
    """`name` as bytes, or InvalidHeader when it is not an HTTP token."""
    if isinstance(name, str):
        try:
            raw = name.encode("ascii")
        except UnicodeEncodeError:
            raise InvalidHeader(f"header name {name!r} is not an HTTP token") from None
    elif isinstance(name, (bytes, bytearray)):
        raw = bytes(name)
    else:
        raise InvalidHeader(f"header name must be str or bytes, not {type(name).__name__}")
    if not raw or raw.translate(None, _TCHAR):
        raise InvalidHeader(f"header name {name!r} is not an HTTP token")
    return raw


# RFC 9110 section 5.5: field-vchar is VCHAR or obs-text, with SP and HTAB allowed inside; so
# every control character but HTAB (0x00-0x08, 0x0A-0x1F) and DEL (0x7F) is refused.
_CTL = bytes(range(0x00, 0x09)) + bytes(range(0x0A, 0x20)) + b"\x7f"
# Optional whitespace around a value is not part of it (RFC 9110 section 5.5): it is removed.
_OWS = b" \t"


def header_value(value: _Text, name: _Text = "") -> bytes:
    """`value` as bytes without the optional whitespace around it (RFC 9110 section 5.5), or
    InvalidHeader when it holds a control character other than HTAB (CR, LF, NUL, DEL...).
    spec/header-vectors.json lists the cases, which the front end checks the same way."""
    if isinstance(value, str):
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidHeader(
                f"value of header {_shown(name)} is not latin-1; encode it to bytes yourself"
            ) from None
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    else:
        raise InvalidHeader(
            f"value of header {_shown(name)} must be str or bytes, not {type(value).__name__}"
        )
    if len(raw.translate(None, _CTL)) != len(raw):
        raise InvalidHeader(
            f"value of header {_shown(name)} contains a control character "
            f"(CR, LF, NUL or another, RFC 9110 section 5.5): {raw!r}"
        )
    # bytes.strip returns the object itself when there is nothing to remove.
    return raw.strip(_OWS)


def _shown(name: _Text) -> str:
    if isinstance(name, (bytes, bytearray)):
        return repr(bytes(name).decode("latin-1"))
    return repr(name)


_CONTENT_LENGTH = b"content-length"


def content_length_value(raw: bytes) -> int:
    """A Content-Length value as an int, or InvalidHeader unless it is one non-negative decimal
    integer (RFC 9110 section 8.6: 1*DIGIT; a list such as "5, 5" is refused, as a sender must
    not send one)."""
    # At most 19 digits and below 2**63: what a front end holds in a signed 64-bit integer.
    if not raw or not raw.isdigit() or len(raw) > 19 or int(raw) >= 1 << 63:
        raise InvalidHeader(
            f"content-length must be one non-negative integer, got {raw.decode('latin-1')!r}"
        )
    return int(raw)


def _checked_pair(name: _Text, value: _Text) -> Tuple[bytes, bytes]:
    raw_name = header_name(name)
    raw_value = header_value(value, name)
    if len(raw_name) == 14 and raw_name.lower() == _CONTENT_LENGTH:
        content_length_value(raw_value)
    return raw_name, raw_value


def _key(name: str) -> Optional[bytes]:
    if type(name) is not str and not isinstance(name, str):
        raise TypeError(
            f"header names are looked up as str, not {type(name).__name__} "
            "(decode a bytes name as latin-1, or search headers.raw)"
        )
    try:
        return name.encode("latin-1").lower()
    except UnicodeEncodeError:
        return None


def _not_raw(pair: object) -> TypeError:
    return TypeError(
        f"Headers holds (bytes, bytes) pairs as they travelled, got {pair!r}; "
        "build headers from str with MutableHeaders"
    )


class Headers:
    """A read-only, case-insensitive view over raw (name, value) byte pairs, order and
    duplicates kept."""

    __slots__ = ("_raw", "_index")

    def __init__(self, raw: Iterable[Tuple[bytes, bytes]] = ()) -> None:
        self._raw: RawHeaders = raw if type(raw) is list else list(raw)
        self._index: Optional[Dict[bytes, List[bytes]]] = None

    if TYPE_CHECKING:

        @property
        def raw(self) -> Sequence[Tuple[bytes, bytes]]: ...

    else:
        # Read by the worker for every response: a getter in C.
        raw = property(
            _attrgetter("_raw"), doc="The pairs exactly as received or given (do not modify)."
        )

    def _lookup(self) -> Dict[bytes, List[bytes]]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self._raw:
                if type(name) is not bytes or type(value) is not bytes:
                    raise _not_raw((name, value))
                key = name.lower()
                values = index.get(key)
                if values is None:
                    index[key] = [value]
                else:
                    values.append(value)
            self._index = index
        return index

    @overload
    def get(self, name: str) -> Optional[str]: ...

    @overload
    def get(self, name: str, default: _D) -> Union[str, _D]: ...

    def get(self, name: str, default: object = None) -> object:
        """The first value of `name`, or `default`."""
        key = _key(name)
        values = self._lookup().get(key) if key is not None else None
        return values[0].decode("latin-1") if values else default

    def __getitem__(self, name: str) -> str:
        key = _key(name)
        values = self._lookup().get(key) if key is not None else None
        if not values:
            raise KeyError(name)
        return values[0].decode("latin-1")

    def get_all(self, name: str) -> List[str]:
        """Every value of `name`, in order."""
        key = _key(name)
        values = self._lookup().get(key, ()) if key is not None else ()
        return [v.decode("latin-1") for v in values]

    def items(self) -> List[Tuple[str, str]]:
        try:
            return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in self._raw]
        except AttributeError:
            raise self._bad_pair() from None

    def keys(self) -> List[str]:
        try:
            return [n.decode("latin-1") for n, _ in self._raw]
        except AttributeError:
            raise self._bad_pair() from None

    def values(self) -> List[str]:
        try:
            return [v.decode("latin-1") for _, v in self._raw]
        except AttributeError:
            raise self._bad_pair() from None

    def _bad_pair(self) -> TypeError:
        for pair in self._raw:
            if type(pair[0]) is not bytes or type(pair[1]) is not bytes:
                return _not_raw(pair)
        return _not_raw(self._raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            if isinstance(name, (bytes, bytearray)):
                _key(name)  # type: ignore[arg-type]  # raises the TypeError that explains
            return False
        key = _key(name)
        return key is not None and key in self._lookup()

    def __len__(self) -> int:
        return len(self._raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._raw == other._raw

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.items()!r})"


class MutableHeaders(Headers):
    """Headers an application builds; every name and value is validated when it is set (W12)."""

    # The length of the in-memory body of the Response these headers belong to, or None: a
    # content-length set later must agree with it, or the client would get a body cut short.
    __slots__ = ("_bound",)

    def __init__(self, headers: Optional[HeadersInput] = None) -> None:
        super().__init__()
        self._bound: Optional[int] = None
        if headers is None:
            return
        if isinstance(headers, Headers):
            pairs: Iterable[Tuple[_Text, _Text]] = headers.raw
        elif isinstance(headers, Mapping) or hasattr(headers, "items"):
            # A mapping, or any multi-dict with items() (Werkzeug's, Django's): its pairs.
            pairs = headers.items()
        else:
            pairs = headers
        raw = self._raw
        for pair in pairs:
            try:
                name, value = pair
            except (TypeError, ValueError):
                raise InvalidHeader(f"headers must be (name, value) pairs, got {pair!r}") from None
            raw.append(_checked_pair(name, value))

    @classmethod
    def _new(cls) -> "MutableHeaders":
        """An empty instance, without the argument handling of __init__ (the Response path)."""
        headers = cls.__new__(cls)
        headers._raw = []
        headers._index = None
        headers._bound = None
        return headers

    def _append_valid(self, name: bytes, value: bytes) -> None:
        """Append a pair already known to be valid (the fast path of Response)."""
        self._raw.append((name, value))
        self._index = None

    def add(self, name: _Text, value: _Text) -> None:
        """Append a pair, keeping existing ones with the same name."""
        pair = _checked_pair(name, value)
        if self._bound is not None:
            self._check_bound(pair)
        self._raw.append(pair)
        self._index = None

    def _check_bound(self, pair: Tuple[bytes, bytes]) -> None:
        name, value = pair
        if len(name) == 14 and name.lower() == _CONTENT_LENGTH and int(value) != self._bound:
            raise InvalidHeader(
                f"content-length {int(value)} contradicts the {self._bound}-byte body of the "
                "response these headers belong to"
            )

    def set(self, name: _Text, value: _Text) -> None:
        """Replace every pair named `name` with one, at the place of the first."""
        raw_name, raw_value = _checked_pair(name, value)
        if self._bound is not None:
            self._check_bound((raw_name, raw_value))
        key = raw_name.lower()
        kept: RawHeaders = []
        placed = False
        for pair in self._raw:
            if pair[0].lower() == key:
                if not placed:
                    kept.append((raw_name, raw_value))
                    placed = True
            else:
                kept.append(pair)
        if not placed:
            kept.append((raw_name, raw_value))
        self._raw = kept
        self._index = None

    def __setitem__(self, name: _Text, value: _Text) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        key = _key(name)
        kept = [pair for pair in self._raw if pair[0].lower() != key]
        if len(kept) == len(self._raw):
            raise KeyError(name)
        self._raw = kept
        self._index = None

    def setdefault(self, name: str, value: _Text) -> str:
        """The first value of `name`, after adding `value` when there was none."""
        current = self.get(name)
        if current is not None:
            return current
        self.add(name, value)
        return self._raw[-1][1].decode("latin-1")  # as stored: without surrounding whitespace
