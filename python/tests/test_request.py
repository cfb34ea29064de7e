"""Request: lazy path decoding, read-only attributes, informational validation, replace()."""

import asyncio

import pytest

from wsging import Capabilities, InvalidStatus, Request


def test_path_is_percent_decoded_utf8_and_raw_path_exact():
    request = Request("GET", b"/a%20b/caf%C3%A9/%FF")
    assert request.path == "/a b/caf\u00e9/\udcff"
    assert request.raw_path == b"/a%20b/caf%C3%A9/%FF"
    assert request.path.encode("utf-8", "surrogateescape") == b"/a b/caf\xc3\xa9/\xff"


def test_defaults_of_a_hand_built_request():
    request = Request()
    assert (request.method, request.path, request.query_string) == ("GET", "/", b"")
    assert request.client is None and request.content_length is None
    assert request.body.read() == b""
    assert request.disconnected is False
    assert request.send_informational(103, [("link", "</a>")]) is False


def test_attributes_are_read_only():
    request = Request()
    with pytest.raises(AttributeError):
        request.method = "POST"


def test_replace_changes_only_what_is_named():
    request = Request("GET", b"/x", headers=[(b"a", b"1")], client=("1.2.3.4", 5))
    copy = request.replace(method="HEAD")
    assert copy.method == "HEAD" and copy.path == "/x" and copy.headers is request.headers
    assert copy.client == ("1.2.3.4", 5)
    with pytest.raises(TypeError):
        request.replace(nope=1)


@pytest.mark.parametrize("status", [100, 101, 200, 99, "103"])
def test_informational_status_is_validated(status):
    request = Request(capabilities=Capabilities.from_bits(0x02))
    with pytest.raises(InvalidStatus):
        request.send_informational(status)


def test_async_informational_on_detached_request():
    request = Request(capabilities=Capabilities.from_bits(0x02))
    assert asyncio.run(request.asend_informational(103, {"link": "</s.css>"})) is False


def test_body_given_as_bytes():
    assert Request("POST", b"/", body=b"abc").body.read() == b"abc"


# -- root_path, state, wait_disconnected (spec 5.1, 12.3, 11.1) -------------------------------


def test_root_path_defaults_to_empty_and_is_kept_by_replace():
    assert Request().root_path == ""
    request = Request("GET", b"/app/x", root_path="/app")
    assert request.root_path == "/app" and request.path == "/app/x"
    assert request.replace(raw_path=b"/app/y").root_path == "/app"
    assert request.replace(root_path="").root_path == ""


@pytest.mark.parametrize("bad", ["app", "/app/", "/"])
def test_root_path_must_start_with_a_slash_and_not_end_with_one(bad):
    with pytest.raises(ValueError, match="root_path"):
        Request("GET", b"/", root_path=bad)


def test_state_is_one_dictionary_shared_by_every_replace_copy():
    request = Request()
    copy = request.replace(method="POST")
    deeper = copy.replace(raw_path=b"/x")
    deeper.state["auth.user"] = "ann"
    assert request.state == {"auth.user": "ann"}
    request.state["req.id"] = 7
    assert copy.state is request.state is deeper.state
    assert Request().state == {}  # another request has its own


def test_state_made_after_a_copy_is_still_shared():
    request = Request()
    copy = request.replace()
    copy.state["k"] = 1
    assert request.state["k"] == 1


def test_state_of_requests_from_the_worker_is_per_request():
    from wsging import Response
    from wsging.testing import TestClient

    seen = []

    def app(request):
        seen.append(request.state)
        request.replace().state["n"] = len(seen)
        return Response(repr(request.state))

    with TestClient(app) as client:
        assert client.get("/").text == "{'n': 1}"
        assert client.get("/").text == "{'n': 2}"
    assert seen[0] is not seen[1]


def test_wait_disconnected_says_whether_the_client_left():
    import threading

    from wsging import Response
    from wsging.testing import TestClient

    results = {}
    done = threading.Event()

    async def app(request):
        async def watch():
            results[request.path] = await request.wait_disconnected()
            if len(results) == 2:
                done.set()

        asyncio.get_running_loop().create_task(watch())
        if request.path == "/leave":
            await request.wait_disconnected()
        return Response(b"done")

    with TestClient(app) as client:
        assert client.get("/stay").body == b"done"
        leaving = client.stream("GET", "/leave", end=True)
        client.ping()  # the app runs and waits
        leaving.cancel()
        assert done.wait(10)
    assert results == {"/stay": False, "/leave": True}


def test_a_sync_app_that_returns_a_coroutine_is_awaited_on_the_loop():
    from wsging import Response
    from wsging.testing import TestClient

    async def inner(request):
        asyncio.get_running_loop()  # raises off the loop
        return Response(b"awaited " + request.raw_path)

    def sync_wrapper(request):  # no functools.wraps: classified sync
        return inner(request)

    with TestClient(sync_wrapper) as client:
        for _ in range(2):
            response = client.get("/a")
            assert response.status == 200 and response.body == b"awaited /a"


def test_a_functools_wraps_wrapper_of_an_async_app_serves_and_may_answer_at_once():
    import functools

    from wsging import Response
    from wsging.testing import TestClient

    async def inner(request):
        return Response(b"async")

    @functools.wraps(inner)
    def wrapper(request):
        if request.path == "/short":
            return Response(b"at once")  # a wrapper that answers without the inner app
        return inner(request)

    with TestClient(wrapper) as client:
        assert client.get("/").body == b"async"
        assert client.get("/short").body == b"at once"
