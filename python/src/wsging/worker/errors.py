"""Protocol errors of the worker link, each with its side, scope and code (spec A.7)."""

from __future__ import annotations

from ..api.errors import WSGINGError

__all__ = ["ProtocolError", "LinkError", "StreamError"]

LOCAL = "local"  # this process broke the protocol (a bug here, or an application misuse)
REMOTE = "remote"  # the peer did


class ProtocolError(WSGINGError):
    """Something broke spec/worker-link.md. `scope` is "link" or "stream"; `code` is the GOAWAY
    code (link) or RESET code (stream) to answer with."""

    scope = "link"

    def __init__(self, message: str, *, code: int, side: str = REMOTE) -> None:
        super().__init__(message)
        self.code = code
        self.side = side


class LinkError(ProtocolError):
    """The whole link is unusable: answer GOAWAY `code` and close (spec A.7)."""

    scope = "link"


class StreamError(ProtocolError):
    """One stream is unusable: answer RESET `code` on `stream_id` (spec A.7)."""

    scope = "stream"

    def __init__(self, message: str, *, stream_id: int, code: int, side: str = REMOTE) -> None:
        super().__init__(message, code=code, side=side)
        self.stream_id = stream_id
