"""Round trips through TestClient: the real session, dispatch and codec over an in-memory link."""

import asyncio
import contextlib
import threading
import time

import pytest

from wsging import ClientDisconnected, FileResponse, Response
from wsging.testing import TestClient
from wsging.worker import link

from reachable import assert_no_connection, reachable

WAIT = 10  # seconds: generous bound for events that should happen at once


def test_sync_hello():
    def app(request):
        return Response("Hello, world!")

    with TestClient(app) as client:
        response = client.get("/")
    assert response.status == 200
    assert response.text == "Hello, world!"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "13"


def test_async_hello_and_request_attributes():
    seen = {}

    async def app(request):
        seen.update(
            method=request.method, path=request.path, raw_path=request.raw_path,
            query=request.query_string, client=request.client, server=request.server,
            scheme=request.scheme, version=request.http_version, host=request.headers["host"],
            x=request.headers.get_all("x-a"), thread=threading.current_thread().name,
        )
        return Response(b"ok", 201, {"x-b": "2"})

    with TestClient(app) as client:
        response = client.get("/caf\u00e9 x?y=1", query={"z": "2"}, headers=[("X-A", "1"), ("x-a", "2")])
    assert (response.status, response.body, response.headers["x-b"]) == (201, b"ok", "2")
    assert seen["path"] == "/caf\u00e9 x"
    assert seen["raw_path"] == b"/caf%C3%A9%20x"
    assert seen["query"] == b"y=1&z=2"
    assert seen["client"] == ("testclient", 50000)
    assert seen["server"] == ("testserver", 80)
    assert (seen["scheme"], seen["version"], seen["host"]) == ("http", "1.1", "testserver")
    assert seen["x"] == ["1", "2"]
    assert seen["thread"] == "wsging-testclient"  # async apps run on the loop, no thread hop


def test_worker_hello_settings():
    with TestClient(lambda request: Response(b""), threads=3) as client:
        settings = client.worker_settings
    assert settings[link.SETTING_INITIAL_WINDOW] == 256 * 1024
    assert settings[link.SETTING_MAX_STREAMS] == 6
    assert settings[link.SETTING_MAX_FRAME] == 65536


def test_empty_body_and_204():
    with TestClient(lambda request: Response(b"", 204)) as client:
        response = client.delete("/x")
    assert response.status == 204 and response.body == b"" and "content-length" not in response.headers


def test_large_bytes_body_is_split_to_max_frame():
    payload = bytes(range(256)) * 4000
    with TestClient(lambda request: Response(payload), response_max_frame=1000,
                    response_window=5000) as client:
        response = client.get("/")
    assert response.body == payload


@pytest.mark.parametrize("kind", ["generator", "list", "async"])
def test_streamed_bodies(kind):
    chunks = [b"a" * 70000, "b\u00e9", b"", b"c"]

    def gen():
        yield from chunks

    async def agen():
        for chunk in chunks:
            yield chunk

    def app(request):
        body = {"generator": gen(), "list": chunks, "async": agen()}[kind]
        return Response(body, content_type="text/plain")

    with TestClient(app) as client:
        response = client.get("/")
    assert response.body == b"a" * 70000 + "b\u00e9".encode() + b"c"
    assert "content-length" not in response.headers


def test_generator_is_closed_after_streaming():
    closed = threading.Event()

    def gen():
        try:
            yield b"x"
        finally:
            closed.set()

    with TestClient(lambda request: Response(gen())) as client:
        assert client.get("/").body == b"x"
    assert closed.wait(WAIT)


def test_file_response(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"z" * 200000)
    with TestClient(lambda request: FileResponse(path)) as client:
        response = client.get("/")
    assert response.body == b"z" * 200000
    assert response.headers["content-length"] == "200000"
    assert response.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("mode", ["read", "read-sized", "readline", "iterate"])
def test_sync_request_body_reads(mode):
    def app(request):
        body = request.body
        if mode == "read":
            data = body.read()
        elif mode == "read-sized":
            data = b"".join(iter(lambda: body.read(7777), b""))
        elif mode == "readline":
            data = b"".join(iter(body.readline, b""))
        else:
            data = b"".join(body)
        return Response(data)

    payload = b"line\n" * 200000  # 1 MB: several windows' worth
    with TestClient(app) as client:
        assert client.post("/", body=payload).body == payload
        # Unknown length (chunked on HTTP/1.1): reading to the end still works (W3).
        assert client.post("/", body=iter([payload[:3], payload[3:]])).body == payload


