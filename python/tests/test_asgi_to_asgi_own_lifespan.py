"""`to_asgi` on a host that runs no lifespan protocol (daphne): the application's lifespan is
entered before the first request, once, and exited when the process ends (spec 11.4)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List

import pytest

from asgi_host import Host, http_scope, run, websocket_scope
from wsging import Request, Response
from wsging.asgi import to_asgi

SRC = Path(__file__).resolve().parents[1] / "src"
TESTS = Path(__file__).resolve().parent


def _recording_app(seen: List[Any]) -> Any:
    def app(request: Request) -> Response:
        seen.append(("request", request.path))
        return Response("served")

    return app


def test_sync_lifespan_entered_in_its_thread_before_the_first_request() -> None:
    seen: List[Any] = []
    app = _recording_app(seen)

    @contextlib.contextmanager
    def lifespan() -> Iterator[None]:
        seen.append(("enter", threading.current_thread().name))
        yield
        seen.append(("exit", threading.current_thread().name))

    app.lifespan = lifespan
    served = to_asgi(app)
    first = run(Host(served, http_scope(path="/a")).body().run())
    second = run(Host(served, http_scope(path="/b")).body().run())
    assert first.status == second.status == 200
    assert seen == [("enter", "wsging-lifespan"), ("request", "/a"), ("request", "/b")]


def test_concurrent_first_requests_wait_for_one_entry() -> None:
    seen: List[Any] = []
    app = _recording_app(seen)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        seen.append("entering")
        await asyncio.sleep(0.2)
        seen.append("entered")
        yield

    app.lifespan = lifespan
    served = to_asgi(app)

    async def both() -> List[Host]:
        hosts = [Host(served, http_scope(path=f"/{i}")).body() for i in range(3)]
        await asyncio.gather(*(host.run() for host in hosts))
        return hosts

    hosts = run(both())
    assert [host.status for host in hosts] == [200, 200, 200]
    assert seen[:2] == ["entering", "entered"]
    assert sorted(seen[2:]) == [("request", "/0"), ("request", "/1"), ("request", "/2")]


def test_failed_entry_answers_500_without_calling_the_application(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: List[Any] = []
    app = _recording_app(seen)
    entries: List[int] = []

    @contextlib.contextmanager
    def lifespan() -> Iterator[None]:
        entries.append(1)
        raise RuntimeError("database unreachable")
        yield

    app.lifespan = lifespan
    served = to_asgi(app)
    with caplog.at_level(logging.ERROR, logger="wsging.asgi"):
        first = run(Host(served, http_scope()).body().run())
        second = run(Host(served, http_scope()).body().run())
        refused = run(Host(served, websocket_scope()).feed({"type": "websocket.connect"}).run())
    assert first.status == second.status == 500
    assert first.body_bytes == b"Internal Server Error\n"  # no exception text (MUST-ERR-3)
    assert refused.sent == [{"type": "websocket.close", "code": 1000}]
    assert seen == [] and entries == [1]  # entered once, never served (MUST-LIFE-2)
    assert "RuntimeError: database unreachable" in caplog.text
    assert caplog.text.count("not serving") == 3


def test_failed_entry_refuses_an_offer_with_500_through_the_denial_extension() -> None:
    app = _recording_app([])
    app.lifespan = lambda: None  # not a context manager
    scope = websocket_scope(extensions={"websocket.http.response": {}})
    host = run(Host(to_asgi(app), scope).feed({"type": "websocket.connect"}).run())
    assert [m["type"] for m in host.sent] == ["websocket.http.response.start", "websocket.http.response.body"]
    assert host.sent[0]["status"] == 500


def test_a_host_that_runs_the_lifespan_is_left_to_it() -> None:
    seen: List[Any] = []
    app = _recording_app(seen)

    @contextlib.contextmanager
    def lifespan() -> Iterator[None]:
        seen.append("enter")
        yield
        seen.append("exit")

    app.lifespan = lifespan
    served = to_asgi(app)

    async def host_run() -> None:
        lifespan_host = Host(served, {"type": "lifespan", "asgi": {"version": "3.0"}})
        lifespan_host.feed({"type": "lifespan.startup"}).start()
        await lifespan_host.wait_for("lifespan.startup.complete")
        await Host(served, http_scope()).body().run()
        lifespan_host.feed({"type": "lifespan.shutdown"})
        await lifespan_host.run()

    run(host_run())
    assert seen == ["enter", ("request", "/"), "exit"]


def test_a_late_lifespan_scope_does_not_enter_twice() -> None:
    seen: List[Any] = []
    app = _recording_app(seen)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        seen.append("enter")
        yield

    app.lifespan = lifespan
    served = to_asgi(app)

    async def late() -> Host:
        await Host(served, http_scope()).body().run()
        scope: Dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}}
        feed = ({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
        return await Host(served, scope).feed(*feed).run()

    host = run(late())
    assert seen == ["enter", ("request", "/")]
    assert [m["type"] for m in host.sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_async_lifespan_exited_in_its_task_when_asyncio_run_ends() -> None:
    """asyncio.run (uvicorn --lifespan off) cancels the task holding the context: it exits."""
    seen: List[Any] = []
    app = _recording_app(seen)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        task = asyncio.current_task()
        seen.append("enter")
        yield
        assert asyncio.current_task() is task
        seen.append("exit")

    app.lifespan = lifespan
    run(Host(to_asgi(app), http_scope()).body().run())
    assert seen == ["enter", ("request", "/"), "exit"]


_EXIT_SCRIPT = """
import asyncio, contextlib, sys, threading
from asgi_host import Host, http_scope
from wsging import Response
from wsging.asgi import to_asgi

def app(request):
    print("request", flush=True)
    return Response("x")

@contextlib.contextmanager
def sync_lifespan():
    name = threading.current_thread().name
    print("enter", name, flush=True)
    yield
    print("exit", threading.current_thread().name == name, flush=True)

@contextlib.asynccontextmanager
async def async_lifespan():
    print("enter loop", flush=True)
    yield
    print("exit loop", asyncio.get_running_loop() is LOOP, flush=True)

app.lifespan = sync_lifespan if sys.argv[1] == "sync" else async_lifespan
LOOP = asyncio.new_event_loop()
# As daphne's Twisted reactor leaves it: stopped, not closed, its tasks not cancelled.
LOOP.run_until_complete(Host(to_asgi(app), http_scope()).body().run())
print("loop stopped", flush=True)
"""


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_exited_when_the_process_ends(kind: str) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), str(TESTS)]))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_EXIT_SCRIPT), kind], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    if kind == "sync":
        assert lines == ["enter wsging-lifespan", "request", "loop stopped", "exit True"]
    else:
        assert lines == ["enter loop", "request", "loop stopped", "exit loop True"]
    assert time.monotonic() - started < 30
