"""The optional `"push"` extension (spec 8.5): `request.extensions["push"]`.

`Push` checks what the application asks for where it asks (spec 7.2) and hands it to its
host's `PushChannel`; the reference worker's channel sends it over the link and waits for the
front end's answer (`wsging.worker.pushes`).
"""

from __future__ import annotations

from typing import Optional, Protocol

from .errors import InvalidHeader
from .headers import HeadersInput, MutableHeaders, RawHeaders

__all__ = ["Push", "PushChannel", "push_path", "push_headers"]

# RFC 9113 §8.2.2: connection-specific fields never travel in HTTP/2 (or HTTP/3) requests; `te`
# only as "trailers", which a GET without a body has no use for. `host` is the parent's
# authority, given by the server (8.5); a body framing field describes a body a push has not.
_REFUSED = frozenset(
    (
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"upgrade",
        b"te",
        b"host",
        b"content-length",
    )
)
_MAX_PATH = 65535  # what the worker link carries (A.2 str16)


class PushChannel(Protocol):
    """What a host provides behind the extension: checked values in, the server's answer out."""

    def push(self, path: bytes, headers: RawHeaders) -> bool: ...

    async def apush(self, path: bytes, headers: RawHeaders) -> bool: ...


def push_path(path: object) -> bytes:
    """`path` as the bytes of an origin-form target ("/a.css?v=3"), or ValueError: a `str`
    that starts with "/" and holds only visible ASCII (no space, CR, LF, NUL or other control
    character; percent-encode anything else), and no fragment."""
    if not isinstance(path, str):
        raise TypeError(f"push path must be a str, not {type(path).__name__}")
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"push path must be origin-form, starting with one '/': {path!r}")
    if not all("!" <= c <= "~" for c in path) or "#" in path:
        raise ValueError(
            f"push path {path!r} holds a character a request target cannot carry (space,"
            " control, non-ASCII or '#'): percent-encode it"
        )
    if len(path) > _MAX_PATH:
        raise ValueError(f"push path of {len(path)} characters is longer than {_MAX_PATH}")
    return path.encode("ascii")


def push_headers(headers: Optional[HeadersInput]) -> RawHeaders:
    """Request fields for the promised request, checked as response fields are (7.2,
    InvalidHeader), without pseudo-fields and connection-specific ones."""
    checked = MutableHeaders(headers)
    raw = list(checked.raw)
    for name, _ in raw:
        lower = name.lower()
        if lower in _REFUSED:
            raise InvalidHeader(
                f"header {name.decode('latin-1')!r} cannot be given for a push: the server"
                " sets it or the pushed request cannot carry it"
            )
    return raw


class Push:
    """The extension object: `push(path, *, headers=None) -> bool` blocks the calling thread
    until the server answers; `await apush(...)` is its async form. False when the push cannot
    happen or the server declines it (the request's response is complete, the client disabled
    push or left, a limit is reached); True once the server promised it to the client."""

    __slots__ = ("_channel",)

    def __init__(self, channel: PushChannel) -> None:
        self._channel = channel

    def push(self, path: str, *, headers: Optional[HeadersInput] = None) -> bool:
        return self._channel.push(push_path(path), push_headers(headers))

    async def apush(self, path: str, *, headers: Optional[HeadersInput] = None) -> bool:
        return await self._channel.apush(push_path(path), push_headers(headers))

    def __repr__(self) -> str:
        return "<wsging push extension>"
