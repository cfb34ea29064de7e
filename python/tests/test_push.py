"""The push extension (spec 8.5) in the worker: the API's checks, the link round trip, and
TestClient's pushes through the whole application."""

import asyncio
import threading
import time

import pytest

from wsging import Request, Response
from wsging.api.errors import InvalidHeader
from wsging.api.push import Push, push_headers, push_path
from wsging.testing import TestClient
from wsging.worker import link

from reachable import assert_no_connection, reachable
from test_session import SERVER_HELLO, Harness

PUSH_BITS = 0x01 | 0x04  # response trailers and push: what an HTTP/2 connection offers


def h2_client(app, **kwargs):
    return TestClient(app, http_version="2", capabilities=PUSH_BITS, **kwargs)


def add_header_middleware(app):
    """An outer layer every response passes through: it marks them, and says whether the
    request it saw was pushed."""

    def middleware(request):
        response = app(request)
        response.headers.set("x-outer", "pushed" if request.pushed else "client")
        return response

    return middleware


def site(request):
    if request.path == "/app.css":
        return Response(
            f"css for {request.headers.get('user-agent')} {request.headers.get('host')}"
            f" push-offered={'push' in request.capabilities} {sorted(request.extensions)}",
            content_type="text/css",
        )
    push = request.extensions.get("push")
    accepted = push.push("/app.css") if push is not None else None
    return Response(f"page pushed={accepted}")


# -- the API's checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["app.css", "", "//evil.example/x", "/a b", "/a\r\nx: y", "/a\x00", "/caf\u00e9", "/a#frag",
     "/a\x7f", "http://example.com/a"],
)
def test_a_path_that_is_not_origin_form_is_refused(path):
    with pytest.raises(ValueError):
        push_path(path)


def test_a_path_must_be_a_str():
    with pytest.raises(TypeError):
        push_path(b"/a")  # type: ignore[arg-type]


def test_valid_paths_are_sent_as_ascii():
    assert push_path("/style.css?v=3") == b"/style.css?v=3"
    assert push_path("/%E2%9C%93/a;b=c") == b"/%E2%9C%93/a;b=c"


@pytest.mark.parametrize(
    "headers",
    [
        {":path": "/x"},
        {":authority": "x"},
        {"connection": "close"},
        {"Transfer-Encoding": "chunked"},
        {"upgrade": "h2c"},
        {"keep-alive": "1"},
        {"te": "trailers"},
        {"host": "other.example"},
        {"content-length": "0"},
        {"accept": "a\r\nx: y"},
        {"bad name": "x"},
    ],
)
def test_headers_a_pushed_request_cannot_carry_are_refused(headers):
    with pytest.raises(InvalidHeader):
        push_headers(headers)


def test_headers_are_checked_and_kept_in_order():
    assert push_headers([("Accept", " text/css "), ("x-a", "1")]) == [
        (b"Accept", b"text/css"),
        (b"x-a", b"1"),
    ]
    assert push_headers(None) == []


def test_bad_input_raises_before_anything_reaches_the_channel():
    calls = []

    class Channel:
        def push(self, path, headers):
            calls.append(path)
            return True

        async def apush(self, path, headers):
            calls.append(path)
            return True

    push = Push(Channel())
    with pytest.raises(ValueError):
        push.push("nope")
    with pytest.raises(InvalidHeader):
        asyncio.run(push.apush("/a", headers={"connection": "x"}))
    assert calls == []
    assert push.push("/a") is True and asyncio.run(push.apush("/b")) is True
    assert calls == [b"/a", b"/b"]


# -- requests and their extensions ------------------------------------------------------------


def test_extensions_are_read_only_and_empty_by_default():
    request = Request()
    assert dict(request.extensions) == {} and request.pushed is False
    with pytest.raises(TypeError):
        request.extensions["push"] = object()  # type: ignore[index]
    marker = object()
    copy = request.replace(extensions={"org.example.x": marker}, pushed=True)
    assert copy.extensions["org.example.x"] is marker and copy.pushed
    assert copy.replace(method="HEAD").extensions["org.example.x"] is marker
    assert copy.replace(method="HEAD").pushed
    # What a middleware passes down to forbid pushes (spec 8.5).
    assert "push" not in copy.replace(extensions={}).extensions


