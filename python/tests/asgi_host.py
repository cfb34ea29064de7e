"""A hand-written ASGI host for the `to_asgi` unit tests: it hands the application the events
a test queues and records every event the application sends, as an ASGI server would."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Tuple

Message = Dict[str, Any]


def http_scope(
    method: str = "GET",
    path: str = "/",
    *,
    headers: Iterable[Tuple[bytes, bytes]] = (),
    query_string: bytes = b"",
    extensions: Optional[Dict[str, Any]] = None,
    http_version: str = "1.1",
    scheme: str = "http",
    **extra: Any,
) -> Dict[str, Any]:
    scope: Dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": http_version,
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query_string,
        "root_path": "",
        "headers": [(bytes(n), bytes(v)) for n, v in headers],
        "client": ("127.0.0.1", 50123),
        "server": ("127.0.0.1", 8000),
        "extensions": extensions or {},
    }
    scope.update(extra)
    return scope


def websocket_scope(
    path: str = "/ws",
    *,
    subprotocols: Iterable[str] = (),
    headers: Iterable[Tuple[bytes, bytes]] = (),
    extensions: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    scope = http_scope("GET", path, headers=headers, extensions=extensions)
    scope.update(type="websocket", scheme="ws", subprotocols=list(subprotocols))
    del scope["method"]
    return scope


class Host:
    """Runs one ASGI call. `feed()` queues what receive() returns; `sent` is what the
    application sent; `send_gate`, when set, makes every send wait for it (a slow client)."""

    def __init__(self, app: Callable[..., Awaitable[None]], scope: Dict[str, Any]) -> None:
        self.app = app
        self.scope = scope
        # Made on the loop (start()): before Python 3.10 asyncio objects bind to the loop
        # current when they are made, and a Host may be made before asyncio.run() starts one.
        self._queue: "Optional[asyncio.Queue[Message]]" = None
        self._early: List[Message] = []
        self.sent: List[Message] = []
        self.receives = 0  # receive() calls made
        self.send_gate: Optional[asyncio.Event] = None
        self.send_error: Optional[BaseException] = None
        self._changed: Optional[asyncio.Event] = None
        self.task: "Optional[asyncio.Task[None]]" = None

    @property
    def incoming(self) -> "asyncio.Queue[Message]":
        if self._queue is None:
            self._queue = asyncio.Queue()
            for message in self._early:
                self._queue.put_nowait(message)
        return self._queue

    def feed(self, *messages: Message) -> "Host":
        for message in messages:
            if self._queue is None:
                self._early.append(message)
            else:
                self._queue.put_nowait(message)
        return self

    def body(self, *chunks: bytes) -> "Host":
        """http.request events: every chunk, the last one ending the body."""
        for i, chunk in enumerate(chunks):
            self.feed({"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1})
        if not chunks:
            self.feed({"type": "http.request", "body": b"", "more_body": False})
        return self

    async def receive(self) -> Message:
        self.receives += 1
        return await self.incoming.get()

    async def send(self, message: Message) -> None:
        if self.send_error is not None:
            raise self.send_error
        if self.send_gate is not None:
            await self.send_gate.wait()
        self.sent.append(message)
        if self._changed is not None:
            self._changed.set()

    def start(self) -> "Host":
        self._changed = asyncio.Event()
        assert self.incoming is not None
        self.task = asyncio.ensure_future(self.app(self.scope, self.receive, self.send))
        return self

    async def run(self, timeout: float = 5.0) -> "Host":
        """Start (if not yet) and wait for the call to return."""
        if self.task is None:
            self.start()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout)
        return self

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> Message:
        """The `count`-th sent event of this type, once sent."""

        async def found() -> Message:
            while True:
                matches = [m for m in self.sent if m["type"] == kind]
                if len(matches) >= count:
                    return matches[count - 1]
                if self.task is not None and self.task.done():
                    self.task.result()
                    raise AssertionError(f"the call ended without sending {kind} #{count}: {self.sent}")
                assert self._changed is not None
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), 0.05)
                except asyncio.TimeoutError:
                    pass

        return await asyncio.wait_for(found(), timeout)

    def of(self, kind: str) -> List[Message]:
        return [m for m in self.sent if m["type"] == kind]

    @property
    def status(self) -> int:
        return int(self.of("http.response.start")[0]["status"])

    @property
    def headers(self) -> Dict[bytes, bytes]:
        return dict(self.of("http.response.start")[0]["headers"])

    @property
    def body_bytes(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.of("http.response.body"))


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(_main(coro))


async def _main(coro: Awaitable[Any]) -> Any:
    return await coro