@pytest.mark.parametrize("mode", ["aread", "aread-sized", "areadline", "aiterate"])
def test_async_request_body_reads(mode):
    async def app(request):
        body = request.body
        if mode == "aread":
            data = await body.aread()
        elif mode == "aread-sized":
            parts = []
            while True:
                part = await body.aread(5000)
                if not part:
                    break
                parts.append(part)
            data = b"".join(parts)
        elif mode == "areadline":
            parts = []
            while True:
                line = await body.areadline()
                if not line:
                    break
                parts.append(line)
            data = b"".join(parts)
        else:
            data = b"".join([chunk async for chunk in body])
        return Response(data)

    payload = b"0123456789\n" * 100000
    with TestClient(app) as client:
        assert client.post("/", body=payload).body == payload


def test_streaming_echo_with_sync_generator():
    def app(request):
        def echo():
            for chunk in request.body:
                yield chunk

        return Response(echo())

    payload = bytes(range(256)) * 20000  # 5 MB, far more than the windows
    with TestClient(app) as client:
        assert client.post("/echo", body=payload).body == payload


def test_expect_continue_only_when_the_app_reads():
    def app(request):
        if request.path == "/read":
            return Response(request.body.read())
        return Response(b"rejected", 413)

    headers = {"expect": "100-continue"}
    with TestClient(app) as client:
        read = client.post("/read", body=b"x" * 300000, headers=headers)
        rejected = client.post("/reject", body=b"x" * 10, headers=headers)
    assert read.body == b"x" * 300000
    assert [status for status, _ in read.informational] == [100]
    assert rejected.status == 413 and rejected.informational == []


def test_request_trailers_are_exposed_after_the_body():
    def app(request):
        data = request.body.read()
        return Response(data + b"|" + request.body.trailers["x-sum"].encode())

    with TestClient(app, capabilities=0x10) as client:
        stream = client.stream("POST", "/")
        stream.send(b"abc")
        stream.send_trailers({"x-sum": "6"})
        assert stream.response().body == b"abc|6"


@pytest.mark.parametrize("capabilities, expected", [(0x01, "0"), (0x00, None)])
@pytest.mark.parametrize("body", [b"data", [b"da", b"ta"], "gen"])
def test_trailers_sent_only_with_the_capability(capabilities, expected, body):
    def app(request):
        chunks = (c for c in [b"da", b"ta"]) if body == "gen" else body
        return Response(chunks, trailers=lambda: {"grpc-status": "0"})

    with TestClient(app, capabilities=capabilities) as client:
        response = client.get("/")
    assert response.body == b"data"
    got = response.trailers.get("grpc-status") if response.trailers is not None else None
    assert got == expected


def test_early_hints():
    def app(request):
        sent = request.send_informational(103, [("link", "</s.css>; rel=preload")])
        return Response(str(sent))

    async def async_app(request):
        sent = await request.asend_informational(103, {"link": "</a.js>"})
        return Response(str(sent))

    with TestClient(app) as client:
        response = client.get("/")
        assert response.text == "True"
        assert [(s, h["link"]) for s, h in response.informational] == [(103, "</s.css>; rel=preload")]
    with TestClient(app, capabilities=0) as client:
        response = client.get("/")
        assert response.text == "False" and response.informational == []
    with TestClient(async_app) as client:
        assert client.get("/").informational[0][1]["link"] == "</a.js>"


def test_lifespan_sync_and_async():
    events = []

    @contextlib.contextmanager
    def sync_lifespan():
        events.append("sync start")
        yield
        events.append("sync stop")

    @contextlib.asynccontextmanager
    async def async_lifespan():
        events.append("async start")
        yield
        events.append("async stop")

    def app(request):
        return Response(",".join(events))

    app.lifespan = sync_lifespan
    with TestClient(app) as client:
        assert client.get("/").text == "sync start"
    assert events == ["sync start", "sync stop"]

    events.clear()
    app.lifespan = async_lifespan
    with TestClient(app) as client:
        assert client.get("/").text == "async start"
    assert events == ["async start", "async stop"]


def test_lifespan_failure_raises_load_error():
    from wsging.worker.loading import LoadError

    def app(request):
        return Response(b"")

    def lifespan():
        raise RuntimeError("database down")

    app.lifespan = lifespan
    with pytest.raises(LoadError, match="lifespan startup failed: RuntimeError: database down"):
        with TestClient(app):
            pass


def failing_app(request):
    raise ValueError("secret detail")


async def failing_async_app(request):
    raise ValueError("secret detail")


