"""What `to_wsgi` does when the application fails before the head (spec 11.3, MUST-ERR-1): it
logs the failure to the container's error log and answers 500 itself, with no exception text
(MUST-ERR-3). Containers differ in what they do with an exception raised to them (uWSGI
closes the connection without a response), so none is left to them."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Iterator, Optional

from ..api.errors import ClientDisconnected
from .host_channel import HostChannel
from .loop_thread import Relay
from .pep3333 import Environ, StartResponse

__all__ = ["ERROR_BODY", "answer_failure", "report"]

logger = logging.getLogger("wsging.wsgi")

ERROR_BODY = b"Internal Server Error\n"


def report(environ: Environ, message: str, error: BaseException) -> None:
    """`message` and the error's traceback to `wsgi.errors` (PEP 3333: the container's error
    log), or to the `wsging.wsgi` logger when the container gives no stream that works."""
    text = message + "\n" + "".join(
        traceback.format_exception(type(error), error, error.__traceback__)
    )
    stream = environ.get("wsgi.errors")
    if stream is not None:
        try:
            stream.write(text)
            stream.flush()
            return
        except Exception:  # noqa: B902 - a broken log stream must not hide the error
            pass
    logger.error("%s", text.rstrip("\n"))


class ErrorBody:
    """The 500's body. Closing it ends the request for its completion callbacks (11.7)."""

    __slots__ = ("_channel", "_relay", "_outcome", "_closed")

    def __init__(self, channel: Optional[HostChannel], relay: Relay, outcome: str) -> None:
        self._channel = channel
        self._relay = relay
        self._outcome = outcome
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter((ERROR_BODY,))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._channel is not None:
                self._channel.finish(self._outcome)
        finally:
            self._relay.close()


def answer_failure(
    environ: Environ,
    start_response: StartResponse,
    what: str,
    error: BaseException,
    channel: Optional[HostChannel],
    relay: Relay,
    head_tried: bool,
) -> ErrorBody:
    """The 500 for `error`, raised before the head of the request `what` ("GET /path");
    `head_tried`: start_response was called for the application's head, and raised. A
    ClientDisconnected is no application error (11.3): the answer goes nowhere and nothing is
    logged. Call it from the `except` block that caught `error`."""
    if isinstance(error, ClientDisconnected):
        outcome = "client-gone"
    else:
        outcome = "aborted"
        report(environ, f"wsging.wsgi: the application failed before the head of {what}: "
                        "answered 500", error)
    if channel is not None:
        channel.responded = True
    body = ErrorBody(channel, relay, outcome)
    headers = [
        ("content-type", "text/plain; charset=utf-8"),
        ("content-length", str(len(ERROR_BODY))),
    ]
    try:
        if head_tried:
            # PEP 3333: a second call replaces the head, with exc_info.
            start_response("500 Internal Server Error", headers, sys.exc_info())
        else:
            # The first call: without exc_info, which uWSGI's start_response mishandles.
            start_response("500 Internal Server Error", headers)
    except BaseException:
        body.close()
        raise
    return body
