"""Cutting a response short on a host that does not do it itself (spec 11.3, MUST-ERR-2).

ASGI asks a server to close the connection when an application raises after the response
started; `to_asgi` raises for that. daphne 4 does not: its error handler tries to start a 500
response, which fails once the head is out, leaves the connection open (the client waits for
a body that never ends) and stops daphne's periodic clean-up of finished applications. On
daphne, `to_asgi` closes the response itself and returns instead of raising: the HTTP/1.x
connection is closed without the final chunk, an HTTP/2 stream reset."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional

__all__ = ["host_abort"]


def host_abort(send: Any) -> Optional[Callable[[], None]]:
    """What cuts the response short, when `send` is the reply callable daphne hands an
    application (`functools.partial(Server.handle_reply, protocol)`); None for other hosts,
    or when a layer in between wrapped it (then the host is left to act on the exception)."""
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    owner = getattr(send.func, "__self__", None)
    if type(owner).__module__ != "daphne.server":
        return None
    channel = getattr(send.args[0], "channel", None)  # the Twisted request's channel
    if channel is None:
        return None  # the request is over already
    reset = getattr(channel, "abortConnection", None)  # an HTTP/2 stream: RST_STREAM
    if callable(reset):
        return lambda: reset()
    close = getattr(channel, "loseConnection", None)  # HTTP/1.x: close after what was sent
    if callable(close):
        return lambda: close()
    return None