@pytest.mark.parametrize("app", [failing_app, failing_async_app])
def test_500_without_traceback(app, caplog):
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status == 500
    assert response.text == "Internal Server Error"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert any("secret detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize("app", [failing_app, failing_async_app])
def test_500_with_traceback_in_debug(app):
    with TestClient(app, debug=True, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status == 500
    assert response.text.startswith("Internal Server Error\n\nTraceback")
    assert "ValueError: secret detail" in response.text


@pytest.mark.parametrize("result", [None, "text", b"bytes", 200])
def test_returning_a_non_response_is_a_500(result, caplog):
    with TestClient(lambda request: result, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500 and response.text == "Internal Server Error"
    returned = "None" if result is None else type(result).__name__
    assert any(
        "invalid response for GET /" in r.getMessage()
        and f"returned {returned}" in r.getMessage()
        and ("instead of a response" in r.getMessage() or "not a response" in r.getMessage())
        for r in caplog.records
    )


@pytest.mark.parametrize("asynchronous", [False, True])
def test_error_after_the_head_resets_the_stream(asynchronous):
    def gen():
        yield b"part"
        raise RuntimeError("mid-body")

    async def agen():
        yield b"part"
        raise RuntimeError("mid-body")

    app = lambda request: Response(agen() if asynchronous else gen())  # noqa: E731
    with TestClient(app, raise_server_exceptions=False) as client:
        stream = client.stream("GET", "/", end=True)
        response = stream.response()
    assert response.status == 200
    assert response.reset == link.INTERNAL_ERROR


def test_invalid_trailers_after_the_body_reset_the_stream():
    app = lambda request: Response(iter([b"x"]), trailers=lambda: {"bad name": "1"})  # noqa: E731
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").reset == link.INTERNAL_ERROR


def test_bad_chunk_type_in_list_is_a_500():
    with TestClient(lambda request: Response([b"ok", 5]), raise_server_exceptions=False) as client:
        assert client.get("/").status == 500


def test_sync_body_methods_raise_on_the_event_loop():
    async def app(request):
        try:
            request.body.read()
        except RuntimeError as exc:
            return Response(str(exc))
        return Response("no error")

    with TestClient(app) as client:
        assert "would block the event loop" in client.post("/", body=b"x").text


def test_disconnect_while_a_sync_app_reads_the_body():
    started, finished = threading.Event(), threading.Event()
    outcome = {}

    def app(request):
        if request.method == "GET":
            return Response(b"still serving")
        started.set()
        try:
            request.body.read()
            outcome["result"] = "read"
        except ClientDisconnected:
            outcome["result"] = "disconnected"
        outcome["flag"] = request.disconnected
        finished.set()
        return Response(b"too late")

    with TestClient(app) as client:
        stream = client.stream("POST", "/")
        stream.send(b"partial")
        assert started.wait(WAIT)
        stream.cancel()
        assert finished.wait(WAIT)
        assert client.get("/").status == 200  # the link is still fine
    assert outcome == {"result": "disconnected", "flag": True}


def test_async_wait_disconnected_and_pending_read():
    results = []

    async def app(request):
        if request.path == "/wait":
            await request.wait_disconnected()
            results.append(("wait", request.disconnected))
        else:
            try:
                await request.body.aread()
            except ClientDisconnected:
                results.append(("read", request.disconnected))
        return Response(b"")

    with TestClient(app) as client:
        waiting = client.stream("GET", "/wait", end=True)
        reader = client.stream("POST", "/read")
        assert client.ping() == b"testping"  # both apps are running by now
        waiting.cancel()
        reader.cancel()
        client.ping()  # the loop has processed the RESETs
        client.ping()  # and the woken tasks have run
    assert sorted(results) == [("read", True), ("wait", True)]


def test_cancel_stops_and_closes_the_producer():
    produced = []
    pulled = threading.Event()
    closed = threading.Event()

    def gen():
        try:
            for i in range(10**9):
                produced.append(i)
                pulled.set()
                yield b"x" * 10000
        finally:
            closed.set()

    with TestClient(lambda request: Response(gen())) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        # Once it runs: a generator closed before its first pull runs none of its code (the
        # body is closed unpulled when the client leaves first, as a loaded machine may see).
        assert pulled.wait(WAIT)
        stream.cancel()
        assert closed.wait(WAIT)
    assert len(produced) < 10**9


def test_ping_answered_while_sync_apps_block():
    release = threading.Event()
    running = threading.Event()

    def app(request):
        running.set()
        release.wait(WAIT)
        return Response(b"done")

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert running.wait(WAIT)
        assert client.ping(b"12345678") == b"12345678"
        release.set()
        assert stream.response().body == b"done"


def test_many_concurrent_requests():
    def app(request):
        return Response(request.path)

    with TestClient(app, threads=4) as client:
        streams = [client.stream("GET", f"/{i}", end=True) for i in range(50)]
        assert [s.response().text for s in streams] == [f"/{i}" for i in range(50)]


def test_client_without_context_manager_skips_lifespan():
    def app(request):
        return Response(b"x")

    def lifespan():
        raise AssertionError("not expected")

    app.lifespan = lifespan
    client = TestClient(app)
    try:
        assert client.get("/").body == b"x"
    finally:
        client.close()


def test_context_variables_survive_the_first_await():
    import contextvars

    var = contextvars.ContextVar("var", default="unset")

    async def app(request):
        var.set(request.path)
        await asyncio.sleep(0)
        await request.body.aread()
        return Response(var.get())

    with TestClient(app) as client:
        assert client.post("/a", body=b"x").text == "/a"
        assert client.get("/b").text == "/b"


def test_cancelled_async_app_sees_cancellation_at_shutdown():
    cancelled = threading.Event()
    started = threading.Event()

    async def app(request):
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return Response(b"")

    with TestClient(app) as client:
        client.stream("GET", "/", end=True)
        assert started.wait(WAIT)
        client.ping()
    assert cancelled.is_set()


def test_wait_disconnected_returns_when_the_response_completes():
    watcher_done = threading.Event()

    async def app(request):
        async def watch():
            await request.wait_disconnected()
            watcher_done.set()

        asyncio.get_running_loop().create_task(watch())
        await asyncio.sleep(0)
        return Response(b"done")

    with TestClient(app) as client:
        assert client.get("/").body == b"done"
        client.ping()
        assert watcher_done.wait(WAIT)


def test_file_like_bodies_are_read_in_chunks_and_closed():
    import io

    class Tracked(io.BytesIO):
        reads = 0

        def read(self, size=-1):
            Tracked.reads += 1
            assert 0 < size <= 65536  # never the whole file at once
            return super().read(size)

    body = Tracked(b"q" * 300000)
    with TestClient(lambda request: Response(body)) as client:
        assert client.get("/").body == b"q" * 300000
    assert Tracked.reads >= 5
    assert body.closed


def test_text_file_body_is_utf8_encoded(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("h\u00e9", encoding="utf-8")

    def app(request):
        return Response(open(path, encoding="utf-8"))

    with TestClient(app) as client:
        assert client.get("/").body == "h\u00e9".encode()


# -- the rules of spec sections 4, 7 and 11, one test each -------------------------------------

LOOP_THREAD = "wsging-testclient"  # the TestClient's event loop thread


async def _async_app(request):
    return Response(threading.current_thread().name)


class _AsyncCallable:
    async def __call__(self, request):
        return Response(threading.current_thread().name)


class _SyncCallable:
    def __call__(self, request):
        return Response(threading.current_thread().name)


@pytest.mark.parametrize(
    "app, on_loop",
    [
        (lambda request: Response(threading.current_thread().name), False),
        (_SyncCallable(), False),
        (_async_app, True),
        (_AsyncCallable(), True),
        (__import__("functools").partial(_async_app), True),
    ],
    ids=["function", "sync __call__", "coroutine function", "async __call__", "partial"],
)
def test_async_apps_run_on_the_loop_and_sync_apps_in_other_threads(app, on_loop):
    with TestClient(app) as client:
        names = {client.get(f"/{i}").text for i in range(3)}
    if on_loop:
        assert names == {LOOP_THREAD}
    else:
        assert LOOP_THREAD not in names and all(n.startswith("wsging-testclient-app") for n in names)


@pytest.mark.parametrize("method", ["read", "readline", "iterate"])
def test_every_blocking_body_method_raises_on_the_event_loop(method):
    async def app(request):
        body = request.body
        call = {"read": body.read, "readline": body.readline, "iterate": lambda: next(iter(body))}
        try:
            call[method]()
        except RuntimeError as exc:
            return Response(f"RuntimeError: {exc}")
        return Response("no error")

    with TestClient(app) as client:
        assert client.post("/", body=b"x\n").text.startswith("RuntimeError: request.body's sync")


def test_sync_body_of_an_async_app_is_iterated_off_the_loop():
    release = threading.Event()
    pulled_in = []

    def chunks():
        pulled_in.append(threading.current_thread().name)
        release.wait(WAIT)  # blocks: on the loop this would stop the PING below
        yield b"done"

    async def app(request):
        return Response(chunks())

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        assert client.ping(b"loopfree") == b"loopfree"  # the loop runs while the body blocks
        release.set()
        assert stream.response().body == b"done"
    assert pulled_in and pulled_in[0] != LOOP_THREAD


def test_async_body_of_a_sync_app_is_iterated_on_the_loop():
    pulled_in = []

    async def chunks():
        pulled_in.append(threading.current_thread().name)
        yield b"async body"

    with TestClient(lambda request: Response(chunks())) as client:
        assert client.get("/").body == b"async body"
    assert pulled_in == [LOOP_THREAD]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_head_is_sent_before_the_first_chunk_exists(asynchronous):
    first_chunk = threading.Event()

    def chunks():
        first_chunk.wait(WAIT)
        yield b"late"

    async def achunks():
        while not first_chunk.is_set():
            await asyncio.sleep(0.005)
        yield b"late"

    def app(request):
        return Response(achunks() if asynchronous else chunks(), headers={"x-early": "yes"})

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        head = stream.head()  # arrives while the body cannot have produced anything
        assert (head.status, head.headers.get("x-early")) == (200, "yes")
        assert not first_chunk.is_set() and not stream.complete
        first_chunk.set()
        assert stream.response().body == b"late"


class _ProbeBody:
    """A body that records whether it was pulled from and how often it was closed."""

    def __init__(self, chunks=(b"a", b"b"), fail_at=None, endless=False):
        self.chunks = list(chunks)
        self.fail_at = fail_at
        self.endless = endless
        self.pulled = 0
        self.closes = 0
        self.closed = threading.Event()

    def _next(self):
        self.pulled += 1
        if self.fail_at is not None and self.pulled == self.fail_at:
            raise RuntimeError("body failed")
        if self.endless:
            return b"x" * 1000
        if self.pulled > len(self.chunks):
            return None
        return self.chunks[self.pulled - 1]

    def _close(self):
        self.closes += 1
        self.closed.set()


class SyncProbe(_ProbeBody):
    def __iter__(self):
        return self

    def __next__(self):
        chunk = self._next()
        if chunk is None:
            raise StopIteration
        return chunk

    def close(self):
        self._close()


class AsyncProbe(_ProbeBody):
    def __aiter__(self):
        return self

    async def __anext__(self):
        chunk = self._next()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def aclose(self):
        self._close()


@pytest.mark.parametrize("probe_type", [SyncProbe, AsyncProbe])
@pytest.mark.parametrize("method, status", [("HEAD", 200), ("GET", 204), ("GET", 304)])
def test_bodiless_responses_close_the_body_without_iterating_it(probe_type, method, status):
    probe = probe_type()

    def app(request):
        return Response(probe, status, {"x-kept": "1"}, trailers=lambda: {"x-t": "1"})

    with TestClient(app) as client:
        response = client.request(method, "/")
        assert probe.closed.wait(WAIT)
    assert (response.status, response.headers.get("x-kept"), response.body) == (status, "1", b"")
    assert response.trailers is None
    assert (probe.pulled, probe.closes) == (0, 1)


def test_head_response_keeps_the_length_of_the_get_response():
    with TestClient(lambda request: Response("Hello, world!")) as client:
        response = client.head("/")
    assert (response.body, response.headers.get("content-length")) == (b"", "13")


@pytest.mark.parametrize("probe_type", [SyncProbe, AsyncProbe])
@pytest.mark.parametrize("asynchronous_app", [False, True])
@pytest.mark.parametrize("ending", ["complete", "error", "disconnect", "gone before the head"])
def test_body_is_closed_exactly_once_however_it_ends(probe_type, asynchronous_app, ending):
    probe = probe_type(fail_at=2 if ending == "error" else None, endless=ending == "disconnect")
    app_running, may_return = threading.Event(), threading.Event()

    def app(request):
        if ending == "gone before the head":
            app_running.set()
            may_return.wait(WAIT)
        return Response(probe)

    async def async_app(request):
        if ending == "gone before the head":
            app_running.set()
            try:
                while not request.disconnected:
                    await asyncio.sleep(0.005)
            except asyncio.CancelledError:
                pass  # the client left (spec 11.1); the response made anyway is discarded
        return Response(probe)

    chosen = async_app if asynchronous_app else app
    with TestClient(chosen, raise_server_exceptions=False) as client:
        stream = client.stream("GET", "/", end=True)
        if ending == "complete":
            assert stream.response().body == b"ab"
        elif ending == "error":
            assert stream.response().reset == link.INTERNAL_ERROR
        elif ending == "disconnect":
            assert stream.head().status == 200
            stream.cancel()
        else:
            assert app_running.wait(WAIT)
            stream.cancel()
            client.ping()  # the worker has processed the RESET
            may_return.set()
        assert probe.closed.wait(WAIT)
        client.ping()
        client.ping()  # time for a second close, were there one
    assert probe.closes == 1
    if ending == "gone before the head":
        assert probe.pulled == 0  # discarded, not iterated (spec 11.2)


@pytest.mark.parametrize("body", [b"data", [b"da", b"ta"], "generator", "async generator"])
def test_trailers_callable_is_called_even_when_the_trailers_are_dropped(body):
    called = threading.Event()

    def trailers():
        called.set()
        return {"x-final": "1"}

    def gen():
        yield b"da"
        yield b"ta"

    async def agen():
        yield b"da"
        yield b"ta"

    def app(request):
        if body == "generator":
            return Response(gen(), trailers=trailers)
        if body == "async generator":
            return Response(agen(), trailers=trailers)
        return Response(body, trailers=trailers)

    with TestClient(app, capabilities=0) as client:  # the connection cannot carry trailers
        response = client.get("/")
    assert (response.body, response.trailers) == (b"data", None)
    assert called.is_set()


def test_request_trailers_arrive_after_the_end_and_stay_out_of_the_headers():
    seen = {}

    def app(request):
        seen["before"] = request.body.trailers
        seen["body"] = request.body.read()
        seen["after"] = request.body.trailers
        seen["in headers"] = "x-checksum" in request.headers
        return Response(b"")

    with TestClient(app, capabilities=0x10) as client:
        stream = client.stream("POST", "/", headers={"x-header": "h"})
        stream.send(b"abc")
        stream.send_trailers([("X-Checksum", "900150983cd24fb0"), ("x-checksum", "2")])
        stream.response()
        assert seen["before"] is None and seen["body"] == b"abc"
        assert seen["after"].raw == [(b"X-Checksum", b"900150983cd24fb0"), (b"x-checksum", b"2")]
        assert seen["in headers"] is False

        seen.clear()
        client.post("/", body=b"no trailers")
        assert seen["after"] is None


def test_disconnect_is_seen_without_reading_the_body():
    seen = {}
    finished = threading.Event()

    async def async_app(request):
        await request.wait_disconnected()
        seen["async"] = request.disconnected
        finished.set()
        return Response(b"")

    def sync_app(request):
        deadline = time.monotonic() + WAIT
        while not request.disconnected and time.monotonic() < deadline:
            time.sleep(0.005)  # a sync app checks the flag between steps of its work
        seen["sync"] = request.disconnected
        finished.set()
        return Response(b"")

    for app in (async_app, sync_app):
        finished.clear()
        with TestClient(app) as client:
            stream = client.stream("POST", "/")
            stream.send(b"unread body")
            client.ping()
            stream.cancel()
            assert finished.wait(WAIT)
    assert seen == {"async": True, "sync": True}


def test_an_application_awaiting_wait_disconnected_is_not_cancelled():
    # spec 11.1: it watches for the disconnect itself, so it decides what to stop
    outcome = []
    done = threading.Event()

    async def app(request):
        try:
            await request.wait_disconnected()
            await asyncio.sleep(0.01)  # work after the disconnect still runs to its end
            outcome.append("finished")
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        finally:
            done.set()
        return Response(b"discarded")

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        client.ping()
        stream.cancel()
        assert done.wait(WAIT)
    assert outcome == ["finished"]


def test_async_generator_body_gets_generator_exit_at_its_yield_after_a_disconnect():
    events = []
    closed = threading.Event()

    async def app(request):
        async def chunks():
            try:
                while True:
                    yield b"y" * 10000
            except GeneratorExit:
                events.append("GeneratorExit")
                raise
            finally:
                closed.set()

        return Response(chunks())

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        stream.cancel()
        assert closed.wait(WAIT)
    assert events == ["GeneratorExit"]


def test_no_object_an_application_receives_exposes_the_connection():
    # C4: whatever an app can reach from its request, no socket, descriptor or transport.
    reached = []

    def app(request):
        reached.extend(reachable(request, max_depth=3))
        return Response(b"")

    with TestClient(app) as client:
        client.post("/", body=b"x")
    assert_no_connection(reached)


@pytest.mark.parametrize("window", [7, 1000, 1 << 20])
def test_sync_producer_output_is_intact_whatever_the_window(window):
    # The producer thread runs ahead while the front end has credit and waits past it; every
    # byte must arrive once and in order either way.
    chunks = [bytes([65 + i % 26]) * (i % 50 + 1) for i in range(300)]

    def app(request):
        return Response(iter(chunks))

    with TestClient(app, response_window=window, response_max_frame=64) as client:
        response = client.get("/")
    assert response.status == 200
    assert response.body == b"".join(chunks)


# -- the client tells the truth: capabilities, exceptions, incremental reads, cancel ----------


_CAPABILITY_NAMES = ["early_hints", "request_trailers", "response_trailers"]


def _capabilities_app(request):
    # In a header, so that a HEAD response shows them too.
    names = [name for name in _CAPABILITY_NAMES if getattr(request.capabilities, name)]
    return Response(b"", headers={"x-caps": " ".join(names) or "-"})


@pytest.mark.parametrize(
    "version, method, headers, streamed, expected",
    [
        ("1.0", "GET", [], False, "-"),
        ("1.0", "GET", [("TE", "trailers")], False, "-"),
        ("1.1", "GET", [], False, "early_hints"),
        ("1.1", "GET", [("TE", "trailers")], False, "early_hints response_trailers"),
        ("1.1", "GET", [("te", "deflate, Trailers")], False, "early_hints response_trailers"),
        ("1.1", "GET", [("TE", "trailers;q=1")], False, "early_hints"),
        ("1.1", "HEAD", [("TE", "trailers")], False, "early_hints"),
        ("1.1", "POST", [], False, "early_hints"),
        ("1.1", "POST", [], True, "early_hints request_trailers"),
        ("1.1", "POST", [("TE", "trailers")], True, "early_hints request_trailers response_trailers"),
    ],
)
def test_capabilities_are_derived_per_request_as_the_server_does(version, method, headers, streamed, expected):
    body = iter([b"a", b"b"]) if streamed else b"x" if method == "POST" else b""
    with TestClient(_capabilities_app, http_version=version) as client:
        response = client.request(method, "/", headers=headers, body=body)
    assert (response.status, response.headers["x-caps"]) == (200, expected)


def test_no_trailers_and_no_early_hints_where_the_server_gives_none():
    def app(request):
        hinted = request.send_informational(103, {"link": "</a.css>"})
        return Response(str(hinted), trailers=lambda: {"x-t": "1"})

    with TestClient(app, http_version="1.0") as client:
        response = client.get("/", headers={"TE": "trailers"})
    assert (response.text, response.informational, response.trailers) == ("False", [], None)
    with TestClient(app) as client:
        plain = client.get("/")
        asked = client.get("/", headers={"TE": "trailers"})
    assert (plain.text, plain.trailers) == ("True", None)
    assert asked.trailers is not None and asked.trailers["x-t"] == "1"


def test_a_streamed_request_body_is_chunked_and_carries_trailers():
    def app(request):
        data = request.body.read()
        trailers = request.body.trailers
        return Response(request.headers.get("transfer-encoding", "-") + " " + data.decode()
                        + " " + (trailers["x-sum"] if trailers is not None else "-"))

    with TestClient(app) as client:
        stream = client.stream("POST", "/")
        stream.send(b"abc")
        stream.send_trailers({"x-sum": "6"})
        assert stream.response().text == "chunked abc 6"


def test_an_http_1_0_body_of_unknown_length_is_refused_as_the_server_would_never_see_it():
    with TestClient(_capabilities_app, http_version="1.0") as client:
        with pytest.raises(ValueError, match="HTTP/1.0 request body needs a content length"):
            client.post("/", body=iter([b"a"]))
        assert client.post("/", body=b"a").headers["x-caps"] == "-"  # a sized body is fine


def test_explicit_capabilities_are_used_as_given_and_other_versions_need_them():
    with TestClient(_capabilities_app, capabilities=0x10, http_version="1.0") as client:
        assert client.get("/").headers["x-caps"] == "request_trailers"
    with pytest.raises(ValueError, match="HTTP/2"):
        TestClient(_capabilities_app, http_version="2")


class AppFailure(Exception):
    pass


def _failing_sync(request):
    raise AppFailure("before the head")


async def _failing_async(request):
    raise AppFailure("before the head")


def _failing_body(request):
    def gen():
        yield b"part"
        raise AppFailure("after the head")

    return Response(gen())


def _failing_async_body(request):
    async def gen():
        yield b"part"
        raise AppFailure("after the head")

    return Response(gen())


@pytest.mark.parametrize("app", [_failing_sync, _failing_async, _failing_body, _failing_async_body])
def test_application_exceptions_are_raised_in_the_test_by_default(app):
    with TestClient(app) as client:
        with pytest.raises(AppFailure):
            client.get("/")
        # The exception belongs to its request: the next one is served, and raises again.
        with pytest.raises(AppFailure):
            client.get("/")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500 or response.reset == link.INTERNAL_ERROR


def test_returning_a_non_response_raises_type_error_by_default():
    with TestClient(lambda request: "text") as client:
        with pytest.raises(TypeError, match="str is not a response: it has no status, headers, body attribute"):
            client.get("/")


def test_a_client_disconnect_seen_by_the_app_is_not_raised():
    reading = threading.Event()

    def app(request):
        reading.set()
        request.body.read()  # raises ClientDisconnected once the client has gone
        return Response(b"unreachable")

    with TestClient(app) as client:
        stream = client.stream("POST", "/")
        stream.send(b"part")
        assert reading.wait(WAIT)
        stream.cancel()  # no exception: nobody is there to answer
        assert stream.response().cancelled
        assert client.get("/").body == b"unreachable"  # a GET has an empty body: no disconnect


def test_a_streamed_response_is_read_as_it_arrives():
    steps = [threading.Event() for _ in range(3)]

    def gen():
        for i, step in enumerate(steps):
            assert step.wait(WAIT)
            yield f"piece {i};".encode()

    with TestClient(lambda request: Response(gen())) as client:
        stream = client.stream("GET", "/", end=True)
        pieces = stream.iter_bytes()
        for i, step in enumerate(steps):
            step.set()  # the next piece exists only once the test has read the one before
            assert next(pieces) == f"piece {i};".encode()
        assert list(pieces) == []
        assert stream.response().body == b"piece 0;piece 1;piece 2;"


def test_cancel_keeps_what_reached_the_client():
    produced = threading.Event()

    def gen():
        yield b"first"
        produced.set()
        threading.Event().wait(WAIT)  # holds the stream open until the client leaves
        yield b"never read"

    with TestClient(lambda request: Response(gen())) as client:
        stream = client.stream("GET", "/", end=True)
        assert produced.wait(WAIT)
        client.ping()  # "first" has been written to the link by now
        stream.cancel()
        response = stream.response()
        assert (response.status, response.body, response.cancelled) == (200, b"first", True)
        assert list(stream.iter_bytes()) == [b"first"]


def test_cancel_after_the_worker_finished_keeps_the_whole_response():
    finished = threading.Event()

    def app(request):
        request.on_complete(lambda outcome: finished.set())
        return Response(iter([b"a", b"b"]))

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert finished.wait(WAIT)  # the whole response is written to the link
        client.ping()  # and has reached the client: the answer to the ping comes after it
        stream.cancel()
        response = stream.response()
    assert (response.body, response.cancelled, response.reset) == (b"ab", False, None)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize(
    "status, headers, error",
    [(100, None, "InvalidStatus"), (200, None, "InvalidStatus"), ("103", None, "InvalidStatus"),
     (103, {"link": "</a>\r\nx-smuggled: 1"}, "InvalidHeader"), (103, {"bad name": "v"}, "InvalidHeader")],
)
def test_informational_calls_are_validated_whether_or_not_early_hints_work(version, asynchronous, status, headers, error):
    # MUST-INFO-1: on HTTP/1.0 early hints are absent and the call would return False; an
    # invalid status or header must raise all the same, or the bug shows only on some hosts.
    from wsging import InvalidHeader, InvalidStatus

    seen = {}

    def app(request):
        seen["early_hints"] = request.capabilities.early_hints
        request.send_informational(status, headers)
        return Response(b"not reached")

    async def async_app(request):
        seen["early_hints"] = request.capabilities.early_hints
        await request.asend_informational(status, headers)
        return Response(b"not reached")

    expected = {"InvalidStatus": InvalidStatus, "InvalidHeader": InvalidHeader}[error]
    with TestClient(async_app if asynchronous else app, http_version=version) as client:
        with pytest.raises(expected):
            client.get("/")
    assert seen["early_hints"] is (version == "1.1")


@pytest.mark.parametrize("method, status", [("HEAD", 200), ("GET", 204), ("GET", 304)])
def test_trailers_of_a_response_without_content_are_dropped_and_the_callable_called_once(method, status):
    # Spec 7.6: no content, no trailer section, whatever the capability says.
    calls = []

    def app(request):
        return Response(b"x", status, trailers=lambda: calls.append(1) or {"x-t": "1"})

    with TestClient(app, capabilities=0x03) as client:  # response trailers offered
        response = client.request(method, "/", headers={"TE": "trailers"})
        client.ping()
    assert (response.status, response.body, response.trailers) == (status, b"", None)
    assert calls == [1]


def test_body_trailers_say_none_were_sent_only_once_the_body_has_been_read_to_the_end():
    # Spec 6.6: before the end, None says nothing (the trailers may still come); after it, None
    # means the request had none.
    seen = []
    read_some = threading.Event()

    def app(request):
        first = request.body.read(3)
        seen.append(request.body.trailers)  # the trailers have not been sent yet
        read_some.set()
        rest = request.body.read()
        seen.append(request.body.trailers)
        return Response(first + rest)

    with TestClient(app) as client:
        stream = client.stream("POST", "/")
        stream.send(b"abc")
        assert read_some.wait(WAIT)
        stream.send(b"def")
        stream.send_trailers({"x-sum": "21"})
        assert stream.response().body == b"abcdef"
        assert seen[0] is None and seen[1]["x-sum"] == "21"
        seen.clear()
        read_some.clear()
        assert client.post("/", body=iter([b"abc", b"def"])).body == b"abcdef"  # chunked, no trailers
        assert seen == [None, None]
