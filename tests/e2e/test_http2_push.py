"""Server push over HTTP/2 (spec 8.5): PUSH_PROMISE, the promised request through the whole
application, and the cases where a push must return False; with the h2 library and nghttp."""
from __future__ import annotations

import re
import subprocess
import time
from typing import Iterator

import h2.settings
import pytest
from hyperframe.frame import PushPromiseFrame

from conftest import require_tool
from e2e_server import Server
from h2_frames import DataFrame, GoAwayFrame, RawH2
from h2_push_client import PushClient, still_serves

PUSH_APP = "push_app:app"


def run(args: list) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("push") / "server.log", app=PUSH_APP).start()
    yield s
    assert s.stop() == 0


def test_a_pushed_response_goes_through_the_whole_middleware_stack(server: Server) -> None:
    with PushClient(server.port) as client:
        page = client.get("/page", headers=[("user-agent", "push-test/1"), ("accept-language", "fr")])
        assert page.status == 200
        assert page.data.decode() == "page push-offered=True results=[True]"
        assert page.header("x-outer") == "client"
        [(promised_id, promise)] = client.promises.items()
        assert client.promised_on[promised_id] == 1
        # The promise: GET, the parent's scheme and authority, the path, the given field and
        # those copied from the parent (spec 8.5).
        assert promise[":method"] == "GET" and promise[":scheme"] == "http"
        assert promise[":authority"] == f"127.0.0.1:{server.port}"
        assert promise[":path"] == "/asset0.css"
        assert promise["accept"] == "text/css"
        assert promise["user-agent"] == "push-test/1" and promise["accept-language"] == "fr"
        [pushed] = client.pushed()
    assert pushed.status == 200
    # MUST-PUSH-2: the outermost layer saw the pushed request (and marked it as pushed).
    assert pushed.header("x-outer") == "pushed"
    assert pushed.data.decode() == (
        "asset /asset0.css pushed=True push-offered=False extensions=[] ua=push-test/1 accept=text/css"
    )


def test_a_client_that_disables_push_is_not_offered_it(server: Server) -> None:
    settings = {h2.settings.SettingCodes.ENABLE_PUSH: 0}
    with PushClient(server.port, settings=settings) as client:
        page = client.get("/page")
        client.settle(0.3)
    assert page.data.decode() == "page push-offered=False results=[None]"
    assert client.promises == {}


def test_pushes_beyond_the_clients_stream_limit_return_false(server: Server) -> None:
    # MUST-PUSH-1: the client allows 2 concurrent server streams; the pushed responses take a
    # second each, so the third and fourth pushes find the limit reached.
    settings = {h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 2}
    with PushClient(server.port, settings=settings) as client:
        page = client.get("/page?n=4&delay=1")
        assert page.data.decode() == "page push-offered=True results=[True, True, False, False]"
        assert len(client.promises) == 2
        assert all(r.status == 200 and r.header("x-outer") == "pushed" for r in client.pushed())


def test_at_most_sixteen_promises_are_open_per_connection(server: Server) -> None:
    with PushClient(server.port) as client:
        page = client.response(client.request("/page?n=20&delay=1"), timeout=30)
        results = re.search(r"results=\[(.*)\]", page.data.decode()).group(1).split(", ")
        assert results == ["True"] * 16 + ["False"] * 4
        assert len(client.pushed(timeout=30)) == 16


def test_after_the_clients_goaway_a_push_returns_false(server: Server) -> None:
    with RawH2(server.port) as raw:
        raw.send(raw.headers_frame(1, "/page?wait=1"))
        time.sleep(0.3)  # the request has started (offered push) when the GOAWAY comes
        raw.send(GoAwayFrame(0, last_stream_id=0))
        body = raw.until("the page's body", lambda f: isinstance(f, DataFrame) and f.stream_id == 1)
        assert body.data == b"page push-offered=True results=[False]"
        assert not [f for f in raw.frames if isinstance(f, PushPromiseFrame)]
    still_serves(server.port)


def test_a_client_that_refuses_a_promised_stream_leaves_the_connection_working(server: Server) -> None:
    with PushClient(server.port) as client:
        stream_id = client.request("/page?delay=1")
        client.wait("the promise", lambda: bool(client.promises))
        [promised_id] = client.promises
        client.reset(promised_id)  # RST_STREAM(CANCEL): the client does not want it
        page = client.response(stream_id)
        assert page.data.decode() == "page push-offered=True results=[True]"
        again = client.get("/page")
        assert again.status == 200
    still_serves(server.port)


def test_nghttp_shows_the_promise_and_the_pushed_response(server: Server) -> None:
    nghttp = require_tool("nghttp")
    done = run([nghttp, "-v", "-H", "user-agent: nghttp-push-test", f"{server.url}/page"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "recv PUSH_PROMISE frame" in out
    assert re.search(r":path: /asset0\.css", out)
    # The promise comes before the parent's response head (spec 8.5).
    assert out.index("recv PUSH_PROMISE frame") < out.index("; First response header")
    # The pushed stream's response head, with the outer layer's mark, and both bodies.
    assert "x-outer: pushed" in out and "x-outer: client" in out
    assert "asset /asset0.css pushed=True push-offered=False extensions=[] ua=nghttp-push-test" in out
    assert "page push-offered=True results=[True]" in out


def test_nghttp_without_push_gets_no_promise(server: Server) -> None:
    nghttp = require_tool("nghttp")
    done = run([nghttp, "-v", "--no-push", f"{server.url}/page"])
    assert done.returncode == 0, done.stderr
    assert "PUSH_PROMISE" not in done.stdout
    assert "page push-offered=False results=[None]" in done.stdout


def test_a_push_over_http_1_1_is_not_offered(server: Server) -> None:
    import httpx

    response = httpx.get(f"{server.url}/page", timeout=10)
    assert response.text == "page push-offered=False results=[None]"
