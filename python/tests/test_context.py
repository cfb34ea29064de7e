"""A request's life in the worker: its own contextvars context, completion callbacks,
cancellation when the client leaves, BaseExceptions, and sync producers that give their thread
back while the client reads nothing (spec 7.4, 11.1, 11.3, 11.6, 11.7)."""

import asyncio
import contextvars
import logging
import threading

import pytest

from wsging import Response
from wsging.testing import TestClient
from wsging.worker import link

WAIT = 10

var: "contextvars.ContextVar[str]" = contextvars.ContextVar("request_var", default="unset")

MODES = ["pool", "inline", "async"]


def _client(app, mode, **options):
    return TestClient(app, inline_sync=mode == "inline", **options)


def _sync_or_async(mode, handler):
    """`handler(request)` as a sync app, or wrapped in an async one for mode "async"."""
    if mode != "async":
        return handler

    async def app(request):
        return handler(request)

    return app


# -- one context per request ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_value_set_by_one_request_is_never_seen_by_the_next(mode):
    def handler(request):
        before = var.get()
        var.set(request.path)
        return Response(before)

    # One thread: every sync request runs on the same pool thread, where values used to stay.
    with _client(_sync_or_async(mode, handler), mode, threads=1) as client:
        seen = [client.get(f"/request-{i}").text for i in range(5)]
    assert seen == ["unset"] * 5


@pytest.mark.parametrize("mode", ["pool", "inline"])
def test_a_sync_body_generator_runs_in_the_context_of_its_application_call(mode):
    def app(request):
        token = var.set("set by the app")

        def body():
            yield var.get().encode()
            var.set("set by the body")
            yield b"," + var.get().encode()
            var.reset(token)  # the token of the app's own context: it must be this one
            yield b"," + var.get().encode()

        return Response(body())

    with _client(app, mode, threads=1, response_window=4) as client:
        for _ in range(3):  # a tiny window parks the producer between chunks
            assert client.get("/").text == "set by the app,set by the body,unset"


def test_an_async_body_generator_runs_in_the_context_of_its_application_call():
    async def app(request):
        var.set("set by the app")

        async def body():
            await asyncio.sleep(0)
            yield var.get().encode()

        return Response(body())

    with TestClient(app) as client:
        assert client.get("/").text == "set by the app"
        assert client.get("/").text == "set by the app"


@pytest.mark.parametrize("inline", [False, True])
def test_flask_stream_with_context_streams_completely(inline):
    flask = pytest.importorskip("flask")
    from wsging.wsgi import from_wsgi

    flask_app = flask.Flask(__name__)

    @flask_app.get("/stream")
    def stream():
        def lines():
            for i in range(3):
                yield f"{flask.request.path} {i}\n"

        return flask.Response(flask.stream_with_context(lines()), mimetype="text/plain")

    with TestClient(from_wsgi(flask_app), inline_sync=inline, response_window=8) as client:
        for _ in range(3):
            response = client.get("/stream")
            assert response.status == 200
            assert response.text == "/stream 0\n/stream 1\n/stream 2\n"


# -- completion callbacks ------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.calls = []
        self.done = threading.Event()

    def sync(self, label):
        def callback(outcome):
            self.calls.append((label, outcome, var.get(), threading.current_thread().name))
            self.done.set()

        return callback

    def asynchronous(self, label):
        async def callback(outcome):
            await asyncio.sleep(0)
            self.calls.append((label, outcome, var.get(), threading.current_thread().name))
            self.done.set()

        return callback


@pytest.mark.parametrize("mode", MODES)
def test_completion_callbacks_run_once_in_order_in_the_request_context(mode):
    recorder = Recorder()

    def handler(request):
        var.set("request value")
        request.on_complete(recorder.sync("first"))
        # a copy made by middleware shares the callbacks of the request it copies
        request.replace(raw_path=b"/copy").on_complete(recorder.asynchronous("second"))
        request.on_complete(recorder.sync("third"))
        return Response("ok")

    with _client(_sync_or_async(mode, handler), mode) as client:
        assert client.get("/").text == "ok"
        _wait_calls(recorder, 3)
    labels = [(label, outcome, value) for label, outcome, value, _ in recorder.calls]
    assert labels == [
        ("first", "completed", "request value"),
        ("second", "completed", "request value"),
        ("third", "completed", "request value"),
    ]
    threads = [thread for label, _, _, thread in recorder.calls]
    # sync callbacks may block: never on the loop's thread
    assert "wsging-testclient" not in (threads[0], threads[2])
    assert threads[1] == "wsging-testclient"


