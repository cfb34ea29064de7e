"""What the connection of a request supports (spec A.6), as `request.capabilities`."""

from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

__all__ = ["Capabilities"]

RESPONSE_TRAILERS = 0x01
EARLY_HINTS = 0x02
PUSH = 0x04
WEBSOCKET = 0x08
REQUEST_TRAILERS = 0x10

_NAMED_BITS: Tuple[Tuple[str, int], ...] = (
    ("response_trailers", RESPONSE_TRAILERS),
    ("early_hints", EARLY_HINTS),
    ("push", PUSH),
    ("websocket", WEBSOCKET),
    ("request_trailers", REQUEST_TRAILERS),
)
_BITS_BY_NAME: Dict[str, int] = dict(_NAMED_BITS)
_BIT_NAMES: FrozenSet[str] = frozenset(_BITS_BY_NAME)


class Capabilities:
    """Immutable set of features; `"name" in caps` works for the named ones and extensions (N1)."""

    __slots__ = ("_bits", "_names")

    _cache: Dict[int, "Capabilities"] = {}

    def __init__(self, bits: int = 0, extensions: FrozenSet[str] = frozenset()) -> None:
        self._bits = bits
        names = {name for name, bit in _NAMED_BITS if bits & bit}
        self._names: FrozenSet[str] = frozenset(names) | extensions

    @classmethod
    def from_bits(cls, bits: int) -> "Capabilities":
        """Shared instance for a capability word (only a few combinations ever occur)."""
        caps = cls._cache.get(bits)
        if caps is None:
            caps = cls._cache[bits] = cls(bits)
        return caps

    @property
    def bits(self) -> int:
        return self._bits

    @property
    def response_trailers(self) -> bool:
        return bool(self._bits & RESPONSE_TRAILERS)

    @property
    def early_hints(self) -> bool:
        return bool(self._bits & EARLY_HINTS)

    @property
    def push(self) -> bool:
        return bool(self._bits & PUSH)

    @property
    def websocket(self) -> bool:
        return bool(self._bits & WEBSOCKET)

    @property
    def request_trailers(self) -> bool:
        return bool(self._bits & REQUEST_TRAILERS)

    @property
    def extensions(self) -> FrozenSet[str]:
        """The extension names (13.1) of this set, without the named capabilities."""
        return self._names - _BIT_NAMES

    def without(self, *names: str) -> "Capabilities":
        """A copy with the given capabilities cleared, named ones ("push") and extension names
        alike; the rest is kept. What a middleware passes down to hide a feature (10.1)."""
        bits = self._bits
        for name in names:
            bits &= ~_BITS_BY_NAME.get(name, 0)
        extensions = self.extensions.difference(names)
        if not extensions:
            return Capabilities.from_bits(bits)
        return Capabilities(bits, extensions)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Capabilities) and self._names == other._names

    def __hash__(self) -> int:
        return hash(self._names)

    def __repr__(self) -> str:
        return f"Capabilities({', '.join(sorted(self._names))})"
