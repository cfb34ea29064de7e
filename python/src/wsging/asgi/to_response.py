"""A WSGI-NG response sent as ASGI events (spec 15.4): `http.response.start` as soon as the
application returns (7.3), the body pulled only after the host took the previous chunk
(`await send`, its backpressure: 7.4), trailers through `http.response.trailers`, and files
through `http.response.zerocopysend` or `http.response.pathsend` when the host declares them.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, Mapping, Optional, Tuple

from ..api.errors import InvalidHeader
from ..api.headers import RawHeaders, content_length_value, header_name, header_value
from ..api.response import (
    KIND_AITER,
    KIND_BYTES,
    KIND_CHUNKS,
    KIND_FILE,
    Response,
    as_bytes,
    body_kind,
    file_chunks,
    resolve_trailers,
)
from .to_call import Caller
from .to_departure import Departure

__all__ = ["ClientGone", "ResponseWriter", "head_fields", "INTERNAL_ERROR_BODY"]

logger = logging.getLogger("wsging.asgi")

Send = Callable[[Any], Awaitable[None]]

FILE_CHUNK = 64 * 1024
INTERNAL_ERROR_BODY = b"Internal Server Error\n"
_END = object()

# The server owns framing and the connection (spec 7.3, MUST-RESP-5): these never pass, but an
# application's `connection: close` on HTTP/1.x, which asks the server to close after it.
_CONNECTION_FIELDS = frozenset(
    (b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade")
)


class ClientGone(Exception):
    """The client left while the response was sent (a host's send raised OSError, or
    `http.disconnect` arrived): the body is not pulled again (MUST-DISC-4)."""


def head_fields(raw: Iterable[Tuple[bytes, bytes]], http_version: str) -> RawHeaders:
    """The response fields to send, names lower-case as ASGI asks, checked again: a field an
    application changed past the API's checks (`headers.raw` mutated) raises InvalidHeader,
    a 500 (MUST-RESP-3)."""
    fields: RawHeaders = []
    http1 = http_version in ("1.0", "1.1")
    for name, value in raw:
        if header_name(name) != name or header_value(value, name) != value:
            raise InvalidHeader(f"header {name!r}: {value!r} was changed past its checks")
        lower = name.lower()
        if lower in _CONNECTION_FIELDS and not (http1 and lower == b"connection"):
            continue
        fields.append((lower, value))
    return fields


def _declared_length(fields: RawHeaders) -> Optional[int]:
    for name, value in fields:
        if name == b"content-length":
            return content_length_value(value)
    return None


class ResponseWriter:
    """Sends one response. `failed` tells, after an error, whether the head was out."""

    __slots__ = ("_send", "_inbox", "_caller", "_method", "_http_version", "_extensions",
                 "_trailers_ok", "head_sent", "_on_head", "_prefix")

    def __init__(
        self,
        send: Send,
        inbox: Departure,
        caller: Caller,
        *,
        method: str,
        http_version: str,
        extensions: Mapping[str, Any],
        trailers_ok: bool,
        on_head: Callable[[], None],
        prefix: str = "http.response",
    ) -> None:
        self._send = send
        self._inbox = inbox
        self._caller = caller
        self._method = method
        self._http_version = http_version
        self._extensions = extensions
        self._trailers_ok = trailers_ok  # capabilities.response_trailers
        self._on_head = on_head
        self.head_sent = False
        self._prefix = prefix  # "websocket.http.response" for a refused WebSocket offer

    async def _emit(self, message: Any) -> None:
        if self._inbox.disconnected:
            raise ClientGone("the client left")
        try:
            await self._send(message)
        except OSError as exc:  # ASGI 2.4: send on a closed connection raises an OSError
            raise ClientGone(str(exc)) from None

    async def send_internal_error(self) -> None:
        """A 500 before the head (spec 11.3): no traceback, no application data."""
        await self._start(
            500,
            [(b"content-type", b"text/plain; charset=utf-8"),
             (b"content-length", b"%d" % len(INTERNAL_ERROR_BODY))],
            False,
        )
        await self._emit({"type": self._prefix + ".body", "body": INTERNAL_ERROR_BODY})

    async def _start(self, status: int, fields: RawHeaders, trailers: bool) -> None:
        message: Dict[str, Any] = {"type": self._prefix + ".start", "status": status, "headers": fields}
        if trailers:
            message["trailers"] = True
        self.head_sent = True
        self._on_head()
        await self._emit(message)

    async def discard(self, response: Response) -> None:
        """The client left before the head (spec 11.2): the body is closed without being
        pulled, a trailers callable still called."""
        await self._close(response.body, body_kind(response.body))
        if callable(response.trailers):
            await self._caller.threaded(resolve_trailers, response.trailers)

    async def send(self, response: Response) -> None:
        """Head, body and trailers. ClientGone when the client left; any other exception after
        the head is the application's (its body or trailers raised): the response is cut."""
        body: Any = response.body
        kind = body_kind(body)
        try:
            fields = head_fields(response.headers.raw, self._http_version)
            declared = _declared_length(fields)
            no_body = self._method == "HEAD" or response.status in (204, 304)  # MUST-RESP-6
            trailers = self._trailers_ok and response.trailers is not None and not no_body
            file_message = None
            if kind == KIND_FILE and not no_body and response.trailers is None:
                file_message = self._file_message(response)
            await self._start(response.status, fields, trailers)
            if no_body:
                await self._emit({"type": self._prefix + ".body", "body": b""})
            elif file_message is not None:
                await self._emit(file_message)
            else:
                await self._stream(body, kind, declared)
        finally:
            await self._close(body, kind)
        # The callable is called even when its trailers cannot be sent (7.6, MUST-RESP-11).
        sent = await self._caller.threaded(resolve_trailers, response.trailers) if callable(
            response.trailers
        ) else resolve_trailers(response.trailers)
        if trailers:
            checked = head_fields(sent or [], "2")
            await self._emit(
                {"type": "http.response.trailers", "headers": checked, "more_trailers": False}
            )

    async def _stream(self, body: Any, kind: int, declared: Optional[int]) -> None:
        sent = 0
        if kind == KIND_BYTES:
            sent = len(body)
            self._check_length(declared, sent, final=True)
            await self._emit({"type": self._prefix + ".body", "body": body, "more_body": False})
            return
        if kind != KIND_CHUNKS and self._prefix == "http.response":
            # granian and daphne (Twisted) write the head with the first body event, not at
            # http.response.start: an empty one sends it before the first chunk is produced,
            # which may take long (MUST-RESP-4). Hosts write nothing for it on the wire.
            await self._emit({"type": "http.response.body", "body": b"", "more_body": True})
        pull = _Pull(body, kind, self._caller)
        while True:
            chunk = await pull.next()
            if chunk is None:
                break
            if not chunk:
                continue  # empty chunks mean nothing (7.4)
            sent += len(chunk)
            self._check_length(declared, sent, final=False)
            await self._emit({"type": self._prefix + ".body", "body": chunk, "more_body": True})
        self._check_length(declared, sent, final=True)
        await self._emit({"type": self._prefix + ".body", "body": b"", "more_body": False})

    @staticmethod
    def _check_length(declared: Optional[int], sent: int, final: bool) -> None:
        """MUST-RESP-8: never a silently inconsistent message."""
        if declared is None:
            return
        if sent > declared or (final and sent != declared):
            raise ValueError(
                f"the response body is {'at least ' if not final else ''}{sent} bytes, "
                f"its content-length says {declared}"
            )

    def _file_message(self, response: Response) -> Optional[Any]:
        """The host sends the file by itself when it can (spec 7.4): zerocopysend takes the
        open file and a slice of it; pathsend a path, only for a whole file that is still the
        one opened (same device and inode, same size: MUST-FILE-2)."""
        path = response.file_path
        if path is None:
            return None
        opened = _opened_file(response.body)
        if opened is None:
            return None
        file, info = opened
        offset = response.file_offset
        length = response.file_length
        if length is None:
            length = max(info.st_size - offset, 0)
        if "http.response.zerocopysend" in self._extensions:
            return {
                "type": "http.response.zerocopysend",
                "file": file,
                "offset": offset,
                "count": length,
                "more_body": False,
            }
        if "http.response.pathsend" in self._extensions and offset == 0 and length == info.st_size:
            try:
                now = os.stat(path)
            except OSError:
                return None  # gone: read through the body, which is the file opened
            if (now.st_dev, now.st_ino, now.st_size) == (info.st_dev, info.st_ino, info.st_size):
                return {"type": "http.response.pathsend", "path": os.fsdecode(path)}
        return None

    async def _close(self, body: Any, kind: int) -> None:
        """close() or aclose() exactly once, however the body ended (MUST-RESP-9)."""
        if kind == KIND_AITER:
            aclose = getattr(body, "aclose", None)
            if aclose is not None:
                await self._caller.awaited(aclose())
            return
        close = getattr(body, "close", None)
        if close is not None:
            # A generator's finally may block: not on the loop.
            await self._caller.threaded(close) if kind != KIND_CHUNKS else close()


