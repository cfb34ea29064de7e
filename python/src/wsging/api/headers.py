"""Header collections: the raw byte pairs as they travelled, behind a case-insensitive view.

Names are never mangled (W8): `X_Forwarded_For` and `X-Forwarded-For` are different names, and
lookups only fold ASCII case (RFC 9110 section 5.1). Strings are decoded as latin-1, the only
lossless mapping of header octets, and only when asked for.
"""

from __future__ import annotations

from typing import (
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

__all__ = ["Headers", "MutableHeaders", "HeadersInput", "RawHeaders"]

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


def header_value(value: _Text, name: _Text = "") -> bytes:
    """`value` as bytes, or InvalidHeader when it holds CR, LF or NUL (RFC 9110 section 5.5)."""
    if isinstance(value, str):
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidHeader(
                f"value of header {name!r} is not latin-1; encode it to bytes yourself"
            ) from None
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    else:
        raise InvalidHeader(
            f"value of header {name!r} must be str or bytes, not {type(value).__name__}"
        )
    if b"\r" in raw or b"\n" in raw or b"\0" in raw:
        raise InvalidHeader(f"value of header {name!r} contains CR, LF or NUL")
    return raw


def _key(name: str) -> Optional[bytes]:
    try:
        return name.encode("latin-1").lower()
    except UnicodeEncodeError:
        return None


class Headers:
    """A read-only, case-insensitive view over raw (name, value) byte pairs, order and
    duplicates kept."""

    __slots__ = ("_raw", "_index")

    def __init__(self, raw: Iterable[Tuple[bytes, bytes]] = ()) -> None:
        self._raw: RawHeaders = raw if type(raw) is list else list(raw)
        self._index: Optional[Dict[bytes, List[bytes]]] = None

    @property
    def raw(self) -> Sequence[Tuple[bytes, bytes]]:
        """The pairs exactly as received or given (do not modify)."""
        return self._raw

    def _lookup(self) -> Dict[bytes, List[bytes]]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self._raw:
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
        return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in self._raw]

    def keys(self) -> List[str]:
        return [n.decode("latin-1") for n, _ in self._raw]

    def values(self) -> List[str]:
        return [v.decode("latin-1") for _, v in self._raw]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
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

    __slots__ = ()

    def __init__(self, headers: Optional[HeadersInput] = None) -> None:
        super().__init__()
        if headers is None:
            return
        if isinstance(headers, Headers):
            pairs: Iterable[Tuple[_Text, _Text]] = headers.raw
        elif isinstance(headers, Mapping):
            pairs = headers.items()
        else:
            pairs = headers
        raw = self._raw
        for pair in pairs:
            try:
                name, value = pair
            except (TypeError, ValueError):
                raise InvalidHeader(f"headers must be (name, value) pairs, got {pair!r}") from None
            raw.append((header_name(name), header_value(value, name)))

    @classmethod
    def _new(cls) -> "MutableHeaders":
        """An empty instance, without the argument handling of __init__ (the Response path)."""
        headers = cls.__new__(cls)
        headers._raw = []
        headers._index = None
        return headers

    def _append_valid(self, name: bytes, value: bytes) -> None:
        """Append a pair already known to be valid (the fast path of Response)."""
        self._raw.append((name, value))
        self._index = None

    def add(self, name: _Text, value: _Text) -> None:
        """Append a pair, keeping existing ones with the same name."""
        self._raw.append((header_name(name), header_value(value, name)))
        self._index = None

    def set(self, name: _Text, value: _Text) -> None:
        """Replace every pair named `name` with one, at the place of the first."""
        raw_name = header_name(name)
        raw_value = header_value(value, name)
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
        return value.decode("latin-1") if isinstance(value, bytes) else value