def test_http1_requests_get_no_push_extension():
    def app(request):
        return Response(f"{sorted(request.extensions)} {'push' in request.capabilities} {request.pushed}")

    with TestClient(app) as client:
        assert client.get("/").text == "[] False False"


# -- pushes through TestClient (the worker's real dispatch, an in-memory link) -----------------


def test_a_sync_push_goes_through_the_outermost_application():
    app = add_header_middleware(site)
    with h2_client(app) as client:
        response = client.get("/", headers={"user-agent": "test-agent/1", "host": "example.com"})
    assert response.text == "page pushed=True"
    assert response.headers.get("x-outer") == "client"
    [(path, pushed)] = response.pushed
    assert path == "/app.css"
    assert pushed.status == 200
    # The outer layer saw the pushed request (MUST-PUSH-2), marked pushed, with the parent's
    # host and user-agent, and without the push extension.
    assert pushed.headers.get("x-outer") == "pushed"
    assert pushed.text == "css for test-agent/1 example.com push-offered=False []"


def test_an_async_push():
    async def app(request):
        if request.pushed:
            return Response(f"pushed {request.method} {request.path} {request.query_string!r}"
                            f" {request.headers.get('accept')}")
        ok = await request.extensions["push"].apush("/data?x=1", headers={"accept": "application/json"})
        return Response(f"page {ok}")

    with h2_client(app) as client:
        response = client.get("/")
    assert response.text == "page True"
    [(path, pushed)] = response.pushed
    assert path == "/data?x=1"
    assert pushed.text == "pushed GET /data b'x=1' application/json"


def test_given_headers_win_over_the_copied_ones():
    def app(request):
        if request.pushed:
            return Response(f"{request.headers.get_all('user-agent')} {request.headers.get('accept-language')}")
        request.extensions["push"].push("/x", headers={"user-agent": "mine"})
        return Response(b"")

    with h2_client(app) as client:
        response = client.get("/", headers={"user-agent": "parent", "accept-language": "fr"})
    assert response.pushed[0][1].text == "['mine'] fr"


def test_a_push_after_the_response_is_complete_returns_false_at_once():
    kept = []

    def app(request):
        if request.path == "/first":
            kept.append(request.extensions["push"])
            return Response(b"first")
        return Response(f"late push: {kept[0].push('/x')}")

    with h2_client(app) as client:
        first = client.get("/first")
        second = client.get("/second")
    assert first.pushed == [] and second.pushed == []
    assert second.text == "late push: False"


def test_an_async_push_after_the_response_is_complete_returns_false():
    kept = []

    async def app(request):
        if request.path == "/first":
            kept.append(request.extensions["push"])
            return Response(b"first")
        return Response(f"late: {await kept[0].apush('/x')}")

    with h2_client(app) as client:
        client.get("/first")
        assert client.get("/second").text == "late: False"


def test_sync_push_on_the_event_loop_is_refused_with_a_clear_error():
    async def app(request):
        try:
            request.extensions["push"].push("/x")
        except RuntimeError as exc:
            return Response(str(exc))
        return Response(b"no error")

    with h2_client(app) as client:
        assert "apush" in client.get("/").text


def test_inline_sync_calls_that_may_push_still_run_in_a_thread():
    def app(request):
        if request.pushed:
            return Response(b"css")
        return Response(f"{request.extensions['push'].push('/a.css')} {threading.current_thread().name}")

    with h2_client(app, inline_sync=True) as client:
        response = client.get("/")
    ok, thread = response.text.split()
    assert ok == "True" and thread != "wsging-testclient"
    assert response.pushed[0][1].text == "css"


def test_a_middleware_can_forbid_pushes():
    def forbid(app):
        def middleware(request):
            return app(request.replace(extensions={}, capabilities=request.capabilities.without("push")))

        return middleware

    with h2_client(forbid(site)) as client:
        response = client.get("/")
    assert response.text == "page pushed=None" and response.pushed == []


# -- the link: PUSH and PUSH_RESULT -----------------------------------------------------------


def h2_get(stream, flags=link.END_STREAM, capabilities=0x04):
    return link.encode_request(
        link.RequestFrame(stream, flags, "2", b"https", b"GET", b"/", b"", b"", 0, b"", 0, -1,
                          capabilities, [(b"host", b"h")])
    )


