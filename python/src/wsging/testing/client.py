"""TestClient: drive an application through the real worker machinery, in-process.

The client plays the front end of spec/worker-link.md: it encodes REQUEST/DATA frames with the
worker's own codec, feeds the bytes to a real WorkerSession (same dispatch, thread pool,
flow control and error handling as `python -m wsging.worker`) over an in-memory transport, and
decodes what comes back. Only the Unix socket is missing.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    cast,
)
from urllib.parse import quote, urlencode

from ..api.capabilities import PUSH, WEBSOCKET
from ..api.headers import Headers, HeadersInput, MutableHeaders
from ..api.request import Request
from ..api.tls import TLSInfo
from ..worker import link
from ..worker.dispatch import Dispatcher, ThreadPool
from ..worker.exchange import Exchange
from ..worker.loading import Lifespan, is_async_app
from ..worker.runtime import new_event_loop
from ..worker.session import WorkerSession
from .capabilities import HTTP1_VERSIONS, has_token, http1_capabilities
from .memory_link import MemoryTransport
from .push_frontend import host_of, promised_headers, push_result
from .websocket import TestWebSocket, handshake_headers

__all__ = ["TestClient", "TestResponse", "TestStream", "TestWebSocket"]

QueryInput = Union[str, bytes, Mapping[str, Any], Iterable[Tuple[str, Any]], None]
BodyInput = Union[bytes, str, Iterable[bytes]]

_PATH_SAFE = "/%!$&'()*+,;=:@~-._"


class TestResponse:
    """What the application answered, as the front end received it."""

    __test__ = False

    def __init__(self) -> None:
        self.status = 0
        self.headers = Headers()
        self.body = b""
        self.trailers: Optional[Headers] = None
        self.informational: List[Tuple[int, Headers]] = []
        self.reset: Optional[int] = None  # RESET code when the worker reset the stream
        # The client went away (TestStream.cancel) before the response was complete: `body`
        # holds what had reached the client by then.
        self.cancelled = False
        # Responses the server pushed with this one (spec 8.5): (path, response), in the order
        # promised; only where the capabilities offered push.
        self.pushed: List[Tuple[str, "TestResponse"]] = []

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"<TestResponse {self.status} {len(self.body)} bytes>"


class TestStream:
    """One request in flight: send its body piece by piece, cancel it, read the response
    whole (`response()`) or as it arrives (`iter_bytes()`)."""

    __test__ = False

    def __init__(
        self,
        client: "TestClient",
        stream_id: int,
        *,
        expect_continue: bool,
        capabilities: int = 0,
        headers: Sequence[Tuple[bytes, bytes]] = (),
    ) -> None:
        self._client = client
        self.id = stream_id
        self._capabilities = capabilities
        self._request_headers = headers
        # Streams the worker pushed for this one, added on the loop thread (_deliver).
        self._pushed_streams: List[Tuple[str, "TestStream"]] = []
        self._ended_on_loop = False  # the loop thread delivered the response's last frame
        self._frames: "queue.SimpleQueue[Optional[link.Frame]]" = queue.SimpleQueue()
        self._credit = 0 if expect_continue else client._worker_window
        self._expect_continue = expect_continue
        self._parts: List[bytes] = []
        self._read = 0  # pieces of _parts already handed out by iter_bytes()
        self._response = TestResponse()
        # The application's exception, recorded by the dispatcher before the 500 head or the
        # RESET it causes is written: raised when that frame is read (raise_server_exceptions).
        self._error: Optional[BaseException] = None
        self._cancelling = False
        self.head_received = False
        self.complete = False

    # -- front end -> worker -----------------------------------------------------------------

    def send(self, data: bytes, *, end: bool = False) -> None:
        """Send request body bytes within the worker's window (waits for WINDOW frames);
        stops quietly when the response is already complete."""
        view = memoryview(data)
        while view and not self.complete:
            while self._credit <= 0 and not self.complete:
                self._process(self._next_frame())
            if self.complete:
                return
            size = min(len(view), self._credit, self._client._worker_max_frame)
            last = end and size == len(view)
            self._client._send(
                link.encode_data(self.id, bytes(view[:size]), link.END_STREAM if last else 0)
            )
            self._credit -= size
            view = view[size:]
        if end and not data and not self.complete:
            self._client._send(link.encode_data(self.id, b"", link.END_STREAM))

    def send_trailers(self, trailers: HeadersInput) -> None:
        """End the request body with trailers."""
        if not self.complete:
            raw = MutableHeaders(trailers).raw
            self._client._send(link.encode_trailers(self.id, raw))

    def update_priority(self, value: str) -> None:
        """The client changes the request's priority, as an HTTP/2 PRIORITY_UPDATE does
        (RFC 9218): `value` is a `priority` field value such as "u=1, i"."""
        if not self.complete:
            self._client._send(link.encode_priority(self.id, value.encode("latin-1")))

    def cancel(self) -> None:
        """The client goes away, as when it closes its connection: RESET CANCEL.

        What the worker had already written when the client left reached the client, as the
        server would have forwarded it: those frames are read first, and a response that they
        complete is not cancelled at all. The body received so far stays readable
        (`response().body`, `iter_bytes()`); `response().cancelled` tells it was cut short."""
        if self.complete:
            return
        self._cancelling = True  # a departing client gives no window back
        try:
            # Bounded: only the frames queued before this call, not what a producer adds now.
            for _ in range(self._frames.qsize()):
                try:
                    frame = self._frames.get_nowait()
                except queue.Empty:
                    break
                if frame is None:
                    break
                self._process(frame)
                if self.complete:
                    return
        finally:
            if not self.complete:
                self._client._send(link.encode_reset(self.id, link.CANCEL))
                self._response.cancelled = True
                self._finish()

    # -- worker -> front end -----------------------------------------------------------------

    def head(self) -> TestResponse:
        """Wait for the response head (status and headers; body still to come)."""
        while not self.head_received and not self.complete:
            self._process(self._next_frame())
        return self._response

    def response(self) -> TestResponse:
        """Wait for the complete response, and for those pushed with it."""
        while not self.complete:
            self._process(self._next_frame())
        response = self._response
        for path, pushed in self._pushed_streams[len(response.pushed) :]:
            response.pushed.append((path, pushed.response()))
        return response

    def iter_bytes(self) -> Iterator[bytes]:
        """The response body piece by piece, each as soon as the worker has sent it; ends with
        the response (or with what had arrived when the stream was cancelled or reset)."""
        self.head()
        while True:
            while self._read < len(self._parts):
                piece = self._parts[self._read]
                self._read += 1
                yield piece
            if self.complete:
                return
            self._process(self._next_frame())

    def _next_frame(self) -> link.Frame:
        try:
            frame = self._frames.get(timeout=self._client.timeout)
        except queue.Empty:
            raise TimeoutError(
                f"stream {self.id}: no frame from the worker within {self._client.timeout}s"
            ) from None
        if frame is None:
            raise ConnectionError("the worker link closed")
        return frame

    def _process(self, frame: link.Frame) -> None:
        response = self._response
        if isinstance(frame, link.WindowFrame):
            if self._expect_continue:
                # A.5: the first WINDOW of an Expect: 100-continue stream is the go-ahead.
                self._expect_continue = False
                response.informational.append((100, Headers()))
            self._credit += frame.increment
        elif isinstance(frame, link.InformationalFrame):
            response.informational.append((frame.status, Headers(frame.headers)))
        elif isinstance(frame, link.ResponseFrame):
            response.status = frame.status
            response.headers = Headers(frame.headers)
            self.head_received = True
            if self._error is not None:
                self._fail()  # the 500 the application's exception caused
            if frame.flags & link.END_STREAM:
                self._finish()
        elif isinstance(frame, link.DataFrame):
            if frame.data:
                self._parts.append(frame.data)
            if frame.flags & link.END_STREAM:
                self._finish()
            elif frame.data and not self._cancelling:
                # Everything is "written to the client" at once: give the credit back.
                self._client._send(link.encode_window(self.id, len(frame.data)))
        elif isinstance(frame, link.TrailersFrame):
            response.trailers = Headers(frame.headers)
            self._finish()
        elif isinstance(frame, link.ResetFrame):
            response.reset = frame.code
            self._finish()
            if self._error is not None:
                self._fail()  # the RESET the application's exception caused

    def _fail(self) -> None:
        error, self._error = self._error, None
        if error is not None and self._client.raise_server_exceptions:
            if not self.complete:
                self._finish()  # the rest of the 500 is of no interest
            raise error

    def _finish(self) -> None:
        self.complete = True
        self._response.body = b"".join(self._parts)
        self._client._forget(self.id)


class _TestDispatcher(Dispatcher):
    """The worker's dispatcher, telling the test client which exception caused a 500 or a
    RESET before it sends it (raise_server_exceptions). Everything else is inherited."""

    def __init__(self, client: "TestClient", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client = client

    def _record(self, exchange: Exchange, exc: BaseException) -> None:
        stream = self._client._streams.get(exchange.stream.id)
        if stream is not None and stream._error is None:
            stream._error = exc

    def _not_a_response(
        self, exchange: Exchange, request: Request, returned: Any, exc: BaseException
    ) -> None:
        # What the application returned does not satisfy the response contract (spec 7.8);
        # `exc` names why (an awaitable it returned was awaited instead, never reaching here).
        if not exchange.stopped:
            self._record(exchange, exc)
        super()._not_a_response(exchange, request, returned, exc)

    def _send_500(self, exchange: Exchange, exc: Optional[BaseException]) -> None:
        if exc is not None and not exchange.stopped:
            self._record(exchange, exc)
        super()._send_500(exchange, exc)

    def _failed_after_head(
        self, exchange: Exchange, request: Request, exc: BaseException
    ) -> None:
        if not exchange.stopped:
            self._record(exchange, exc)
        super()._failed_after_head(exchange, request, exc)

    def session_failed(self, exchange: Exchange, label: str, exc: BaseException) -> None:
        self._record(exchange, exc)  # raised where the test sees the session's 1011
        super().session_failed(exchange, label, exc)


class TestClient:
    """Call an application as the server would. Use it as a context manager to run the app's
    lifespan: `with TestClient(app) as client: client.get("/")`.

    Each request's capabilities are those the reference server's HTTP/1 front end would give
    it (see `wsging.testing.capabilities`): early hints on HTTP/1.1 only, response trailers
    only with `TE: trailers`, request trailers only with a chunked request body. Passing
    `capabilities` fixes the bits for every request instead, to test against another host.

    `scheme="https"` (or a `tls` argument) sends every request as if over TLS: the application
    sees `request.tls`, by default TLS 1.3 with ALPN "http/1.1" and no client certificate, as
    the reference server reports a connection from a common client; pass a `TLSInfo` to test
    SNI or client certificates.

    An exception the application raises (or a return value that does not satisfy the response
    contract, spec 7.8) is raised again in the test, where the server would have answered 500
    or reset the stream; `raise_server_exceptions=False` shows what the client would get
    instead.
    """

    __test__ = False

    def __init__(
        self,
        app: Any,
        *,
        capabilities: Optional[int] = None,
        raise_server_exceptions: bool = True,
        debug: bool = False,
        threads: int = 8,
        inline_sync: bool = False,
        client: Optional[Tuple[str, int]] = ("testclient", 50000),
        server: Tuple[str, int] = ("testserver", 80),
        scheme: Optional[str] = None,
        tls: Optional[TLSInfo] = None,
        http_version: str = "1.1",
        timeout: float = 30.0,
        response_window: int = link.DEFAULT_INITIAL_WINDOW,
        response_max_frame: int = link.DEFAULT_MAX_FRAME,
    ) -> None:
        if capabilities is None and http_version not in HTTP1_VERSIONS:
            raise ValueError(
                f"HTTP/{http_version}: give the capabilities such a host would offer; "
                "only HTTP/1.x ones are derived"
            )
        self.app = app
        self.capabilities = capabilities
        self.raise_server_exceptions = raise_server_exceptions
        self.debug = debug
        self.threads = threads
        self.inline_sync = inline_sync
        self.client = client
        self.server = server
        if scheme is None:
            scheme = "https" if tls is not None else "http"
        if tls is not None and scheme != "https":
            raise ValueError(f"TLS facts come only with scheme 'https', not {scheme!r}")
        if scheme == "https" and tls is None:
            tls = TLSInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", alpn_protocol="http/1.1")
        self.scheme = scheme
        self.tls = tls
        self.http_version = http_version
        self.timeout = timeout
        self._response_window = response_window
        self._response_max_frame = response_max_frame
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._session: Optional[WorkerSession] = None
        self._dispatcher: Optional[Dispatcher] = None
        self._pool: Optional[ThreadPool] = None
        self._lifespan: Optional[Lifespan] = None
        self._decoder = link.FrameDecoder()
        self._link_frames: "queue.SimpleQueue[Optional[link.Frame]]" = queue.SimpleQueue()
        self._streams: Dict[int, Union[TestStream, TestWebSocket]] = {}
        self._next_id = 1
        self._lock = threading.Lock()
        self._worker_window = link.DEFAULT_INITIAL_WINDOW
        self._worker_max_frame = link.DEFAULT_MAX_FRAME
        self.worker_settings: Dict[int, int] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> "TestClient":
        self._start(with_lifespan=True)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    def _start(self, with_lifespan: bool) -> None:
        if self._loop is not None:
            return
        loop = self._loop = new_event_loop()
        self._thread = threading.Thread(target=self._loop_main, name="wsging-testclient", daemon=True)
        self._thread.start()
        try:
            if with_lifespan:
                self._lifespan = Lifespan(self.app)
                self._run(self._lifespan.startup())
            self._run(self._connect())
            hello = self._link_frames.get(timeout=self.timeout)
            if not isinstance(hello, link.HelloFrame):
                raise ConnectionError(f"worker sent {hello!r} before HELLO")
            self.worker_settings = dict(hello.settings)
            self._worker_window = self.worker_settings.get(
                link.SETTING_INITIAL_WINDOW, link.DEFAULT_INITIAL_WINDOW
            )
            self._worker_max_frame = self.worker_settings.get(
                link.SETTING_MAX_FRAME, link.DEFAULT_MAX_FRAME
            )
            self._send(
                link.encode_hello(
                    (
                        (link.SETTING_INITIAL_WINDOW, self._response_window),
                        (link.SETTING_MAX_FRAME, self._response_max_frame),
                    )
                )
            )
        except BaseException:
            self._stop_loop()
            raise

    def _loop_main(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        self._pool = ThreadPool(self.threads, name="wsging-testclient-app")
        self._dispatcher = _TestDispatcher(
            self,
            self.app,
            is_async=is_async_app(self.app),
            pool=self._pool,
            loop=loop,
            debug=self.debug,
            inline_sync=self.inline_sync,
        )
        session = self._session = WorkerSession(
            self._dispatcher, loop=loop, worker_id=0, max_streams=self.threads * 2
        )
        session.connection_made(MemoryTransport(loop, session, self._deliver))

    def close(self) -> None:
        """Shut down like a front end does: GOAWAY, close the link, then the lifespan ends."""
        if self._loop is None or self._session is None:
            self._stop_loop()
            return
        self._send(link.encode_goaway(link.GOAWAY_NO_ERROR, "test client closing"))
        session = self._session

        async def shutdown() -> None:
            session.close()
            await session.closed
            if self._dispatcher is not None:
                await self._dispatcher.websockets.drain(self.timeout)
                await self._dispatcher.cancel_all()
            if self._lifespan is not None:
                await self._lifespan.shutdown()

        try:
            self._run(shutdown())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        loop, self._loop = self._loop, None
        if self._pool is not None:
            self._pool.shutdown()
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(self.timeout)
        loop.close()
        self._session = None

    # -- link plumbing -----------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        loop, session = self._loop, self._session
        if loop is None or session is None:
            raise RuntimeError("the test client is closed")
        loop.call_soon_threadsafe(session.data_received, data)

    def _deliver(self, data: bytes) -> None:
        """On the loop thread: bytes the worker wrote."""
        for frame in self._decoder.feed(data):
            if frame.stream == 0:
                self._link_frames.put(frame)
            elif isinstance(frame, link.PushFrame):
                self._on_push(frame)
            else:
                stream = self._streams.get(frame.stream)
                if isinstance(stream, TestWebSocket):
                    if stream._on_loop(frame):
                        stream._frames.put(frame)
                elif stream is not None:
                    if _ends_response(frame):
                        stream._ended_on_loop = True
                    stream._frames.put(frame)

    def _on_push(self, frame: link.PushFrame) -> None:
        """On the loop thread: accept a push as the server would, or decline it (False)."""
        parent = self._streams.get(frame.stream)
        if (
            not isinstance(parent, TestStream)
            or parent._ended_on_loop
            or not parent._capabilities & PUSH
            or not self.worker_settings.get(link.SETTING_PUSH)
        ):
            self._send(push_result(frame.token, False))
            return
        path = frame.path.decode("latin-1")
        raw_path, _, query = frame.path.partition(b"?")
        host = host_of(parent._request_headers, self.server[0].encode("latin-1"))
        headers = promised_headers(parent._request_headers, frame.headers, host)
        stream = self._open(
            "GET", raw_path, query, headers, parent._capabilities & ~PUSH, None, end=True,
            pushed=True,
        )
        parent._pushed_streams.append((path, stream))
        self._send(push_result(frame.token, True))

    def _forget(self, stream_id: int) -> None:
        self._streams.pop(stream_id, None)

    # -- requests ----------------------------------------------------------------------------

    def stream(
        self,
        method: str,
        path: str,
        *,
        headers: Optional[HeadersInput] = None,
        query: QueryInput = None,
        content_length: Optional[int] = None,
        end: bool = False,
    ) -> TestStream:
        """Start a request and return its stream; the body is sent with `TestStream.send`
        (`end=True`: the request has no body)."""
        self._start(with_lifespan=False)
        raw_headers = MutableHeaders(headers)
        if "host" not in raw_headers:
            # Host first, as clients send it.
            raw_headers = MutableHeaders([("host", self.server[0])] + list(raw_headers.raw))
        if content_length is not None and "content-length" not in raw_headers:
            raw_headers.add("content-length", str(content_length))
        elif (
            content_length is None
            and not end
            and "content-length" not in raw_headers
            and "transfer-encoding" not in raw_headers
        ):
            if self.http_version == "1.0" and self.capabilities is None:
                # RFC 9112 §6.3: without either field an HTTP/1.0 request has no body at all;
                # the server would never hand the application what this test would send.
                raise ValueError(
                    "an HTTP/1.0 request body needs a content length (or a transfer-encoding field)"
                )
            # A body of unknown length travels chunked on HTTP/1.1 (RFC 9112 §6.1), and the
            # application sees the field as it would behind the server.
            raw_headers.add("transfer-encoding", "chunked")
        capabilities = self.capabilities
        if capabilities is None:
            capabilities = http1_capabilities(
                self.http_version,
                method,
                raw_headers.raw,
                # As Netty's HttpUtil.isTransferEncodingChunked.
                has_token(raw_headers.raw, b"transfer-encoding", b"chunked"),
            )
        capabilities = self._offered(capabilities)
        expect = raw_headers.get("expect", "").lower() == "100-continue"
        raw_path, _, path_query = path.partition("?")
        return self._open(
            method,
            quote(raw_path or "/", safe=_PATH_SAFE).encode("ascii"),
            _query(path_query, query),
            list(raw_headers.raw),
            capabilities,
            content_length,
            end=end,
            expect=expect,
        )

    def _offered(self, capabilities: int) -> int:
        """The capability word as the server sends it to this worker: push and WebSocket only
        to a worker that announced it can take them (A.2 settings)."""
        if not self.worker_settings.get(link.SETTING_PUSH):
            capabilities &= ~PUSH
        if not self.worker_settings.get(link.SETTING_WEBSOCKET):
            capabilities &= ~WEBSOCKET
        return capabilities

    def _open(
        self,
        method: str,
        raw_path: bytes,
        query: bytes,
        headers: List[Tuple[bytes, bytes]],
        capabilities: int,
        content_length: Optional[int],
        *,
        end: bool,
        expect: bool = False,
        pushed: bool = False,
    ) -> TestStream:
        """Send one REQUEST frame and return its stream (any thread)."""
        with self._lock:
            stream_id = self._next_id
            self._next_id += 1
            stream = TestStream(
                self,
                stream_id,
                expect_continue=expect and not end,
                capabilities=capabilities,
                headers=headers,
            )
            self._streams[stream_id] = stream
        flags = (
            (link.END_STREAM if end else 0)
            | (link.EXPECT_CONTINUE if expect and not end else 0)
            | (link.PUSHED if pushed else 0)
        )
        client_host, client_port = self.client if self.client is not None else ("", 0)
        frame = link.RequestFrame(
            stream_id,
            flags,
            self.http_version,
            self.scheme.encode("ascii"),
            method.encode("ascii"),
            raw_path,
            query,
            client_host.encode("latin-1"),
            client_port,
            self.server[0].encode("latin-1"),
            self.server[1],
            -1 if content_length is None else content_length,
            capabilities,
            headers,
        )
        request_frame = link.encode_request(frame)
        if self.tls is not None and (self.worker_settings.get(link.SETTING_TLS_INFO) or 0) >= 1:
            # As the server does: the TLS frame right before its REQUEST (spec A.2).
            request_frame = link.encode_tls(_tls_frame(stream_id, self.tls)) + request_frame
        self._send(request_frame)
        return stream

    def websocket_connect(
        self,
        path: str,
        *,
        subprotocols: Sequence[str] = (),
        headers: Optional[HeadersInput] = None,
        query: QueryInput = None,
    ) -> TestWebSocket:
        """Open a WebSocket to the application, as a client's HTTP/1.1 handshake the server
        validated (spec 9.1): the application gets a request whose `websocket` is the offer,
        with `subprotocols` offered and `headers` added (an `origin`, a
        `sec-websocket-extensions` offering permessage-deflate...). Returns once the
        application answered: `accepted`, or refused with `response`."""
        self._start(with_lifespan=False)
        if self.http_version != "1.1" and self.capabilities is None:
            raise ValueError(
                f"a WebSocket offer needs HTTP/1.1 (the test client models RFC 6455 offers only), not "
                f"HTTP/{self.http_version}"
            )
        if not self.worker_settings.get(link.SETTING_WEBSOCKET):
            raise RuntimeError("the worker did not announce WEBSOCKET: the server answers 501")
        given = MutableHeaders(headers)
        raw_headers = MutableHeaders(
            [("host", self.server[0])] + handshake_headers(list(subprotocols))
        )
        for name, value in given.raw:
            if name.lower() in (b"host", b"upgrade", b"connection") or name.lower().startswith(
                b"sec-websocket-key"
            ):
                raw_headers.set(name.decode("latin-1"), value.decode("latin-1"))
            else:
                raw_headers.add(name.decode("latin-1"), value.decode("latin-1"))
        capabilities = self.capabilities
        if capabilities is None:
            capabilities = http1_capabilities(self.http_version, "GET", raw_headers.raw, False)
        capabilities = self._offered(capabilities)
        raw_path, _, path_query = path.partition("?")
        with self._lock:
            stream_id = self._next_id
            self._next_id += 1
            ws = TestWebSocket(
                self, stream_id, raw_headers.get_all("sec-websocket-extensions"), TestResponse()
            )
            self._streams[stream_id] = ws
        client_host, client_port = self.client if self.client is not None else ("", 0)
        frame = link.RequestFrame(
            stream_id,
            link.END_STREAM | link.WEBSOCKET,
            self.http_version,
            self.scheme.encode("ascii"),
            b"GET",
            quote(raw_path or "/", safe=_PATH_SAFE).encode("ascii"),
            _query(path_query, query),
            client_host.encode("latin-1"),
            client_port,
            self.server[0].encode("latin-1"),
            self.server[1],
            0,
            capabilities,
            list(raw_headers.raw),
        )
        request_frame = link.encode_request(frame)
        if self.tls is not None and (self.worker_settings.get(link.SETTING_TLS_INFO) or 0) >= 1:
            request_frame = link.encode_tls(_tls_frame(stream_id, self.tls)) + request_frame
        self._send(request_frame)
        ws._handshake()
        return ws

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Optional[HeadersInput] = None,
        body: BodyInput = b"",
        query: QueryInput = None,
    ) -> TestResponse:
        """Send a whole request and wait for the whole response. `body` may be bytes, str
        (UTF-8) or an iterable of bytes (sent as it is produced, length unknown)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, (bytes, bytearray, memoryview)):
            data = bytes(body)
            stream = self.stream(
                method,
                path,
                headers=headers,
                query=query,
                content_length=len(data) if data or method in ("POST", "PUT", "PATCH") else None,
                end=not data,
            )
            if data:
                stream.send(data, end=True)
        else:
            stream = self.stream(method, path, headers=headers, query=query)
            for chunk in body:
                stream.send(chunk)
            stream.send(b"", end=True)
        return stream.response()

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("HEAD", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    def ping(self, data: bytes = b"testping") -> bytes:
        """Send a link PING and return the ACKed bytes (the loop must stay responsive)."""
        self._start(with_lifespan=False)
        self._send(link.encode_ping(data))
        while True:
            try:
                frame = self._link_frames.get(timeout=self.timeout)
            except queue.Empty:
                raise TimeoutError(f"no PING ACK within {self.timeout}s") from None
            if isinstance(frame, link.PingFrame) and frame.flags & link.ACK:
                return frame.data


def _ends_response(frame: link.Frame) -> bool:
    if isinstance(frame, (link.TrailersFrame, link.ResetFrame)):
        return True
    return isinstance(frame, (link.ResponseFrame, link.DataFrame)) and bool(
        frame.flags & link.END_STREAM
    )


def _query(from_path: str, query: QueryInput) -> bytes:
    parts = [from_path.encode("latin-1")] if from_path else []
    if isinstance(query, bytes):
        parts.append(query)
    elif isinstance(query, str):
        parts.append(query.encode("latin-1"))
    elif query is not None:
        parts.append(urlencode(cast(Any, query), doseq=True).encode("ascii"))
    return b"&".join(p for p in parts if p)


def _tls_frame(stream_id: int, tls: TLSInfo) -> link.TlsFrame:
    cert = tls.client_cert
    return link.TlsFrame(
        stream_id,
        tls.version,
        tls.cipher,
        tls.server_name or "",
        tls.alpn_protocol or "",
        cert.subject if cert else "",
        cert.issuer if cert else "",
        cert.serial if cert else "",
        cert.pem if cert else "",
    )