def _wait_calls(recorder, count):
    for _ in range(100):
        if len(recorder.calls) >= count:
            return
        recorder.done.wait(WAIT / 100)
        recorder.done.clear()
    assert len(recorder.calls) >= count, recorder.calls


def test_completion_waits_for_a_streamed_body_to_be_sent():
    recorder = Recorder()
    released = threading.Event()

    def app(request):
        request.on_complete(recorder.sync("cleanup"))

        def body():
            yield b"first,"
            assert released.wait(WAIT)
            yield b"last"

        return Response(body())

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        client.ping()
        assert recorder.calls == []  # the body is still being produced
        released.set()
        assert stream.response().body == b"first,last"
        _wait_calls(recorder, 1)
    assert [call[:2] for call in recorder.calls] == [("cleanup", "completed")]


def test_completion_after_the_client_left_waits_for_the_application_to_return():
    recorder = Recorder()
    running, may_return = threading.Event(), threading.Event()

    def app(request):
        request.on_complete(recorder.sync("cleanup"))
        running.set()
        assert may_return.wait(WAIT)
        recorder.calls.append(("app returned", None, None, None))
        return Response("nobody reads this")

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert running.wait(WAIT)
        stream.cancel()
        client.ping()
        assert recorder.calls == []  # the session is not closed under the running handler
        may_return.set()
        _wait_calls(recorder, 2)
    assert [call[:2] for call in recorder.calls] == [("app returned", None), ("cleanup", "client-gone")]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_completion_reports_an_aborted_response(asynchronous):
    recorder = Recorder()

    def body():
        yield b"part"
        raise RuntimeError("broken body")

    async def abody():
        yield b"part"
        raise RuntimeError("broken body")

    def app(request):
        request.on_complete(recorder.sync("cleanup"))
        return Response(abody() if asynchronous else body())

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").reset == link.INTERNAL_ERROR
        _wait_calls(recorder, 1)
    assert [call[:2] for call in recorder.calls] == [("cleanup", "aborted")]


def test_a_failing_completion_callback_is_logged_and_the_others_still_run(caplog):
    recorder = Recorder()

    def broken(outcome):
        raise SystemExit("a callback that exits")

    def app(request):
        request.on_complete(broken)
        request.on_complete(recorder.sync("after"))
        return Response("ok")

    with caplog.at_level(logging.ERROR, logger="wsging.worker"):
        with TestClient(app) as client:
            assert client.get("/").text == "ok"
            _wait_calls(recorder, 1)
            assert client.get("/").text == "ok"  # the worker goes on
    assert "error in a completion callback" in caplog.text
    assert recorder.calls[0][:2] == ("after", "completed")


def test_a_request_built_by_hand_has_no_completion_callbacks():
    from wsging import Request

    with pytest.raises(RuntimeError, match="no completion callbacks"):
        Request().on_complete(lambda outcome: None)


# -- cancellation ---------------------------------------------------------------------------


def test_an_async_body_asleep_between_events_is_cancelled_when_the_client_leaves():
    ended = []
    stopped = threading.Event()

    async def app(request):
        async def events():
            try:
                yield b"data: first\n\n"
                await asyncio.sleep(60)  # an SSE stream between two events
                yield b"data: never\n\n"
            except asyncio.CancelledError:
                ended.append("CancelledError")
                raise
            finally:
                stopped.set()

        return Response(events(), content_type="text/event-stream")

    with TestClient(app) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        client.ping()
        stream.cancel()
        assert stopped.wait(5)  # not the 60 s the generator sleeps
    assert ended == ["CancelledError"]