class Pushing:
    """An async app that pushes /a and answers with what push returned."""

    def __init__(self):
        self.results = []

    async def __call__(self, request):
        if request.pushed or "push" not in request.extensions:
            return Response(f"pushed={request.pushed} ext={sorted(request.extensions)}")
        self.results.append(await request.extensions["push"].apush("/a", headers={"x-k": "v"}))
        return Response(f"push={self.results[-1]}")


def test_the_worker_sends_push_and_waits_for_the_answer():
    app = Pushing()
    h = Harness(app)
    try:
        assert dict(h.hello.settings)[link.SETTING_PUSH] == 1
        [push] = h.run(SERVER_HELLO, h2_get(1))
        assert push == link.PushFrame(1, push.token, b"/a", [(b"x-k", b"v")])
        # No response while the answer is pending: the PUSH_PROMISE precedes anything the
        # response says about the resource.
        assert h.frames() == []
        frames = h.run(link.encode_push_result(push.token, False))
        assert app.results == [False]
        assert isinstance(frames[0], link.ResponseFrame)
        assert frames[-1].flags & link.END_STREAM
        assert b"".join(f.data for f in frames if isinstance(f, link.DataFrame)) == b"push=False"
    finally:
        h.close()


def test_each_push_has_its_own_token_and_unknown_tokens_are_ignored():
    app = Pushing()
    h = Harness(app)
    try:
        [p1] = h.run(SERVER_HELLO, h2_get(1))
        [p2] = h.run(h2_get(3))
        assert p1.token != p2.token
        assert h.run(link.encode_push_result(0xFFFF0000, True)) == []  # nothing waits for it
        h.run(link.encode_push_result(p2.token, True), link.encode_push_result(p1.token, False))
        assert sorted(app.results) == [False, True]
    finally:
        h.close()


def test_a_pushed_request_is_never_offered_push():
    h = Harness(Pushing())
    try:
        frames = h.run(SERVER_HELLO, h2_get(1, link.END_STREAM | link.PUSHED, capabilities=0x05))
        body = b"".join(f.data for f in frames if isinstance(f, link.DataFrame))
        assert body == b"pushed=True ext=[]"
    finally:
        h.close()


def test_pushes_waiting_when_the_link_closes_return_false():
    results = []
    returned = threading.Event()

    def app(request):  # a sync app: its thread blocks in push() until the answer
        results.append(request.extensions["push"].push("/a"))
        returned.set()
        return Response(b"")

    h = Harness(app, is_async=False)
    try:
        frames = h.run(SERVER_HELLO, h2_get(1))
        deadline = time.monotonic() + 10
        while not frames and time.monotonic() < deadline:  # the app's thread gets there
            time.sleep(0.01)
            frames = h.frames()
        [push] = frames
        assert isinstance(push, link.PushFrame)
        assert not returned.is_set()
        h.transport.close()
        h.frames()
        assert returned.wait(10)
        assert results == [False]
    finally:
        h.close()


def test_a_reset_while_a_push_waits_does_not_lose_the_answer():
    app = Pushing()
    h = Harness(app)
    try:
        [push] = h.run(SERVER_HELLO, h2_get(1))
        h.run(link.encode_reset(1, link.CANCEL))
        # The front end still answers every PUSH it received; the worker takes the answer.
        h.run(link.encode_push_result(push.token, True))
        assert app.results in ([], [True])  # the app may have been cancelled first
        assert h.session.state == "open"
    finally:
        h.close()


def test_push_result_on_a_stream_is_a_link_error():
    h = Harness(Pushing())
    try:
        bad = link.frame_header(5, link.PUSH_RESULT, 0, 1) + bytes.fromhex("0000000101")
        frames = h.run(SERVER_HELLO, bad)
        assert isinstance(frames[-1], link.GoawayFrame)
        assert frames[-1].code == link.GOAWAY_PROTOCOL_ERROR
    finally:
        h.close()


def test_the_push_extension_exposes_no_connection():
    # MUST-EXT-2 (C4): from the extension object, through its public members, no socket,
    # descriptor or transport; the same walk as for the request itself.
    reached = []

    def app(request):
        reached.extend(reachable(request))
        return Response(b"")

    with h2_client(app) as client:
        client.get("/")
    pushes = [obj for obj in reached if isinstance(obj, Push)]
    assert len(pushes) == 1
    assert {n for n in dir(pushes[0]) if not n.startswith("_")} == {"push", "apush"}
    assert_no_connection(reached)
