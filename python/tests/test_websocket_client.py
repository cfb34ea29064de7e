"""WebSocket sessions through TestClient.websocket_connect, which runs the real worker code over
the in-memory link (spec 9, 11.6, 11.7): sync and async sessions and applications, context,
completion callbacks, closes both ways, pings, large messages, refusals, and the test client's
own rules."""

import contextvars
import threading
import time
from pathlib import Path

import pytest

from wsging import Response, WebSocket, WebSocketClosed, WebSocketOffer
from wsging.testing import TestClient, TestWebSocket

WAIT = 10
var: "contextvars.ContextVar[str]" = contextvars.ContextVar("ws_var", default="unset")

KINDS = [("sync", "sync"), ("sync", "async"), ("async", "sync"), ("async", "async")]
IDS = [f"{app}-app-{session}-session" for app, session in KINDS]


def echo_session(kind):
    """A session that greets with the context variable, then echoes until the close."""
    if kind == "sync":

        def session(ws):
            ws.send(f"var={var.get()} subprotocol={ws.subprotocol}")
            for message in ws:
                ws.send(message)

        return session

    async def asession(ws):
        await ws.send(f"var={var.get()} subprotocol={ws.subprotocol}")
        async for message in ws:
            await ws.send(message)

    return asession


def app_of(kind, handler):
    if kind == "sync":
        return handler

    async def app(request):
        return handler(request)

    return app


@pytest.mark.parametrize("app_kind, session_kind", KINDS, ids=IDS)
def test_any_application_kind_runs_any_session_kind_in_its_context(app_kind, session_kind):
    # MUST-CTX-1: the session runs in the request's context (9.5, 11.6)
    def handler(request):
        if request.websocket is None:
            return Response(f"plain var={var.get()}")
        var.set(f"set before accept {request.path}")
        return request.websocket.accept(echo_session(session_kind), subprotocol="chat.v1")

    with TestClient(app_of(app_kind, handler)) as client:
        with client.websocket_connect("/a", subprotocols=["chat.v0", "chat.v1"]) as ws:
            assert ws.accepted and ws.subprotocol == "chat.v1"
            assert ws.response.status == 101
            assert ws.receive() == "var=set before accept /a subprotocol=chat.v1"
            ws.send("text é")
            ws.send(b"\x00\xff")
            assert ws.receive() == "text é"
            assert ws.receive() == b"\x00\xff"
        # MUST-CTX-2: nothing the session's request set leaks into the next request
        assert client.get("/").text == "plain var=unset"


def test_capabilities_websocket_on_http11_and_not_on_http10():
    def app(request):
        return Response(f"{request.capabilities.websocket} {request.websocket is None}")

    with TestClient(app) as client:
        assert client.get("/").text == "True True"
    with TestClient(app, http_version="1.0") as client:
        assert client.get("/").text == "False True"
        with pytest.raises(ValueError):
            client.websocket_connect("/")


def test_a_refusal_is_the_response_the_client_gets():
    # MUST-WS-1
    def app(request):
        if request.headers.get("origin") != "https://good.example":
            return Response("forbidden origin\n", 403)
        return request.websocket.accept(echo_session("sync"))

    with TestClient(app) as client:
        refused = client.websocket_connect("/", headers={"origin": "https://evil.example"})
        assert not refused.accepted
        assert refused.response.status == 403 and refused.response.text == "forbidden origin\n"
        with pytest.raises(RuntimeError):
            refused.send("x")
        with client.websocket_connect("/", headers={"origin": "https://good.example"}) as ws:
            assert ws.accepted


@pytest.mark.parametrize("compression, offered, expected", [
    (True, "permessage-deflate; client_max_window_bits", ["permessage-deflate"]),
    (False, "permessage-deflate", []),
    (True, None, []),
])
def test_extensions_are_what_the_handshake_accepted(compression, offered, expected):
    seen = []

    def app(request):
        def session(ws):
            seen.append(ws.extensions)

        return request.websocket.accept(session, compression=compression)

    headers = {"sec-websocket-extensions": offered} if offered else None
    with TestClient(app) as client:
        with client.websocket_connect("/", headers=headers) as ws:
            assert ws.extensions == expected
            with pytest.raises(WebSocketClosed):
                ws.receive()
    assert seen == [expected]