def _opened_file(body: Any) -> Optional[Tuple[Any, os.stat_result]]:
    """The open file under a file body (a FileResponse slice keeps it as `raw`) and its status."""
    for candidate in (body, getattr(body, "raw", None)):
        fileno = getattr(candidate, "fileno", None)
        if fileno is None:
            continue
        try:
            return candidate, os.fstat(fileno())
        except (OSError, ValueError):
            continue
    return None


class _Pull:
    """The chunks of a streamed body: a list on the loop, an async iterable on the loop (in
    the request's task, so a disconnect can cancel it: MUST-DISC-5), any other iterable and
    files one pull at a time in a thread (MUST-APP-5), the thread given back between pulls
    (MUST-RESP-12)."""

    __slots__ = ("_kind", "_iter", "_async", "_caller", "_body")

    def __init__(self, body: Any, kind: int, caller: Caller) -> None:
        self._kind = kind
        self._body = body
        self._caller = caller
        self._iter: Optional[Iterator[Any]] = iter(body) if kind == KIND_CHUNKS else None
        self._async: Any = body.__aiter__() if kind == KIND_AITER else None

    async def next(self) -> Optional[bytes]:
        if self._kind == KIND_AITER:
            try:
                chunk = await self._caller.awaited(self._async.__anext__())
            except StopAsyncIteration:
                return None
        elif self._kind == KIND_CHUNKS:
            assert self._iter is not None
            chunk = next(self._iter, _END)
        else:
            chunk = await self._caller.threaded(self._pull_sync)
        return None if chunk is _END else as_bytes(chunk)

    def _pull_sync(self) -> Any:
        """In a thread: the iterator is made there too (iter() may block)."""
        if self._iter is None:
            body = self._body
            self._iter = file_chunks(body, FILE_CHUNK) if self._kind == KIND_FILE else iter(body)
        return next(self._iter, _END)
