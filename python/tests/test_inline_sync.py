"""Sync applications called on the loop's thread (--inline-sync) while they are fast, and sent
back to the thread pool when they block."""

import asyncio
import threading
import time

import pytest

from wsging import Response
from wsging.testing import TestClient
from wsging.worker import dispatch


def _where() -> str:
    return "pool" if threading.current_thread().name.startswith("wsging-testclient-app") else "loop"


def where_app(request):
    return Response(_where())


def test_a_sync_app_runs_on_the_loop_thread_with_inline_sync():
    with TestClient(where_app, inline_sync=True) as client:
        assert [client.get("/").text for _ in range(3)] == ["loop"] * 3


def test_without_inline_sync_a_sync_app_runs_in_the_pool():
    with TestClient(where_app) as client:
        assert client.get("/").text == "pool"


def test_an_inline_call_sees_no_running_loop():
    # Sync code must not find the worker's loop: Django refuses sync ORM calls when it does.
    def app(request):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return Response("no loop")
        return Response("a loop is running")

    with TestClient(app, inline_sync=True) as client:
        assert client.get("/").text == "no loop"
        # and the worker's loop is back for whatever runs after the call
        assert client.get("/").text == "no loop"


def test_a_request_whose_body_is_still_coming_goes_to_the_pool():
    seen = []

    def app(request):
        seen.append(_where())
        return Response(request.body.read())

    with TestClient(app, inline_sync=True) as client:
        stream = client.stream("POST", "/", content_length=5)
        time.sleep(0.05)  # the app starts (in the pool) before the body arrives
        stream.send(b"hello", end=True)
        response = stream.response()
    assert response.status == 200 and response.body == b"hello"
    assert seen == ["pool"]


def test_a_body_is_read_whole_with_inline_sync():
    # Inline when the body came in the REQUEST's read, in the pool otherwise; where it runs is
    # pinned down by test_worker_process.py, which controls how the frames arrive.
    def app(request):
        return Response(request.body.read())

    with TestClient(app, inline_sync=True) as client:
        response = client.post("/", body=b"x" * 1000)
    assert response.body == b"x" * 1000


def _slow_at_first(calls):
    """An app whose first `calls` calls are slower than an inline call may be."""
    left = {"calls": calls}

    def app(request):
        if left["calls"]:
            left["calls"] -= 1
            time.sleep(dispatch.INLINE_SECONDS * 2)
        return Response(_where())

    return app


def test_two_slow_calls_send_the_next_ones_to_the_pool_until_the_pause_ends(monkeypatch):
    monkeypatch.setattr(dispatch, "INLINE_PAUSE_SECONDS", 0.3)
    with TestClient(_slow_at_first(2), inline_sync=True) as client:
        assert [client.get("/").text for _ in range(4)] == ["loop", "loop", "pool", "pool"]
        time.sleep(0.35)
        assert client.get("/").text == "loop"


def test_one_slow_call_alone_keeps_calls_inline():
    # A first call that warms caches, or a collection pause, is slow once.
    with TestClient(_slow_at_first(1), inline_sync=True) as client:
        assert [client.get("/").text for _ in range(3)] == ["loop"] * 3


def test_a_streamed_body_of_an_inline_call_is_produced_in_the_pool():
    def app(request):
        def chunks():
            yield b"made in the "
            yield _where().encode()

        return Response(chunks())

    with TestClient(app, inline_sync=True) as client:
        assert client.get("/").body == b"made in the pool"


def test_an_inline_call_that_raises_gives_500_without_details():
    def app(request):
        raise ValueError("secret detail")

    with TestClient(app, inline_sync=True, raise_server_exceptions=False) as client:
        response = client.get("/")
        assert response.status == 500
        assert b"secret" not in response.body
        # the loop goes on serving
        assert client.get("/").status == 500


def test_inline_calls_run_in_a_context_of_their_own():
    import contextvars

    var = contextvars.ContextVar("var", default="unset")

    def app(request):
        before = var.get()
        var.set("set by the app")
        return Response(before)

    async def loop_side():
        return var.get()

    with TestClient(app, inline_sync=True) as client:
        assert client.get("/").text == "unset"
        # each request gets a fresh context (spec 11.6): nothing leaks into the next one
        assert client.get("/").text == "unset"
        assert client._run(loop_side()) == "unset"  # the loop's own context is untouched


@pytest.mark.parametrize("inline", [False, True])
def test_informational_from_a_sync_app(inline):
    def app(request):
        request.send_informational(103, [("link", "</a.css>; rel=preload")])
        return Response("ok")

    with TestClient(app, inline_sync=inline) as client:
        response = client.get("/")
    assert response.status == 200 and response.text == "ok"
    assert [status for status, _ in response.informational] == [103]
