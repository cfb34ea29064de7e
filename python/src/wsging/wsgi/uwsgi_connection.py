"""What `to_uwsgi` does with the request's own connection (`uwsgi.connection_fd()`), where
uWSGI's environ and iterable handling fall short:

- Ending a response abnormally (spec 7.5, 11.3): uWSGI ends a response whose iterable raised as
  if it were complete (a close-delimited body, or the last chunk), so a truncated body would
  look whole. Resetting the connection instead (SO_LINGER with a zero timeout, then uWSGI's own
  `disconnect`, after which uWSGI writes nothing more to it) tells the client.
- The client's port: uWSGI's HTTP socket sets REMOTE_ADDR but no REMOTE_PORT (spec 5.1,
  `request.client`); the connection's peer has it when the connection is the client's own.

A socket object made for uWSGI's descriptor is always detached, never closed: uWSGI keeps it.
"""

from __future__ import annotations

import logging
import socket
import struct
from typing import Any, Optional

from .pep3333 import Environ

__all__ = ["client_port", "reset_connection"]

logger = logging.getLogger("wsging.wsgi")

_LINGER_RESET = struct.pack("ii", 1, 0)  # struct linger {l_onoff = 1, l_linger = 0}


def reset_connection(uwsgi: Any) -> None:
    """Closes the current request's connection with a reset."""
    try:
        connection = socket.socket(fileno=uwsgi.connection_fd())
        try:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        finally:
            connection.detach()
        uwsgi.disconnect()
    except Exception:  # noqa: B902 - the application's error is what the container must see
        logger.exception("could not reset the connection of a response that failed")


def client_port(uwsgi: Any, environ: Environ) -> Optional[int]:
    """The client's port, read from the connection when it is the client's: its local port
    is SERVER_PORT and its peer is REMOTE_ADDR. Behind a proxy (nginx's uwsgi_pass, uWSGI's
    own HTTP router) the connection is the proxy's: None, rather than the proxy's port."""
    try:
        connection = socket.socket(fileno=uwsgi.connection_fd())
    except (OSError, ValueError):
        return None
    try:
        if connection.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        local = connection.getsockname()
        peer = connection.getpeername()
    except OSError:
        return None
    finally:
        connection.detach()
    if str(local[1]) != str(environ.get("SERVER_PORT")) or peer[0] != environ.get("REMOTE_ADDR"):
        return None
    port: int = peer[1]
    return port
