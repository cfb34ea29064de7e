"""The WSGI iterable `to_wsgi` returns for a Response: its body as bytes chunks, async bodies
pulled through the private loop, trailers dropped after their callable ran (spec 15.3). Every
pull, the close and the trailers callable run in the request's context (11.6). A response that
has no content (to HEAD, 204, 304) gives the container no bytes: some containers would send
them (7.3, MUST-RESP-6); its body is closed without being iterated."""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator, Optional, Tuple

from ..api.headers import RawHeaders
from ..api.response import (
    KIND_AITER,
    KIND_BYTES,
    KIND_FILE,
    Response,
    as_bytes,
    body_kind,
    file_chunks,
    resolve_trailers,
)
from .host_channel import HostChannel
from .loop_thread import Relay

__all__ = ["NGBody"]

logger = logging.getLogger("wsging.wsgi")

FILE_CHUNK = 64 * 1024


class NGBody:
    """`origin`: the Response and the head given to start_response, when the request came
    from `from_wsgi` unchanged; `from_wsgi` then hands on the Response itself (lossless).
    `bodiless`: the response has no content, whatever its body. `on_failure`: called when the
    body raises, before the container sees the error (a container-specific abort)."""

    __slots__ = (
        "_response", "_relay", "_channel", "_sync", "_async", "_ended", "_failed", "_closed",
        "_bodiless", "_on_failure", "origin",
    )

    def __init__(
        self,
        response: Response,
        relay: Relay,
        channel: Optional[HostChannel],
        bodiless: bool = False,
        on_failure: Optional[Callable[[], None]] = None,
    ) -> None:
        self._response = response
        self._bodiless = bodiless
        self._on_failure = on_failure
        self._relay = relay
        self._channel = channel
        body: Any = response.body
        kind = body_kind(body)
        self._async: Any = None
        self._sync: Optional[Iterator[Any]] = None
        if bodiless:
            pass  # never iterated, only closed
        elif kind == KIND_AITER:
            self._async = body.__aiter__()
        elif kind == KIND_BYTES:
            self._sync = iter((body,))
        elif kind == KIND_FILE:
            self._sync = file_chunks(body, FILE_CHUNK)
        elif kind != KIND_AITER:
            self._sync = iter(body)
        self._ended = False
        self._failed = False  # the body raised: completion callbacks hear "aborted"
        self._closed = False
        self.origin: Optional[Tuple[Response, RawHeaders]] = None

    def __iter__(self) -> "NGBody":
        return self

    def __next__(self) -> bytes:
        try:
            if self._bodiless:
                raise StopIteration
            if self._sync is not None:
                chunk = self._relay.in_context(next, self._sync)
            else:
                chunk = self._relay.run(self._async.__anext__())
        except (StopIteration, StopAsyncIteration):
            self._end()
            raise StopIteration from None
        except BaseException:
            self._failed = True
            if self._on_failure is not None:
                self._on_failure()
            raise
        return as_bytes(chunk)

    def _end(self) -> None:
        """After the last chunk: trailers cannot pass WSGI, but a callable is still called
        (7.6); its errors are the application's, raised where the container sees them."""
        if not self._ended:
            self._ended = True
            self._relay.in_context(resolve_trailers, self._response.trailers)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # A container closes early when the client left (or it gave up on the response); one
        # without content was whole once its head was given.
        if self._failed:
            outcome = "aborted"
        elif self._ended or self._bodiless:
            outcome = "completed"
        else:
            outcome = "client-gone"
        try:
            body: Any = self._response.body
            if self._async is not None or (self._bodiless and body_kind(body) == KIND_AITER):
                aclose = getattr(self._async or body, "aclose", None)
                if aclose is not None:
                    self._relay.run(aclose())
            else:
                close = getattr(body, "close", None) or getattr(self._sync, "close", None)
                if close is not None:
                    self._relay.in_context(close)
        finally:
            try:
                if not self._ended:
                    self._end()
            except Exception:
                logger.exception("error in the trailers callable of a response closed early")
            finally:
                if self._channel is not None:
                    self._channel.finish(outcome)
                self._relay.close()
