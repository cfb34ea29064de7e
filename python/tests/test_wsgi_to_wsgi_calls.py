"""to_wsgi: how the application is called. Each request runs in a context of its own shared by
its call, body pulls and completion callbacks (spec 11.6, 11.7); an awaitable returned by a
sync application is awaited on the private loop (4.1, MUST-APP-7), where the request body can
be read with aread and async iteration (6.1); responses without content give the container
no bytes (7.3, MUST-RESP-6)."""

import asyncio
import contextvars
import io
import logging
import threading
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

from wsging import Response
from wsging.wsgi import to_wsgi

current = contextvars.ContextVar("current", default=None)
outer = contextvars.ContextVar("outer", default=None)


def environ_for(method="GET", path="/", body=b"", **keys):
    environ = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(body)}
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ.update(keys)
    setup_testing_defaults(environ)
    return environ


def serve(wsgi_app, **environ):
    """One call as a container makes it: (status, body bytes); the iterable closed."""
    heads = []
    result = wsgi_app(environ_for(**environ), lambda status, headers, exc_info=None: heads.append(status))
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return heads[-1], body


# -- contexts (11.6) ---------------------------------------------------------------------------


def reporting_app(seen):
    """Sets `current` to the request's path; its body and callbacks report what they see."""

    def app(request):
        seen.append(("call", current.get(), outer.get()))
        current.set(request.path)

        def chunks():
            seen.append(("pull", current.get()))
            yield b"a"
            seen.append(("pull", current.get()))
            yield b"b"

        request.on_complete(lambda outcome: seen.append(("callback", current.get())))
        return Response(chunks())

    return app


def test_requests_on_one_thread_do_not_see_each_others_context_variables():
    seen = []
    app = validator(to_wsgi(reporting_app(seen)))
    assert serve(app, path="/one") == ("200 OK", b"ab")
    assert serve(app, path="/two") == ("200 OK", b"ab")
    assert seen == [
        ("call", None, None), ("pull", "/one"), ("pull", "/one"), ("callback", "/one"),
        ("call", None, None), ("pull", "/two"), ("pull", "/two"), ("callback", "/two"),
    ]
    assert current.get() is None  # nothing leaked into the container's thread


def test_what_a_wsgi_layer_around_sets_is_seen_and_what_the_app_sets_stays_inside():
    seen = []
    inner = to_wsgi(reporting_app(seen))

    def middleware(environ, start_response):  # an outer WSGI layer (tracing, say)
        outer.set("span")
        return inner(environ, start_response)

    contextvars.copy_context().run(serve, middleware, path="/x")
    assert seen[0] == ("call", None, "span")


def test_a_generator_that_resets_its_token_in_a_later_pull_works():
    # Flask's stream_with_context: set in one pull, reset with its token in a later one.
    def app(request):
        def chunks():
            token = current.set("inside")
            yield b"x"
            current.reset(token)
            yield current.get() or b"reset"

        return Response(chunks())

    assert serve(to_wsgi(app)) == ("200 OK", b"xreset")


def test_an_async_app_body_and_callbacks_share_the_request_context():
    seen = []

    async def app(request):
        seen.append(("call", current.get()))
        current.set(request.path)

        async def chunks():
            await asyncio.sleep(0)
            seen.append(("pull", current.get()))
            yield b"a"

        async def finished(outcome):
            seen.append(("async callback", current.get(), outcome))

        request.on_complete(finished)
        request.on_complete(lambda outcome: seen.append(("callback", current.get(), outcome)))
        return Response(chunks())

    wsgi_app = to_wsgi(app)
    for path in ("/one", "/two"):
        assert serve(wsgi_app, path=path) == ("200 OK", b"a")
    assert seen == [
        ("call", None), ("pull", "/one"), ("async callback", "/one", "completed"),
        ("callback", "/one", "completed"),
        ("call", None), ("pull", "/two"), ("async callback", "/two", "completed"),
        ("callback", "/two", "completed"),
    ]


def test_a_callback_registered_after_the_request_ended_runs_at_once_in_its_context():
    seen = []
    kept = []

    def app(request):
        current.set("mine")
        kept.append(request)
        return Response(b"x")

    serve(to_wsgi(app))
    kept[0].on_complete(lambda outcome: seen.append((outcome, current.get())))
    assert seen == [("completed", "mine")]


