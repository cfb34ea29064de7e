"""The ASGI lifespan protocol behind `from_asgi(app).lifespan` (spec 11.4, 15.4).

Entering the context starts the application with a `lifespan` scope and sends it
`lifespan.startup`; `lifespan.startup.complete` lets the worker serve, `lifespan.startup.failed`
makes the entry fail with the application's message. Leaving sends `lifespan.shutdown` and waits
for `lifespan.shutdown.complete` (or `.failed`, which raises). An application that does not
take part (it raises on the lifespan scope, as Django's handler does, or returns without
answering) runs without one, as uvicorn's `--lifespan auto` allows.

What the application stores in `scope["state"]` during startup is given to each request, a
shallow copy in its `scope["state"]` (`request.state`), as the ASGI lifespan state extension
says.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from types import TracebackType
from typing import Any, Deque, Dict, Optional, Type

from . import from_task
from .from_types import ASGIApp, Message

__all__ = ["LifespanState", "ASGILifespan"]

logger = logging.getLogger("wsging.asgi")

_ASGI = {"version": "3.0", "spec_version": "2.0"}


class LifespanState:
    """The state the application's lifespan fills, shared by every request of the process."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state: Dict[str, Any] = {}


class ASGILifespan:
    """One run of the application's lifespan: an async context manager."""

    def __init__(self, asgi_app: ASGIApp, shared: LifespanState) -> None:
        self._app = asgi_app
        self._shared = shared
        self._incoming: Deque[Message] = deque()
        self._receiver: Optional["asyncio.Future[None]"] = None
        self._answer: Optional[Message] = None
        self._answered: Optional["asyncio.Future[None]"] = None
        self._task: Optional["asyncio.Task[Any]"] = None
        self._supported = True

    async def __aenter__(self) -> "ASGILifespan":
        state: Dict[str, Any] = {}
        scope = {"type": "lifespan", "asgi": dict(_ASGI), "state": state}
        loop = asyncio.get_running_loop()
        self._answered = loop.create_future()
        self._deliver({"type": "lifespan.startup"})
        self._task = from_task.start(self._app(scope, self._receive, self._send))
        answer = await self._reply()
        if answer is None:
            self._supported = False
            error = None if self._task.cancelled() else self._task.exception()
            logger.info(
                "the ASGI application does not take part in the lifespan protocol%s; serving "
                "without a startup and shutdown",
                f" ({type(error).__name__}: {error})" if error is not None else "",
            )
            return self
        if answer["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"ASGI lifespan startup failed: {answer.get('message') or 'no message'}")
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"ASGI lifespan startup answered {answer['type']!r}")
        self._shared.state = state
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        task = self._task
        if not self._supported or task is None:
            return
        if task.done():
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise RuntimeError("the ASGI lifespan ended before the shutdown") from error
            return
        self._answered = asyncio.get_running_loop().create_future()
        self._deliver({"type": "lifespan.shutdown"})
        answer = await self._reply()
        if answer is None:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise RuntimeError("the ASGI lifespan shutdown failed") from error
            return
        if answer["type"] == "lifespan.shutdown.failed":
            raise RuntimeError(f"ASGI lifespan shutdown failed: {answer.get('message') or 'no message'}")

    async def _reply(self) -> Optional[Message]:
        """The application's answer, or None when its task ended without one."""
        task = self._task
        answered = self._answered
        assert task is not None and answered is not None
        if not answered.done() and not task.done():
            await asyncio.wait((answered, task), return_when=asyncio.FIRST_COMPLETED)
        answer, self._answer = self._answer, None
        return answer

    def _deliver(self, message: Message) -> None:
        self._incoming.append(message)
        receiver, self._receiver = self._receiver, None
        if receiver is not None and not receiver.done():
            receiver.set_result(None)

    async def _receive(self) -> Message:
        while not self._incoming:
            self._receiver = asyncio.get_running_loop().create_future()
            await self._receiver
        return self._incoming.popleft()

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind not in (
            "lifespan.startup.complete",
            "lifespan.startup.failed",
            "lifespan.shutdown.complete",
            "lifespan.shutdown.failed",
        ):
            raise ValueError(f"unexpected ASGI message {kind!r} for the lifespan")
        self._answer = message
        answered = self._answered
        if answered is not None and not answered.done():
            answered.set_result(None)
