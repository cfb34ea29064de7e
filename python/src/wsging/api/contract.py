"""The application-facing objects of WSGI-NG as structural types (spec 7.8).

An application written against these protocols runs on any host that implements the
specification, whether or not that host is this package: it must not assume that the request
it gets is a `wsging.Request`, nor that the host knows the `wsging.Response` class of the copy
of this package it imported. A response is any object with the attributes of `ResponseLike`;
`wsging.Response` and `wsging.FileResponse` are one convenient implementation of it.

`SPEC_VERSION` is the version of the contract this copy of the package implements. The host's
version is the one that counts: `request.spec_version` (spec 7.8.3).
"""

from __future__ import annotations

from typing import (
    Any,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
    runtime_checkable,
)

__all__ = [
    "SPEC_VERSION",
    "BodyLike",
    "CapabilitiesLike",
    "FieldPairs",
    "HeaderItems",
    "HeadersLike",
    "RequestLike",
    "ResponseBodyLike",
    "ResponseLike",
    "TrailersLike",
]

# (major, minor): a host and an application agree when the majors are equal; a minor version
# only adds optional members, so an application checks `request.spec_version >= (1, n)` before
# it uses something version 1.n added.
SPEC_VERSION: Tuple[int, int] = (1, 0)

_Text = Union[str, bytes]
# Header fields as an application gives them: (name, value) pairs, str (ASCII names, latin-1
# values) or bytes.
FieldPairs = Iterable[Tuple[_Text, _Text]]


@runtime_checkable
class HeaderItems(Protocol):
    """A mapping or multi-dict: anything whose items() gives the (name, value) pairs."""

    def items(self) -> Iterable[Tuple[_Text, _Text]]: ...


# What `headers` and `trailers` may be: pairs, or an object with items().
HeadersInputLike = Union[FieldPairs, HeaderItems]
TrailersLike = Union[None, HeadersInputLike, Callable[[], HeadersInputLike]]
# A response body: bytes-like, str (UTF-8), an iterable or async iterable of bytes/str chunks,
# or a binary file object (has read()).
ResponseBodyLike = Union[
    bytes, bytearray, memoryview, str, Iterable[_Text], AsyncIterable[_Text], Any
]


@runtime_checkable
class ResponseLike(Protocol):
    """What an application returns (spec 7.8.1). Optional attributes a host looks for with
    getattr(): `trailers` (None, pairs or mapping, or a zero-argument callable returning one,
    called after the last body chunk) and, for a body read from a file a host may send by
    itself, `file_path` (absolute, bytes or str), `file_offset` (int) and `file_length`
    (int, or None for "to the end")."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> HeadersInputLike: ...

    @property
    def body(self) -> ResponseBodyLike: ...


@runtime_checkable
class HeadersLike(Protocol):
    """Request headers as a host hands them over (spec 5.2): raw byte pairs behind a
    case-insensitive, multi-valued view. Names are looked up as str."""

    @property
    def raw(self) -> Sequence[Tuple[bytes, bytes]]: ...

    def get(self, name: str, default: Any = None) -> Any: ...

    def get_all(self, name: str) -> List[str]: ...

    def items(self) -> List[Tuple[str, str]]: ...

    def keys(self) -> List[str]: ...

    def values(self) -> List[str]: ...

    def __getitem__(self, name: str) -> str: ...

    def __contains__(self, name: object) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...

    def __len__(self) -> int: ...


@runtime_checkable
class BodyLike(Protocol):
    """A request body (spec 6.1): sync reads in a thread, async reads on the event loop."""

    def read(self, size: int = -1) -> bytes: ...

    def readline(self, limit: int = -1) -> bytes: ...

    async def aread(self, size: int = -1) -> bytes: ...

    async def areadline(self, limit: int = -1) -> bytes: ...

    def __iter__(self) -> Iterator[bytes]: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    @property
    def trailers(self) -> Optional[HeadersLike]: ...


@runtime_checkable
class CapabilitiesLike(Protocol):
    """What the request's connection supports (spec 10.1)."""

    @property
    def response_trailers(self) -> bool: ...

    @property
    def early_hints(self) -> bool: ...

    @property
    def push(self) -> bool: ...

    @property
    def websocket(self) -> bool: ...

    @property
    def request_trailers(self) -> bool: ...


@runtime_checkable
class RequestLike(Protocol):
    """What a host hands the application (spec 5.1)."""

    @property
    def spec_version(self) -> Tuple[int, int]: ...

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def raw_path(self) -> bytes: ...

    @property
    def root_path(self) -> str: ...

    @property
    def state(self) -> Dict[str, Any]: ...

    @property
    def query_string(self) -> bytes: ...

    @property
    def scheme(self) -> str: ...

    @property
    def http_version(self) -> str: ...

    @property
    def client(self) -> Optional[Tuple[str, int]]: ...

    @property
    def server(self) -> Optional[Tuple[str, int]]: ...

    @property
    def headers(self) -> HeadersLike: ...

    @property
    def content_length(self) -> Optional[int]: ...

    @property
    def body(self) -> BodyLike: ...

    @property
    def capabilities(self) -> CapabilitiesLike: ...

    @property
    def websocket(self) -> Any:
        """The WebSocket offer (spec 9.1), or None for a request that is not one."""

    @property
    def disconnected(self) -> bool: ...

    async def wait_disconnected(self) -> bool: ...

    def send_informational(self, status: int, headers: Optional[HeadersInputLike] = None) -> bool: ...

    async def asend_informational(
        self, status: int, headers: Optional[HeadersInputLike] = None
    ) -> bool: ...

    def on_complete(self, callback: Callable[[str], Any]) -> None: ...