# -- an awaitable returned by a sync application (4.1) -----------------------------------------


def test_a_coroutine_returned_by_a_sync_app_is_awaited_on_the_private_loop(caplog):
    threads = []

    async def handler(request):
        await asyncio.sleep(0)
        threads.append(threading.current_thread().name)
        asyncio.get_running_loop()  # raises without a running loop
        return Response(b"awaited " + request.path.encode(), content_type="text/plain")

    def app(request):  # a sync layer that detection cannot see through
        return handler(request)

    wsgi_app = validator(to_wsgi(app))
    with caplog.at_level(logging.WARNING, logger="wsging.wsgi"):
        assert serve(wsgi_app, path="/a") == ("200 OK", b"awaited /a")
        assert serve(wsgi_app, path="/b") == ("200 OK", b"awaited /b")
    assert threads == ["wsging-wsgi-loop", "wsging-wsgi-loop"]
    warnings = [r.getMessage() for r in caplog.records if "returned coroutine" in r.getMessage()]
    assert len(warnings) == 1  # said once


def test_a_coroutine_returned_by_a_sync_app_reads_the_body_with_aread_and_async_for():
    async def handler(request):
        first = await request.body.aread(5)
        rest = [chunk async for chunk in request.body]
        return Response(b"%d:" % len(first) + first + b"|" + b"".join(rest))

    payload = b"0123456789" * 20000
    status, body = serve(to_wsgi(lambda request: handler(request)), method="POST", body=payload)
    assert status == "200 OK" and body == b"5:01234|" + payload[5:]


def test_a_coroutine_returned_by_a_sync_app_that_raises_is_a_500():
    async def handler(request):
        raise RuntimeError("inside the coroutine")

    status, body = serve(to_wsgi(lambda request: handler(request)))
    assert status == "500 Internal Server Error" and b"inside" not in body


def test_a_sync_app_may_read_the_body_with_asyncio_run_in_its_own_thread():
    # asyncio.run on the WSGI thread: the body is read there, not relayed to a waiting thread.
    def app(request):
        return Response(asyncio.run(request.body.aread()))

    assert serve(to_wsgi(app), method="POST", body=b"payload") == ("200 OK", b"payload")


def test_an_async_app_that_answers_without_a_coroutine_is_taken_as_it_is():
    async def handler(request):
        raise AssertionError("not called")

    def wrapper(request):  # classified async through __wrapped__, answers at once
        return Response(b"at once")

    wrapper.__wrapped__ = handler
    assert serve(to_wsgi(wrapper)) == ("200 OK", b"at once")


# -- responses without content (7.3) -----------------------------------------------------------


class Recorded:
    """A body, sync or async, that records being iterated and closed."""

    def __init__(self, events):
        self.events = events

    def __iter__(self):
        self.events.append("iterated")
        return iter([b"must not be sent"])

    def close(self):
        self.events.append("closed")


class RecordedAsync(Recorded):
    def __aiter__(self):
        self.events.append("iterated")
        return self

    async def __anext__(self):
        raise StopAsyncIteration

    async def aclose(self):
        self.events.append("closed")


@pytest.mark.parametrize("method, code", [("HEAD", 200), ("GET", 204), ("GET", 304), ("HEAD", 304)])
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_no_body_bytes_for_head_204_304_and_the_body_is_closed_not_iterated(method, code, kind):
    events = []

    def app(request):
        body = Recorded(events) if kind == "sync" else RecordedAsync(events)
        request.on_complete(events.append)
        # A HEAD answered as the GET would be: with the GET's length (7.3).
        headers = [("content-length", "16"), ("content-type", "text/plain")] if code == 200 else []
        return Response(body, code, headers=headers,
                        trailers=lambda: events.append("trailers") or [])

    # (not through wsgiref's validator, which refuses the content-type Response gives a 204)
    status, body = serve(to_wsgi(app), method=method)
    assert status.startswith(str(code)) and body == b""
    assert sorted(events[:2]) == ["closed", "trailers"] and events[2:] == ["completed"]