def test_extra_fields_reach_the_handshake_response():
    def app(request):
        response = request.websocket.accept(echo_session("sync"), headers={"set-cookie": "sid=1"})
        response.headers.add("x-middleware", "yes")
        return response

    with TestClient(app) as client:
        with client.websocket_connect("/") as ws:
            assert ws.response.headers["set-cookie"] == "sid=1"
            assert ws.response.headers["x-middleware"] == "yes"


# -- closes and completion -------------------------------------------------------------------


@pytest.mark.parametrize("session_kind", ["sync", "async"])
def test_completion_callbacks_run_after_the_session_with_its_outcome(session_kind):
    # 9.5, 11.7: "completed" after a close handshake, "client-gone" after a drop, once the
    # session has returned; in the request's context (MUST-DONE-2).
    outcomes = []
    returned = threading.Event()

    def callback(outcome):
        outcomes.append((outcome, var.get(), returned.is_set()))

    def app(request):
        var.set(request.path)
        request.on_complete(callback)

        def session(ws):
            try:
                ws.receive()
            except WebSocketClosed:
                pass
            returned.set()

        async def asession(ws):
            try:
                await ws.receive()
            except WebSocketClosed:
                pass
            returned.set()

        return request.websocket.accept(session if session_kind == "sync" else asession)

    with TestClient(app) as client:
        client.websocket_connect("/closed").close(1000)
        _wait(lambda: len(outcomes) == 1)
        returned.clear()
        client.websocket_connect("/dropped").drop()
        _wait(lambda: len(outcomes) == 2)
    assert outcomes == [("completed", "/closed", True), ("client-gone", "/dropped", True)]


def test_the_applications_close_reaches_the_client_with_its_code():
    closed = []

    def app(request):
        def session(ws):
            ws.send("bye soon")
            ws.close(4001, "policy")
            closed.append((ws.close_code, ws.close_reason))

        return request.websocket.accept(session)

    with TestClient(app) as client:
        ws = client.websocket_connect("/")
        assert ws.receive() == "bye soon"
        with pytest.raises(WebSocketClosed) as info:
            ws.receive()
        assert (info.value.code, info.value.reason) == (4001, "policy")
        assert (ws.close_code, ws.close_reason) == (4001, "policy")
    assert closed == [(4001, "policy")]  # the client echoed the close


def test_a_session_that_returns_closes_with_1000():
    # MUST-WS-7
    def app(request):
        return request.websocket.accept(lambda ws: None)

    with TestClient(app) as client:
        ws = client.websocket_connect("/")
        assert list(ws) == []
        assert ws.close_code == 1000


def test_a_session_that_raises_is_raised_in_the_test_or_closes_with_1011():
    # MUST-WS-7
    def app(request):
        def session(ws):
            raise LookupError("session failed")

        return request.websocket.accept(session)

    with TestClient(app) as client:
        ws = client.websocket_connect("/")
        with pytest.raises(LookupError):
            ws.receive()
    with TestClient(app, raise_server_exceptions=False) as client:
        ws = client.websocket_connect("/")
        with pytest.raises(WebSocketClosed) as info:
            ws.receive()
        assert info.value.code == 1011


def test_a_sync_session_returning_an_awaitable_is_an_error():
    async def forgot_async(ws):
        pass

    def app(request):
        return request.websocket.accept(lambda ws: forgot_async(ws))

    with TestClient(app, raise_server_exceptions=False) as client:
        ws = client.websocket_connect("/")
        with pytest.raises(WebSocketClosed) as info:
            ws.receive()
        assert info.value.code == 1011


def test_an_invalid_acceptance_is_raised_in_the_test_or_answered_500():
    # MUST-WS-8
    stranger = WebSocketOffer()

    def app(request):
        return stranger.accept(lambda ws: None)

    with TestClient(app) as client:
        with pytest.raises(TypeError):  # InvalidResponse names what is wrong
            client.websocket_connect("/")
    with TestClient(app, raise_server_exceptions=False) as client:
        ws = client.websocket_connect("/")
        assert not ws.accepted and ws.response.status == 500


def test_closing_the_client_ends_open_sessions_with_1006():
    seen = []

    async def session(ws):
        try:
            await ws.receive()
        except WebSocketClosed as exc:
            seen.append(exc.code)

    async def app(request):
        return request.websocket.accept(session)

    client = TestClient(app)
    client.websocket_connect("/")
    client.close()
    assert seen == [1006]