def test_an_async_application_awaiting_something_else_is_cancelled_when_the_client_leaves():
    ended = []
    stopped = threading.Event()

    async def app(request):
        if request.path == "/":
            return Response("fine")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            ended.append("CancelledError")
            raise
        finally:
            stopped.set()
        return Response("never")

    with TestClient(app) as client:
        stream = client.stream("GET", "/sleep", end=True)
        client.ping()
        stream.cancel()
        assert stopped.wait(5)
        assert client.get("/").text == "fine"  # the worker still serves
    assert ended == ["CancelledError"]


# -- BaseExceptions -------------------------------------------------------------------------

BASE_EXCEPTIONS = [SystemExit, KeyboardInterrupt, asyncio.CancelledError, GeneratorExit]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("exc_type", BASE_EXCEPTIONS, ids=lambda t: t.__name__)
def test_a_base_exception_before_the_head_is_a_500_for_that_request_only(mode, exc_type):
    def handler(request):
        if request.path == "/raise":
            raise exc_type()
        return Response("fine")

    with _client(_sync_or_async(mode, handler), mode, raise_server_exceptions=False) as client:
        assert client.get("/raise").status == 500
        assert client.get("/").text == "fine"


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("exc_type", BASE_EXCEPTIONS[:3], ids=lambda t: t.__name__)
def test_a_base_exception_in_the_body_aborts_that_response_only(asynchronous, exc_type):
    def body():
        yield b"part"
        raise exc_type()

    async def abody():
        yield b"part"
        raise exc_type()

    def app(request):
        if request.path == "/raise":
            return Response(abody() if asynchronous else body())
        return Response("fine")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/raise").reset == link.INTERNAL_ERROR
        assert client.get("/").text == "fine"


# -- sync producers and threads -------------------------------------------------------------


def test_producers_waiting_for_credit_hold_no_thread():
    closed = []

    def app(request):
        if request.path == "/":
            return Response("answered")

        def endless():
            try:
                while True:
                    yield b"x" * 1024
            finally:
                closed.append(request.path)

        return Response(endless())

    # A 4 KiB window and one thread: each stream fills its window, then waits for a client
    # that reads nothing. With the thread held by the wait, the plain request never ran.
    with TestClient(app, threads=1, response_window=4096) as client:
        stalled = [client.stream("GET", f"/stream/{i}", end=True) for i in range(4)]
        for stream in stalled:
            assert stream.head().status == 200
        assert client.get("/").text == "answered"
        for stream in stalled:
            stream.cancel()
        client.ping()
        for _ in range(100):
            if len(closed) == 4:
                break
            client.ping()
    assert sorted(closed) == [f"/stream/{i}" for i in range(4)]


# -- completion callbacks when a WSGI container hosts the application (to_wsgi) -------------


def _call_wsgi(wsgi_app, path, read_all=True):
    from wsgiref.util import setup_testing_defaults

    environ = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    statuses = []
    body = wsgi_app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    chunks = []
    try:
        for chunk in body:
            chunks.append(chunk)
            if not read_all:
                break  # the container stops early: its client left
    finally:
        body.close()
    return statuses, b"".join(chunks)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_completion_callbacks_run_when_a_wsgi_container_closes_the_response(asynchronous):
    from wsging.wsgi import to_wsgi

    outcomes = []

    async def async_callback(outcome):
        await asyncio.sleep(0)
        outcomes.append(("async", outcome))

    def handler(request):
        request.on_complete(lambda outcome: outcomes.append(("sync", outcome)))
        request.on_complete(async_callback)
        if request.path == "/stream":
            return Response(iter([b"a", b"b", b"c"]))
        return Response(b"done")

    wsgi_app = to_wsgi(_sync_or_async("async" if asynchronous else "pool", handler))
    assert _call_wsgi(wsgi_app, "/") == (["200 OK"], b"done")
    assert outcomes == [("sync", "completed"), ("async", "completed")]
    outcomes.clear()
    assert _call_wsgi(wsgi_app, "/stream", read_all=False) == (["200 OK"], b"a")
    assert outcomes == [("sync", "client-gone"), ("async", "client-gone")]
