"""The push extension on the worker link (spec 8.5, A.2 PUSH and PUSH_RESULT).

`LinkPushes` belongs to one link: it numbers each PUSH with a token and keeps the callback its
PUSH_RESULT answers. `ExchangePush` is one request's `PushChannel`: the sync form blocks the
application's thread until the answer, the async form awaits it on the loop. `PushExtensions`
is the `request.extensions` of a request offered push.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Mapping, Optional

from ..api.headers import RawHeaders
from ..api.push import Push
from . import link
from .errors import LinkError

if TYPE_CHECKING:
    from .exchange import Exchange

__all__ = ["LinkPushes", "ExchangePush", "PushExtensions"]

Answer = Callable[[bool], None]


class LinkPushes:
    """On the loop: the PUSH frames of one link still waiting for their PUSH_RESULT."""

    __slots__ = ("_write", "_next_token", "_waiting")

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self._write = write
        self._next_token = 1
        self._waiting: Dict[int, Answer] = {}

    def send(self, exchange: "Exchange", path: bytes, headers: RawHeaders, answer: Answer) -> None:
        """Ask the front end to push `path`; `answer(accepted)` is called once, on the loop.
        A response that is complete (or a stream reset) gets False at once, without a frame: the
        front end would decline it (MUST-PUSH-1), and the stream may already be forgotten there."""
        if exchange.stopped:
            answer(False)
            return
        token = self._next_token
        self._next_token = token + 1 if token < 0xFFFFFFFF else 1
        try:
            frame = link.encode_push(exchange.stream.id, token, path, headers)
        except LinkError:  # a field longer than the link carries: checked before, never sent
            answer(False)
            return
        self._waiting[token] = answer
        self._write(frame)

    def on_result(self, frame: link.PushResultFrame) -> None:
        answer = self._waiting.pop(frame.token, None)
        if answer is not None:  # an unknown token: a front end bug, nothing waits for it
            answer(frame.accepted)

    def close(self) -> None:
        """The link is gone: every push still waiting did not happen."""
        waiting: List[Answer] = list(self._waiting.values())
        self._waiting.clear()
        for answer in waiting:
            answer(False)


class ExchangePush:
    """One request's push channel over the link (implements wsging.api.push.PushChannel)."""

    __slots__ = ("_exchange", "_pushes")

    def __init__(self, exchange: "Exchange", pushes: LinkPushes) -> None:
        self._exchange = exchange
        self._pushes = pushes

    def push(self, path: bytes, headers: RawHeaders) -> bool:
        exchange = self._exchange
        session = exchange.session
        if threading.get_ident() == session.loop_thread:
            # Waiting here would stop the loop that must read the answer.
            raise RuntimeError("push() blocks: on the event loop, await apush() instead")
        if exchange.stopped:
            return False
        done = threading.Event()
        result = [False]

        def answer(accepted: bool) -> None:
            result[0] = accepted
            done.set()

        # FIFO with what this thread hands the loop later (the response head, body chunks):
        # the PUSH reaches the front end before the parent's response refers to the resource.
        session.call_from_thread(self._pushes.send, exchange, path, headers, answer)
        done.wait()
        return result[0]

    async def apush(self, path: bytes, headers: RawHeaders) -> bool:
        exchange = self._exchange
        if threading.get_ident() != exchange.session.loop_thread:
            raise RuntimeError("apush() runs on the worker's event loop; in a thread, call push()")
        if exchange.stopped:
            return False
        future: "asyncio.Future[bool]" = exchange.session.loop.create_future()

        def answer(accepted: bool) -> None:
            if not future.done():
                future.set_result(accepted)

        self._pushes.send(exchange, path, headers, answer)
        return await future


class PushExtensions(Mapping[str, object]):
    """Read-only `{"push": Push}` whose Push is made when the application first looks it up:
    most requests offered push never push, and this is built for every one of them."""

    __slots__ = ("_exchange", "_pushes", "_push")

    def __init__(self, exchange: "Exchange", pushes: LinkPushes) -> None:
        self._exchange = exchange
        self._pushes = pushes
        self._push: Optional[Push] = None

    def __getitem__(self, name: str) -> object:
        if name != "push":
            raise KeyError(name)
        push = self._push
        if push is None:
            push = self._push = Push(ExchangePush(self._exchange, self._pushes))
        return push

    def __iter__(self) -> Iterator[str]:
        return iter(("push",))

    def __len__(self) -> int:
        return 1