# -- messages, pings, timeouts ---------------------------------------------------------------


@pytest.mark.parametrize("session_kind", ["sync", "async"])
def test_large_messages_travel_in_pieces_both_ways(session_kind):
    big = bytes(range(256)) * 4000  # 1 MB: over the window and many MAX_FRAMEs each way

    def app(request):
        return request.websocket.accept(echo_session(session_kind), max_message_size=2 * len(big))

    with TestClient(app, response_max_frame=16384, response_window=65536) as client:
        with client.websocket_connect("/") as ws:
            ws.receive()
            ws.send(big)
            ws.send("é" * 300000)
            assert ws.receive() == big
            assert ws.receive() == "é" * 300000


def test_the_application_pings_the_client():
    rtts = []

    def app(request):
        def session(ws):
            rtts.append(ws.ping(b"are you there"))
            rtts.append(ws.ping())
            ws.send("done")
            ws.receive()

        return request.websocket.accept(session)

    with TestClient(app) as client:
        with client.websocket_connect("/") as ws:
            assert ws.receive() == "done"
            assert ws.pinged[0] == b"are you there" and len(ws.pinged) == 2
    assert all(isinstance(rtt, float) and rtt >= 0 for rtt in rtts)


def test_receive_with_a_timeout():
    results = []

    async def session(ws):
        try:
            await ws.receive(timeout=0.01)
        except TimeoutError:
            results.append("timed out")
        await ws.send("ready")
        results.append(await ws.receive(timeout=WAIT))

    async def app(request):
        return request.websocket.accept(session)

    with TestClient(app) as client:
        with client.websocket_connect("/") as ws:
            assert ws.receive() == "ready"
            ws.send("in time")
            _wait(lambda: len(results) == 2)
    assert results == ["timed out", "in time"]


def test_sync_methods_refuse_the_event_loop_and_async_ones_threads():
    errors = []

    async def app(request):
        async def session(ws):
            sync_form = WebSocket(ws._channel)
            try:
                sync_form.receive()
            except RuntimeError as exc:
                errors.append(str(exc))
            await ws.send("checked")
            await ws.receive()

        return request.websocket.accept(session)

    with TestClient(app) as client:
        with client.websocket_connect("/") as ws:
            assert ws.receive() == "checked"
    assert "blocks" in errors[0]


def test_the_test_websocket_is_exported():
    import wsging.testing

    assert wsging.testing.TestWebSocket is TestWebSocket


def _wait(predicate, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


# -- the specification's chat example (16.7) --------------------------------------------------


def test_the_chat_example_broadcasts_and_falls_back():
    namespace = {}
    exec(_chat_example(), namespace)
    chat = namespace["chat"]
    with TestClient(chat) as client:
        alice = client.websocket_connect(
            "/chat", subprotocols=["chat.v1"], headers={"origin": "https://chat.example"}
        )
        bob = client.websocket_connect("/chat", subprotocols=["chat.v1"])
        _wait(lambda: len(namespace["members"]) == 2)
        alice.send("hello from alice")
        assert alice.receive() == "hello from alice"
        assert bob.receive() == "hello from alice"
        assert client.post("/chat", body=b"from the fallback").status == 204
        assert bob.receive() == "from the fallback"
        assert client.get("/chat").text == "hello from alice\nfrom the fallback\n"
        bob.send(b"binary")
        with pytest.raises(WebSocketClosed) as info:
            bob.receive()
        assert (info.value.code, info.value.reason) == (1003, "text only")
        refused = client.websocket_connect("/chat", subprotocols=["chat.v2"])
        assert refused.response.status == 400
        evil = client.websocket_connect(
            "/chat", subprotocols=["chat.v1"], headers={"origin": "https://evil.example"}
        )
        assert evil.response.status == 403
        alice.close()
        _wait(lambda: not namespace["members"])


def _chat_example():
    spec = (Path(__file__).resolve().parents[2] / "spec" / "wsgi-ng.md").read_text("utf-8")
    start = spec.index("### 16.7 ")
    code_start = spec.index("```python\n", start) + len("```python\n")
    return spec[code_start : spec.index("```", code_start)]
