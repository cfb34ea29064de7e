"""One HTTP request served by an ASGI application (spec 15.4): the `receive` and `send` it is
given, and the WSGI-NG response made of what it sends.

The application runs in a task of its own (`from_task`). The response head is taken when the
application has sent `http.response.start` and then waits for something (or ends): when the
whole body came with it, the response is one bytes body the worker sends with its head; else
the body is an async iterable the worker pulls, and each `send` of a chunk returns only when
the worker asks for the next one, after it sent this one (backpressure, spec 7.4). Nothing is
copied or buffered past the one chunk in hand.

`receive` reads the request body as the server delivers it, one chunk per `http.request`, so
the application's reading is the upload's flow control (6.5); once the body is over it waits
for the client to leave (`http.disconnect`), as ASGI servers do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import types
from typing import Any, AsyncIterator, BinaryIO, Callable, Coroutine, Generator, Optional

from ..api.body import Body
from ..api.errors import ClientDisconnected, InvalidStatus
from ..api.headers import MutableHeaders, RawHeaders
from ..api.request import Request
from ..api.response import FileResponse, Response
from . import from_task
from .from_headers import LENGTHS, NO_LENGTH, response_headers
from .from_types import ASGIApp, Message, Scope

__all__ = ["HttpCall", "ResponseBody"]

logger = logging.getLogger("wsging.asgi")

# Where the response stands, as the application sent it.
NO_HEAD = 0  # nothing sent yet
BODY = 1  # http.response.start sent, the body open
TRAILERS = 2  # the last body chunk sent, trailers announced and still to come
ENDED = 3  # the response is complete on the application's side

# Who raises an error of the application's task: the call waiting for the head, the body the
# worker pulls, or nobody (the response is over): then it is logged here.
OWNER_HEAD = 0
OWNER_BODY = 1
OWNER_NONE = 2

FILE_CHUNK = 65536

_new_object = object.__new__


def _request_message(body: bytes, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


def caused_by_disconnect(exc: BaseException) -> bool:
    """Whether `exc` is ClientDisconnected, or was raised while handling one (frameworks turn
    the OSError of a send into their own exception: Starlette's ClientDisconnect)."""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 8:
        if isinstance(current, ClientDisconnected):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


class HttpCall:
    """The state of one request between the application's task and the worker."""

    __slots__ = (
        "request",
        "task",
        "status",
        "headers",
        "_loop",
        "_left",
        "_request_done",
        "_receiving",
        "_chunks",
        "_phase",
        "_chunk",
        "_path",
        "_file",
        "_trailers_wanted",
        "_trailers",
        "_waiter",
        "_sender",
        "_done",
        "_error",
        "_owner",
        "_reported",
        "_gone",
        "_discard",
        "_deliver",
        "_length_at",
    )

    def __init__(self, request: Request) -> None:
        self.request = request
        self.task: Optional["asyncio.Task[Any]"] = None
        self.status = 0
        self.headers: Optional[MutableHeaders] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        length = request.content_length
        self._left = -1 if length is None else length  # body bytes still to come, -1: unknown
        self._request_done = False  # the last http.request was delivered
        self._receiving = 0  # receive() calls waiting
        self._chunks: Optional[AsyncIterator[bytes]] = None  # for a body that is not a Body
        self._phase = NO_HEAD
        self._chunk: Optional[bytes] = None  # sent by the application, not yet taken
        self._path: Optional[str] = None  # http.response.pathsend
        self._file: Optional[BinaryIO] = None
        self._trailers_wanted = False
        self._trailers: Optional[RawHeaders] = None
        # The worker's side waiting for the application: the head, or the next chunk.
        self._waiter: Optional["asyncio.Future[None]"] = None
        # Sends waiting until their chunk was taken and sent.
        self._sender: Optional["asyncio.Future[None]"] = None
        self._done = False
        self._error: Optional[BaseException] = None
        self._owner = OWNER_HEAD
        self._reported = False
        self._gone = False  # the client left: sends raise ClientDisconnected
        self._discard = False  # the server takes no more body (HEAD): chunks are dropped
        # Run inline (`run_inline`): what takes the response once it is known; None once taken.
        self._deliver: Optional[Callable[[Response], None]] = None
        self._length_at = NO_LENGTH  # where the content-length field is in the headers

    # -- the WSGI-NG side ---------------------------------------------------------------------

    async def respond(self, asgi_app: ASGIApp, scope: Scope) -> Response:
        """Run the application and return the response once its head is known."""
        # Set first: from Python 3.12 the task's first step runs inside start().
        self._loop = asyncio.get_running_loop()
        self.attach(from_task.start(asgi_app(scope, self.receive, self.send)))
        return await self.head()

    async def run_inline(
        self, asgi_app: ASGIApp, scope: Scope, deliver: Callable[[Response], None]
    ) -> None:
        """Run the application in the current task, to its end; `deliver` takes the response
        as soon as it is known (the host sends it at once), while the application may go on:
        streaming its body, or working after it. The host's task is the application's task,
        so no task of its own and no hand-off are needed."""
        self._loop = asyncio.get_running_loop()
        self.task = asyncio.current_task()  # what _client_left cancels
        self._deliver = deliver
        error: Optional[BaseException] = None
        try:
            await _driven(self, asgi_app(scope, self.receive, self.send))
        except BaseException as exc:  # SystemExit too: it ends this request only (11.3)
            error = exc
        if self._deliver is not None:
            if self._phase == NO_HEAD:
                self._deliver = None
                self._done = True
                self._error = error
                self._reported = True
                raise self._failure("without sending http.response.start")
            # The head came without the end of the body: the host pulls what is left, and
            # learns there of the end (or the error) given to _ended below.
            self._hand_over()
        self._ended(error)

    def _hand_over(self) -> None:
        deliver = self._deliver
        assert deliver is not None
        self._deliver = None
        deliver(self._response())

    def attach(self, task: "asyncio.Task[Any]") -> None:
        """Follow the application's task (a WebSocket denial shares the session's task)."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self.task = task
        if task.done():
            self._finished(task)
        else:
            task.add_done_callback(self._finished)

    async def head(self) -> Response:
        """The response, once the application sent its head and waits (or ended)."""
        loop = self._loop
        assert loop is not None
        while self._phase == NO_HEAD and not self._done:
            waiter = self._waiter = loop.create_future()
            try:
                await waiter
            except asyncio.CancelledError:
                self._client_left()
                raise
        if self._phase == NO_HEAD:
            self._reported = True
            raise self._failure("without sending http.response.start")
        return self._response()

    def _response(self) -> Response:
        status = self.status
        headers = self.headers
        assert headers is not None
        if self._phase == ENDED:
            self._disown()
            path = self._path
            if path is not None:
                self._path = None
                return FileResponse(path, status, headers)
            data = self._chunk or b""
            self._chunk = None
            if self._trailers is not None or self._length_at == LENGTHS or status == 204 or status == 304:
                return Response(data, status, headers, trailers=self._trailers)
            return _whole(data, status, headers, self._length_at)
        self._owner = OWNER_BODY
        # Made directly: Response() would label a streamed body without a content-type as
        # text, which an ASGI application's headers say nothing of. They were validated when
        # they were sent.
        response: Response = _new_object(Response)
        response._status = status
        response._headers = headers
        response._body = ResponseBody(self)
        response._trailers = self._trailer_fields if self._trailers_wanted else None  # type: ignore[assignment]
        return response

    def _trailer_fields(self) -> Optional[RawHeaders]:
        return self._trailers

    async def next_chunk(self) -> bytes:
        """The next body chunk; the application's send of the previous one returns now."""
        sender = self._sender
        if sender is not None:
            self._sender = None
            if not sender.done():
                sender.set_result(None)
        while True:
            chunk = self._chunk
            if chunk is not None:
                self._chunk = None
                return chunk
            if self._phase == ENDED:
                if self._path is not None:
                    return await self._file_chunk()
                self._disown()
                raise StopAsyncIteration
            if self._done:
                self._owner = OWNER_NONE
                self._reported = True
                raise self._failure("before the end of its response body")
            assert self._loop is not None
            waiter = self._waiter = self._loop.create_future()
            try:
                await waiter
            except asyncio.CancelledError:  # the client left (spec 11.1)
                self._client_left()
                raise

    async def _file_chunk(self) -> bytes:
        """A pathsend that came after the head went out: the file is read here, in a thread."""
        assert self._path is not None and self._loop is not None
        file = self._file
        if file is None:
            file = self._file = open(self._path, "rb")
        data: bytes = await self._loop.run_in_executor(None, file.read, FILE_CHUNK)
        if not data:
            self._path = None
            self._close_file()
            self._disown()
            raise StopAsyncIteration
        return data

    def _close_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()

    def body_closed(self) -> None:
        """The worker is done with the body: it ended, or the server stopped pulling it (a
        response to HEAD, a client that left, a reset)."""
        self._close_file()
        self._disown()
        if self._phase != ENDED or self._chunk is not None:
            self._chunk = None
            if self.request.disconnected:
                self._client_left()
            else:
                self._discard = True
                sender, self._sender = self._sender, None
                if sender is not None and not sender.done():
                    sender.set_result(None)

    def _disown(self) -> None:
        """Nobody raises the task's error any more: it is logged here."""
        self._owner = OWNER_NONE
        if self._done and self._error is not None and not self._reported:
            self._report(self._error)

    def _failure(self, where: str) -> BaseException:
        error = self._error
        if self._gone or self.request.disconnected:
            if error is None or caused_by_disconnect(error):
                return ClientDisconnected("the client disconnected")
        if error is not None:
            return error
        return RuntimeError(f"the ASGI application returned {where}")

    def _report(self, error: BaseException) -> None:
        self._reported = True
        if (self._gone or self.request.disconnected) and caused_by_disconnect(error):
            return  # not an application error (spec 11.3)
        if isinstance(error, asyncio.CancelledError):
            return  # its work after the response was cancelled (the worker's shutdown)
        request = self.request
        logger.error(
            "error in ASGI application after its response for %s %s",
            request.method,
            request.path,
            exc_info=error,
        )

    def _finished(self, task: "asyncio.Task[Any]") -> None:
        """The application's task ended (called at once, or as its done callback)."""
        if not self._done:
            self._ended(None if task.cancelled() else task.exception())

    def _ended(self, error: Optional[BaseException]) -> None:
        self._done = True
        self._error = error
        if error is not None and self._owner == OWNER_NONE:
            self._report(error)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _client_left(self) -> None:
        """Sends fail from now on. The application learns it where it waits: a send raises
        ClientDisconnected, a receive returns http.disconnect; waiting for anything else, its
        task is cancelled, as the worker cancels an async application (spec 11.1)."""
        self._gone = True
        sender, self._sender = self._sender, None
        if sender is not None and not sender.done():
            sender.set_exception(ClientDisconnected("the client disconnected"))
        elif not self._receiving:
            task = self.task
            if task is not None and not task.done():
                task.cancel()

    # -- the application's side ---------------------------------------------------------------

    async def receive(self) -> Message:
        if not self._request_done:
            if self._left == 0:
                self._request_done = True
                return _request_message(b"", False)
            self._receiving += 1
            try:
                chunk = await self._read()
            except ClientDisconnected:
                self._request_done = True
                return {"type": "http.disconnect"}
            finally:
                self._receiving -= 1
            if chunk is None:
                self._request_done = True
                return _request_message(b"", False)
            left = self._left
            if left > 0:
                left -= len(chunk)
                self._left = left
                if left <= 0:
                    self._request_done = True
            return _request_message(chunk, not self._request_done)
        # The body is over: what is left to hear of is the client leaving (or the exchange
        # ending, after which the client is gone for this request too).
        self._receiving += 1
        try:
            await self.request.wait_disconnected()
        finally:
            self._receiving -= 1
        return {"type": "http.disconnect"}

    async def _read(self) -> Optional[bytes]:
        """The next chunk of the request body as it arrived, None at its end."""
        body = self.request.body
        if type(body) is Body:
            # The Body's own chunks, without an async generator per request.
            buffered = body._buf
            position = body._pos
            if position < len(buffered):
                body._pos = len(buffered)
                return buffered[position:] if position else buffered
            while await body._anext():
                buffered = body._buf
                body._pos = len(buffered)
                if buffered:
                    return buffered
            return None
        chunks = self._chunks
        if chunks is None:
            chunks = self._chunks = body.__aiter__()
        try:
            return await chunks.__anext__()
        except StopAsyncIteration:
            return None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self._gone:
            raise ClientDisconnected("the client disconnected")
        if kind == "http.response.body":
            if self._phase != BODY:
                raise self._misplaced(kind)
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if type(body) is not bytes:
                body = bytes(body)
            if self._discard:
                if not more:
                    self._end_body()
                return
            while self._chunk is not None:  # another task's chunk is still waiting
                await self._taken()
            if body:
                self._chunk = body
            if not more:
                self._end_body()
            if self._deliver is not None and (more or self._phase == ENDED):
                self._hand_over()  # run inline: the host pulls a streamed body from now on
            else:
                self._wake()
            if more and self._chunk is not None:
                await self._taken()
        elif kind == "http.response.start":
            if self._phase != NO_HEAD:
                raise self._misplaced(kind)
            status = message["status"]
            if type(status) is not int or not 200 <= status <= 599:
                raise InvalidStatus(f"status must be an int in 200..599, got {status!r}")
            headers = message.get("headers")
            if headers:
                self.headers, self._length_at = response_headers(headers)
            else:
                self.headers = MutableHeaders._new()
            self.status = status
            self._trailers_wanted = bool(message.get("trailers", False))
            self._phase = BODY
            self._wake()
        elif kind == "http.response.trailers":
            if self._phase != TRAILERS:
                raise self._misplaced(kind)
            fields = list(MutableHeaders(message.get("headers") or ()).raw)
            if self._trailers is None:
                self._trailers = fields
            else:
                self._trailers.extend(fields)
            if not message.get("more_trailers", False):
                self._phase = ENDED
                self._ended_response()
        elif kind == "http.response.pathsend":
            if self._phase != BODY or self._chunk is not None:
                raise self._misplaced(kind)
            path = os.fsdecode(message["path"])
            if not os.path.isabs(path):
                raise ValueError(f"http.response.pathsend needs an absolute path, not {path!r}")
            self._path = path
            self._phase = ENDED
            self._ended_response()
        elif kind == "http.response.early_hint":
            if self._phase == NO_HEAD:  # a 1xx cannot follow the final head
                links = message.get("links") or ()
                await self.request.asend_informational(103, [("link", link) for link in links])
        elif kind == "http.response.push":
            push: Any = self.request.extensions.get("push")
            if push is not None:
                await push.apush(message["path"], headers=message.get("headers") or None)
        else:
            raise ValueError(f"unexpected ASGI message {kind!r} for an HTTP request")

    def _ended_response(self) -> None:
        """The response is complete on the application's side: the host may take it."""
        if self._deliver is not None:
            self._hand_over()
        else:
            self._wake()

    def _end_body(self) -> None:
        self._phase = TRAILERS if self._trailers_wanted else ENDED

    async def _taken(self) -> None:
        sender = self._sender
        if sender is None:
            assert self._loop is not None
            sender = self._sender = self._loop.create_future()
        await sender

    def _misplaced(self, kind: str) -> RuntimeError:
        where = {
            NO_HEAD: "before http.response.start",
            BODY: "after http.response.start",
            TRAILERS: "while trailers are due",
            ENDED: "after the response ended",
        }[self._phase]
        return RuntimeError(f"ASGI message {kind!r} sent {where}")


def _whole(data: bytes, status: int, headers: MutableHeaders, length_at: int) -> Response:
    """What Response(data, status, headers) makes of headers validated as they were sent
    (one content-length at most, no trailers, a status with content), without checking them
    again: the body's own length in content-length, unless the body is empty (a response to
    HEAD describes what it does not carry)."""
    raw = headers._raw
    declared = b"%d" % len(data)
    if length_at == NO_LENGTH:
        raw.append((b"content-length", declared))
    elif data and raw[length_at][1] != declared:
        raw[length_at] = (raw[length_at][0], declared)
    headers._bound = len(data) if data else None
    response: Response = _new_object(Response)
    response._status = status
    response._headers = headers
    response._body = data
    response._trailers = None
    return response


@types.coroutine
def _driven(call: HttpCall, coro: Coroutine[Any, Any, None]) -> Generator[Any, Any, None]:
    """Await `coro` (what `yield from` would do), handing the response over whenever the
    application waits with its head sent but not yet taken: the client gets the head then, as
    it would from a task of the application's own (an application that answers from memory
    never waits, and pays nothing here)."""
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            if error is None:
                yielded = coro.send(value)
            else:
                yielded = coro.throw(error)
        except StopIteration:
            return
        if call._deliver is not None and call._phase != NO_HEAD:
            call._hand_over()
        value = error = None
        try:
            value = yield yielded
        except BaseException as exc:  # cancellation and the like go to the application
            error = exc


class ResponseBody:
    """The response body the worker pulls: the application's chunks, one at a time."""

    __slots__ = ("_call",)

    def __init__(self, call: HttpCall) -> None:
        self._call = call

    def __aiter__(self) -> "ResponseBody":
        return self

    def __anext__(self) -> Any:
        return self._call.next_chunk()

    async def aclose(self) -> None:
        self._call.body_closed()

