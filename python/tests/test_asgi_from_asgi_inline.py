"""from_asgi served by the worker's dispatch directly: the ASGI application runs in the
request's own task and hands its response over as soon as it is known (`respond_early`); and,
wrapped in a WSGI-NG middleware, it still returns a response the middleware can change."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any, Dict, List, Optional

from wsging import Request, Response
from wsging.asgi import from_asgi
from wsging.testing import TestClient

Scope = Dict[str, Any]


def served(app: Any) -> Any:
    async def http_only(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)

    return from_asgi(http_only)


def test_the_application_runs_in_the_task_the_dispatcher_made_for_the_request() -> None:
    seen: List[Optional[str]] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        task = asyncio.current_task()  # what sniffio and anyio need to find
        seen.append(None if task is None else task.get_coro().__qualname__)  # type: ignore[union-attr]
        await asyncio.sleep(0)
        assert asyncio.current_task() is task
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"one task"})

    with TestClient(served(app)) as client:
        assert client.get("/").body == b"one task"
    # Before Python 3.11 the dispatcher's task runs it through awaited_in (spec 11.6).
    expected = "Dispatcher._run_early" if sys.version_info >= (3, 11) else "awaited_in"
    assert seen == [expected]


def test_the_head_goes_out_when_the_application_waits_after_sending_it() -> None:
    release: Dict[str, Any] = {}
    ready = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": [(b"x-early", b"yes")]})
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        release["set"] = lambda: loop.call_soon_threadsafe(event.set)
        ready.set()
        await event.wait()  # nothing more is sent until the client has the head
        await send({"type": "http.response.body", "body": b"after the head"})

    with TestClient(served(app)) as client:
        stream = client.stream("GET", "/", end=True)
        head = stream.head()
        assert head.status == 202 and head.headers.get("x-early") == "yes"
        assert ready.wait(10)
        release["set"]()
        assert b"".join(stream.iter_bytes()) == b"after the head"


def test_work_after_the_response_does_not_hold_it_back_and_its_error_is_logged(caplog: Any) -> None:
    release: Dict[str, Any] = {}
    finished = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        release["set"] = lambda: loop.call_soon_threadsafe(event.set)
        await event.wait()  # still running in the request's task, after the response
        finished.set()
        raise RuntimeError("failed after the response")

    with TestClient(served(app), raise_server_exceptions=False) as client:
        assert client.get("/").body == b"done"
        assert not finished.is_set()
        release["set"]()
        assert finished.wait(10)
        assert client.get("/").body == b"done"  # the worker serves on
        release["set"]()
    assert any("failed after the response" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_streamed_body_is_pulled_chunk_by_chunk() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    with TestClient(served(app)) as client:
        assert client.get("/").body == b"abc"


def test_an_error_before_the_head_is_a_500() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await asyncio.sleep(0)
        raise KeyError("secret")

    with TestClient(served(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500 and b"secret" not in response.body


def test_a_middleware_around_it_gets_the_response_to_change() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await send({"type": "http.response.body", "body": b"y"})

    inner = served(app)

    async def middleware(request: Request) -> Response:
        response: Response = await inner(request)
        response.headers["x-middleware"] = "seen"
        return response

    with TestClient(middleware) as client:
        response = client.get("/")
    assert response.body == b"xy" and response.headers.get("x-middleware") == "seen"


def test_work_after_the_response_cancelled_at_shutdown_is_not_logged_as_an_error(caplog: Any) -> None:
    started = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        started.set()
        await asyncio.sleep(3600)  # background work the worker's shutdown cancels

    with TestClient(served(app), raise_server_exceptions=False) as client:
        assert client.get("/").body == b"done"
        assert started.wait(10)
    assert not [r for r in caplog.records if "after its response" in r.getMessage()]
