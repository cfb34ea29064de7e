"""The worker's WebSocket runtime driven frame by frame through the real link codec (spec 9,
A.2 *WebSocket*, A.5): offers, acceptance checks, sessions, flow control both ways, closes,
pings, the sync session cap, and every bad frame a front end could send."""

import asyncio
import logging
import threading

import pytest

from wsging import Response, WebSocketClosed, WebSocketOffer
from wsging.worker import link
from wsging.worker.runtime import WorkerConfig

from ws_link import WEBSOCKET_BIT, WsLink, of

WAIT = 5


@pytest.fixture
def make():
    links = []

    def build(app, **options):
        harness = WsLink(app, **options)
        links.append(harness)
        return harness

    yield build
    for harness in links:
        harness.close()


def accepting(session, seen=None, **accept):
    """An async app accepting every offer with `session`; `seen` collects the requests."""

    async def app(request):
        if seen is not None:
            seen.append(request)
        if request.websocket is None:
            return Response(b"plain")
        return request.websocket.accept(session, **accept)

    return app


async def idle(ws):
    async for _ in ws:
        pass


# -- the offer -------------------------------------------------------------------------------


def test_the_worker_announces_websocket(make):
    assert dict(make(accepting(idle)).hello.settings)[link.SETTING_WEBSOCKET] == 1


@pytest.mark.parametrize("http_version, transport", [("1.1", "h1-upgrade"), ("2", "h2-connect")])
def test_an_offer_gets_request_websocket_from_its_fields(make, http_version, transport):
    seen = []
    harness = make(accepting(idle, seen))
    harness.offer(
        1,
        http_version=http_version,
        fields=[
            (b"Sec-WebSocket-Protocol", b"chat.v1, chat.v2"),
            (b"sec-websocket-protocol", b"chat.v3"),
            (b"Sec-WebSocket-Extensions", b"permessage-deflate; client_max_window_bits, x-y"),
        ],
    )
    harness.take(link.WsAcceptFrame, 1)
    offer = seen[0].websocket
    assert offer.subprotocols == ["chat.v1", "chat.v2", "chat.v3"]
    assert offer.extensions == ["permessage-deflate; client_max_window_bits", "x-y"]
    assert offer.transport == transport
    assert seen[0].capabilities.websocket
    assert seen[0].headers["sec-websocket-key"] == "dGhlIHNhbXBsZSBub25jZQ=="


def test_only_the_flag_makes_an_offer(make):
    seen = []
    harness = make(accepting(idle, seen))
    harness.request(1, headers=[(b"Upgrade", b"websocket")], capabilities=WEBSOCKET_BIT)
    harness.take(link.ResponseFrame, 1)
    harness.request(3, capabilities=0)
    harness.take(link.ResponseFrame, 3)
    assert seen[0].websocket is None and seen[0].capabilities.websocket
    assert seen[1].websocket is None and not seen[1].capabilities.websocket


def test_accepting_sends_ws_accept_in_place_of_a_response(make):
    harness = make(
        accepting(
            idle, subprotocol="chat.v2", headers={"set-cookie": "sid=1"}, compression=False,
            max_message_size=4096,
        )
    )
    harness.offer(1, fields=[(b"Sec-WebSocket-Protocol", b"chat.v1, chat.v2")])
    accept = harness.take(link.WsAcceptFrame, 1)
    assert accept == link.WsAcceptFrame(1, 0, 4096, "chat.v2", [(b"set-cookie", b"sid=1")])
    assert not of(harness.drain(), link.ResponseFrame)
    defaults = make(accepting(idle))
    defaults.offer(3)  # compression allowed by default, no subprotocol
    assert defaults.take(link.WsAcceptFrame, 3) == link.WsAcceptFrame(
        3, link.WS_ALLOW_COMPRESSION, 1_048_576, "", []
    )


def test_a_refusal_is_an_ordinary_response(make):
    # MUST-WS-1
    async def app(request):
        return Response(b"no", 403, {"x-why": "origin"})

    harness = make(app)
    harness.offer(1)
    head = harness.take(link.ResponseFrame, 1)
    body = harness.take(link.DataFrame, 1)
    assert head.status == 403 and (b"x-why", b"origin") in head.headers
    assert body.data == b"no" and body.flags & link.END_STREAM
    assert not of(harness.drain(), link.WsAcceptFrame)


# -- what counts as an acceptance (MUST-WS-8) ------------------------------------------------

ELSEWHERE = WebSocketOffer()


class Foreign:
    """An acceptance built by another copy of the package, or a middleware: read by attribute."""

    status = 101
    body = b""
    subprotocol = None
    compression = True
    max_message_size = 100

    def __init__(self, offer, **changes):
        self.websocket = offer
        self.headers = [("x-foreign", "1")]
        self.session = idle
        self.__dict__.update(changes)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda request: ELSEWHERE.accept(idle), id="another-offers-acceptance"),
        pytest.param(lambda request: Foreign(None), id="101-without-offer"),
        pytest.param(lambda request: Foreign(request.websocket, subprotocol="x"), id="subprotocol-not-offered"),
        pytest.param(lambda request: Foreign(request.websocket, session="no"), id="session-not-callable"),
        pytest.param(lambda request: Foreign(request.websocket, max_message_size=0), id="max-size-0"),
        pytest.param(lambda request: Foreign(request.websocket, headers=[("bad name", "x")]), id="bad-header"),
    ],
)
def test_a_101_that_is_not_this_offers_acceptance_is_a_500(make, caplog, answer):
    # MUST-WS-8
    async def app(request):
        return answer(request)

    harness = make(app)
    with caplog.at_level(logging.ERROR, logger="wsging.worker"):
        harness.offer(1)
        assert harness.take(link.ResponseFrame, 1).status == 500
    assert "invalid WebSocket acceptance for GET /ws" in caplog.text
    assert not of(harness.drain(), link.WsAcceptFrame)


def test_a_101_answering_an_ordinary_request_is_a_500(make, caplog):
    # MUST-WS-8
    async def app(request):
        return ELSEWHERE.accept(idle)

    harness = make(app)
    with caplog.at_level(logging.ERROR, logger="wsging.worker"):
        harness.request(1)
        assert harness.take(link.ResponseFrame, 1).status == 500
    assert "not an offer" in caplog.text


def test_an_acceptance_is_read_by_its_attributes(make):
    # MUST-WS-8: the 101 of this request's own offer, whatever object carries it
    async def app(request):
        return Foreign(request.websocket)

    harness = make(app)
    harness.offer(1)
    assert harness.take(link.WsAcceptFrame, 1) == link.WsAcceptFrame(
        1, link.WS_ALLOW_COMPRESSION, 100, "", [(b"x-foreign", b"1")]
    )


def test_a_middleware_adds_fields_to_the_handshake(make):
    inner = accepting(idle)

    async def middleware(request):
        response = await inner(request)
        response.headers.add("x-layer", "outer")
        return response

    harness = make(middleware)
    harness.offer(1)
    assert harness.take(link.WsAcceptFrame, 1).headers == [(b"x-layer", b"outer")]


# -- a session's life ------------------------------------------------------------------------


def test_an_async_session_echoes_then_returning_closes_with_1000(make):
    outcomes = []

    async def session(ws):
        message = await ws.receive()
        await ws.send(message)
        await ws.send(b"\x00bin")

    async def app(request):
        request.on_complete(outcomes.append)
        return request.websocket.accept(session)

    harness = make(app)
    harness.open(1)
    harness.text(1, "héllo")
    assert harness.take(link.WsMessageFrame, 1) == link.WsMessageFrame(1, "héllo".encode(), link.WS_TEXT)
    assert harness.take(link.WsMessageFrame, 1) == link.WsMessageFrame(1, b"\x00bin", 0)
    assert harness.take(link.WsCloseFrame, 1) == link.WsCloseFrame(1, 1000, "")
    assert outcomes == []  # the stream goes on until the front end's WS_CLOSE
    harness.close_from_client(1, 1000)
    harness.until(lambda: outcomes == ["completed"])


def test_a_session_that_raises_closes_with_1011_and_is_logged(make, caplog):
    # MUST-WS-7
    outcomes = []

    async def session(ws):
        raise RuntimeError("session bug")

    async def app(request):
        request.on_complete(outcomes.append)
        return request.websocket.accept(session)

    harness = make(app)
    with caplog.at_level(logging.ERROR, logger="wsging.worker"):
        harness.open(1)
        assert harness.take(link.WsCloseFrame, 1).code == 1011
    assert "error in the WebSocket session of GET /ws" in caplog.text
    assert "RuntimeError: session bug" in caplog.text  # the traceback
    harness.close_from_client(1, 1011)
    harness.until(lambda: outcomes == ["aborted"])


def test_a_sync_session_runs_in_a_thread_of_its_own(make, caplog):
    # MUST-WS-7 too: the sync form closes the same ways
    seen = {}

    def session(ws):
        seen["thread"] = threading.current_thread().name
        ws.send(ws.receive().upper())
        if seen.get("fail"):
            raise ValueError("sync session bug")

    def app(request):
        seen["pool"] = threading.current_thread().name
        return request.websocket.accept(session)

    harness = make(app)
    harness.open(1)
    harness.text(1, "abc")
    assert harness.take(link.WsMessageFrame, 1).data == b"ABC"
    assert harness.take(link.WsCloseFrame, 1).code == 1000
    assert seen["thread"] == "wsging-websocket-1" and seen["pool"].startswith("wsging-app")
    seen["fail"] = True
    with caplog.at_level(logging.ERROR, logger="wsging.worker"):
        harness.open(3)
        harness.text(3, "x")
        assert harness.take(link.WsCloseFrame, 3).code == 1011
    assert "ValueError: sync session bug" in caplog.text


def test_the_client_gone_before_ws_open_never_starts_the_session(make):
    started, outcomes = [], []

    async def session(ws):
        started.append(ws)

    async def app(request):
        request.on_complete(outcomes.append)
        return request.websocket.accept(session)

    harness = make(app)
    harness.offer(1)
    harness.take(link.WsAcceptFrame, 1)
    harness.close_from_client(1, 1006)
    harness.until(lambda: outcomes == ["client-gone"])
    assert started == [] and harness.drain() == []


def test_the_client_gone_while_the_application_decides(make):
    gate, outcomes = [], []

    async def app(request):
        request.on_complete(outcomes.append)
        gate.append(asyncio.get_running_loop().create_future())
        await gate[0]
        return request.websocket.accept(idle)

    harness = make(app)
    harness.offer(1)
    harness.until(lambda: gate)
    harness.close_from_client(1, 1006)  # before any answer: as a RESET CANCEL
    harness.until(lambda: outcomes == ["client-gone"])
    assert harness.drain() == []


# -- messages both ways ----------------------------------------------------------------------


def test_pieces_are_assembled_into_one_message(make):
    got = []

    async def session(ws):
        got.append(await ws.receive())
        got.append(await ws.receive())

    harness = make(accepting(session))
    harness.open(1)
    harness.message(1, "hé".encode()[:2], link.WS_TEXT | link.WS_CONTINUES)
    harness.message(1, "hé".encode()[2:] + b"!", link.WS_TEXT)  # é split inside
    harness.message(1, b"a", link.WS_CONTINUES)
    harness.message(1, b"", link.WS_CONTINUES)
    harness.message(1, b"b")
    harness.until(lambda: len(got) == 2)
    assert got == ["hé!", b"ab"]


def test_messages_go_out_in_pieces_of_max_frame(make):
    async def session(ws):
        await ws.send("x" * 2500, compress=False)
        await ws.send(b"")

    harness = make(accepting(session), peer_max_frame=1000)
    harness.open(1)
    pieces = [harness.take(link.WsMessageFrame, 1) for _ in range(4)]
    text, cont, unc = link.WS_TEXT, link.WS_CONTINUES, link.WS_UNCOMPRESSED
    assert [(len(p.data), p.flags) for p in pieces] == [
        (1000, text | cont | unc), (1000, text | cont), (500, text), (0, 0),
    ]


def test_messages_go_out_only_within_the_front_ends_window(make):
    # MUST-WS-10 (the sending side): the application waits for credit, memory stays bounded
    sent = []

    async def session(ws):
        await ws.send(b"a" * 10000)
        sent.append("big")
        await ws.send(b"after")
        sent.append("after")
        await idle(ws)

    harness = make(accepting(session), peer_window=4000)
    harness.open(1)
    frames = of(harness.drain(0.1), link.WsMessageFrame)
    assert sum(len(f.data) for f in frames) == 4000 and sent == []
    harness.send(link.encode_window(1, 4000))
    frames = of(harness.drain(0.1), link.WsMessageFrame)
    assert sum(len(f.data) for f in frames) == 4000 and sent == []
    harness.send(link.encode_window(1, 2000))
    harness.until(lambda: sent == ["big"])
    frames = of(harness.drain(), link.WsMessageFrame)
    assert [len(f.data) for f in frames] == [2000]  # "after" needs credit again
    assert sent == ["big"]
    harness.send(link.encode_window(1, 100))
    assert harness.take(link.WsMessageFrame, 1).data == b"after"


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_send_blocked_on_the_window_ends_with_the_close(make, kind):
    outcome = []

    async def asession(ws):
        try:
            await ws.send(b"a" * 100)
        except WebSocketClosed as exc:
            outcome.append(exc.code)

    def ssession(ws):
        try:
            ws.send(b"a" * 100)
        except WebSocketClosed as exc:
            outcome.append(exc.code)

    harness = make(accepting(asession if kind == "async" else ssession), peer_window=10)
    harness.open(1)
    harness.take(link.WsMessageFrame, 1)
    harness.close_from_client(1, 1001, "shutdown")
    harness.until(lambda: outcome == [1001])


def test_a_thread_send_within_the_window_does_not_wait(make):
    order = []

    def session(ws):
        ws.send(b"one")
        order.append("returned")
        ws.receive()

    harness = make(accepting(session))
    harness.open(1)
    harness.until(lambda: order == ["returned"])
    assert harness.take(link.WsMessageFrame, 1).data == b"one"


def test_an_application_that_reads_nothing_gets_no_more_than_a_window(make):
    # MUST-WS-10: the worker grants no credit for what the application has not taken, so the
    # front end stops reading the client; a front end that sent beyond it broke the protocol.
    gate = []

    async def session(ws):
        gate.append(asyncio.get_running_loop().create_future())
        await gate[0]
        for _ in range(4):
            await ws.receive()
        await idle(ws)

    harness = make(accepting(session), initial_window=4096)
    harness.open(1)
    harness.until(lambda: gate)
    for _ in range(4):
        harness.message(1, b"m" * 1024)
    assert of(harness.drain(0.1), link.WindowFrame) == []
    gate[0].set_result(None)
    windows = []
    harness.until(lambda: windows.extend(of(harness.drain(0.01), link.WindowFrame)) or sum(
        w.increment for w in windows) == 4096)
    assert all(w.increment >= 1024 for w in windows)  # a quarter window or more (A.5)


def test_sending_beyond_the_workers_window_is_a_stream_error(make):
    async def session(ws):
        await asyncio.get_running_loop().create_future()  # reads nothing

    harness = make(accepting(session), initial_window=2048)
    harness.open(1)
    harness.message(1, b"m" * 2048)
    harness.message(1, b"m")
    assert harness.take(link.ResetFrame, 1).code == link.PROTOCOL_ERROR


def test_pieces_of_an_incomplete_message_are_granted_at_once(make):
    # A message larger than the window arrives: nothing else waits for the application.
    got = []

    async def session(ws):
        got.append(await ws.receive())

    harness = make(accepting(session, max_message_size=16384), initial_window=4096)
    harness.open(1)
    for _ in range(15):
        harness.message(1, b"p" * 1024, link.WS_CONTINUES)
        harness.take(link.WindowFrame, 1)
    harness.message(1, b"p" * 1024)
    harness.until(lambda: got)
    assert got == [b"p" * 16384]


def test_pieces_are_held_while_a_complete_message_waits(make):
    gate = []

    async def session(ws):
        gate.append(asyncio.get_running_loop().create_future())
        await gate[0]
        await ws.receive()
        await ws.receive()

    harness = make(accepting(session), initial_window=4096)
    harness.open(1)
    harness.until(lambda: gate)
    harness.message(1, b"whole" * 200)
    harness.message(1, b"p" * 1024, link.WS_CONTINUES)
    harness.message(1, b"p" * 1024, link.WS_CONTINUES)
    assert of(harness.drain(0.1), link.WindowFrame) == []
    gate[0].set_result(None)  # takes the whole one: its bytes and the held pieces go back
    assert harness.take(link.WindowFrame, 1).increment == 1000 + 2048


# -- closing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_close_sends_ws_close_after_the_messages_and_waits_for_the_front_end(make, kind):
    done = []

    async def asession(ws):
        await ws.send("last")
        await ws.close(4000, "bye")
        done.append((ws.close_code, ws.close_reason))

    def ssession(ws):
        ws.send("last")
        ws.close(4000, "bye")
        done.append((ws.close_code, ws.close_reason))

    harness = make(accepting(asession if kind == "async" else ssession))
    harness.open(1)
    frames = []
    harness.until(lambda: frames.extend(harness.drain(0.01)) or of(frames, link.WsCloseFrame))
    assert [type(f) for f in frames] == [link.WsMessageFrame, link.WsCloseFrame]
    assert frames[1] == link.WsCloseFrame(1, 4000, "bye")
    assert done == []  # close() waits for the closing handshake
    harness.close_from_client(1, 4000, "bye too")
    harness.until(lambda: done == [(4000, "bye too")])
    assert harness.drain() == []  # nothing after the close, not even a second WS_CLOSE


def test_a_close_the_front_end_never_answers_ends_with_a_reset(make, caplog):
    done = []

    async def session(ws):
        await ws.close(1001)
        done.append(ws.close_code)

    harness = make(accepting(session), close_timeout=0.1)
    harness.open(1)
    harness.take(link.WsCloseFrame, 1)
    with caplog.at_level(logging.WARNING, logger="wsging.worker"):
        assert harness.take(link.ResetFrame, 1).code == link.CANCEL
    harness.until(lambda: done == [1001])
    assert "no close from the front end" in caplog.text


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_the_clients_close_ends_receive_and_iteration(make, kind):
    seen = []

    async def asession(ws):
        async for message in ws:
            seen.append(message)
        seen.append((ws.close_code, ws.close_reason))
        try:
            await ws.receive()
        except WebSocketClosed as exc:
            seen.append(("receive", exc.code))
        try:
            await ws.send("late")
        except WebSocketClosed as exc:
            seen.append(("send", exc.code))

    def ssession(ws):
        for message in ws:
            seen.append(message)
        seen.append((ws.close_code, ws.close_reason))
        try:
            ws.receive()
        except WebSocketClosed as exc:
            seen.append(("receive", exc.code))
        try:
            ws.send("late")
        except WebSocketClosed as exc:
            seen.append(("send", exc.code))

    harness = make(accepting(asession if kind == "async" else ssession))
    harness.open(1)
    harness.text(1, "one")
    harness.close_from_client(1, 4001, "done")  # the message before the close still arrives
    harness.until(lambda: len(seen) == 4)
    assert seen == ["one", (4001, "done"), ("receive", 4001), ("send", 4001)]
    assert harness.drain() == []


def test_a_close_without_code_is_reported_as_1005(make):
    seen = []

    async def session(ws):
        try:
            await ws.receive()
        except WebSocketClosed as exc:
            seen.append(exc.code)

    harness = make(accepting(session))
    harness.open(1)
    harness.send(link.encode_ws_close(1, None))
    harness.until(lambda: seen == [1005])


@pytest.mark.parametrize("how", ["reset", "link-lost"])
def test_a_dropped_connection_is_1006_and_the_session_goes_on(make, how):
    # The receive raises; the session is not cancelled (9.5), its cleanup runs.
    seen, outcomes = [], []

    async def session(ws):
        try:
            await ws.receive()
        except WebSocketClosed as exc:
            seen.append(exc.code)
        await asyncio.sleep(0)
        seen.append("cleanup")

    async def app(request):
        request.on_complete(outcomes.append)
        return request.websocket.accept(session)

    harness = make(app)
    harness.open(1)
    if how == "reset":
        harness.send(link.encode_reset(1, link.CANCEL))
    else:
        harness.transport.close()
    harness.until(lambda: seen == [1006, "cleanup"])
    harness.until(lambda: outcomes == ["client-gone"])


def test_receive_times_out(make):
    seen = []

    async def asession(ws):
        try:
            await ws.receive(timeout=0.01)
        except TimeoutError:
            seen.append("timeout")
        seen.append(await ws.receive(timeout=5))

    harness = make(accepting(asession))
    harness.open(1)
    harness.until(lambda: seen == ["timeout"])
    harness.text(1, "later")
    harness.until(lambda: seen == ["timeout", "later"])


# -- pings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_ping_waits_for_the_matching_pong(make, kind):
    results = []

    async def asession(ws):
        results.append(await ws.ping())
        results.append(await ws.ping(b"mine"))
        try:
            await ws.ping(timeout=0.01)
        except TimeoutError:
            results.append("timeout")

    def ssession(ws):
        results.append(ws.ping())
        results.append(ws.ping(b"mine"))
        try:
            ws.ping(timeout=0.01)
        except TimeoutError:
            results.append("timeout")

    harness = make(accepting(asession if kind == "async" else ssession))
    harness.open(1)
    first = harness.take(link.WsPingFrame, 1)
    assert first.data  # an empty ping gets a payload of its own, told apart from the others
    harness.send(link.encode_ws_pong(1, b"unsolicited"))  # ignored
    harness.send(link.encode_ws_pong(1, first.data))
    second = harness.take(link.WsPingFrame, 1)
    assert second.data == b"mine"
    harness.send(link.encode_ws_pong(1, b"mine"))
    third = harness.take(link.WsPingFrame, 1)
    assert third.data not in (first.data, b"mine")
    harness.until(lambda: len(results) == 3)
    assert isinstance(results[0], float) and results[0] >= 0 and isinstance(results[1], float)
    assert results[2] == "timeout"


def test_a_ping_waiting_ends_with_the_close(make):
    results = []

    async def session(ws):
        try:
            await ws.ping()
        except WebSocketClosed as exc:
            results.append(exc.code)
        try:
            await ws.ping()
        except WebSocketClosed as exc:
            results.append(exc.code)

    harness = make(accepting(session))
    harness.open(1)
    harness.take(link.WsPingFrame, 1)
    harness.close_from_client(1, 1000)
    harness.until(lambda: results == [1000, 1000])


# -- what a front end must not send ----------------------------------------------------------

BAD_STREAM_FRAMES = [
    pytest.param(lambda: link.encode_ws_open(1, ""), id="second-ws-open"),
    pytest.param(lambda: link.encode_ws_message(1, b"\xff\xfe", link.WS_TEXT), id="text-not-utf8"),
    pytest.param(
        lambda: link.encode_ws_message(1, b"a", link.WS_CONTINUES)
        + link.encode_ws_message(1, b"b", link.WS_TEXT),
        id="pieces-text-and-binary",
    ),
    pytest.param(lambda: link.encode_ws_message(1, b"x" * 2049), id="over-max-frame"),
    pytest.param(
        lambda: link.encode_ws_message(1, b"x" * 1000, link.WS_CONTINUES)
        + link.encode_ws_message(1, b"x" * 25),
        id="over-max-message-size",
    ),
    pytest.param(lambda: link.encode_data(1, b"body"), id="data-on-a-session"),
]


@pytest.mark.parametrize("frames", BAD_STREAM_FRAMES)
def test_a_bad_frame_on_a_session_resets_that_stream_only(make, frames):
    seen = []

    async def session(ws):
        try:
            await ws.receive()
        except WebSocketClosed as exc:
            seen.append(exc.code)

    harness = make(accepting(session, max_message_size=1024), max_frame=2048)
    harness.open(1)
    harness.send(frames())
    assert harness.take(link.ResetFrame, 1).code == link.PROTOCOL_ERROR
    harness.until(lambda: seen == [1006])
    harness.request(3)  # the link serves on
    assert harness.take(link.ResponseFrame, 3).status == 200


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(lambda: link.encode_ws_message(1, b"early"), id="message-before-open"),
        pytest.param(lambda: link.encode_ws_pong(1, b"early"), id="pong-before-open"),
    ],
)
def test_session_frames_before_ws_open_are_stream_errors(make, frame):
    harness = make(accepting(idle))
    harness.offer(1)
    harness.take(link.WsAcceptFrame, 1)
    harness.send(frame())
    assert harness.take(link.ResetFrame, 1).code == link.PROTOCOL_ERROR


def test_websocket_frames_on_a_stream_without_an_acceptance_are_stream_errors(make):
    async def app(request):
        await asyncio.get_running_loop().create_future()  # never answers

    harness = make(app)
    harness.request(1, flags=0)  # an ordinary request whose body is still open
    harness.send(link.encode_ws_open(1, ""))
    assert harness.take(link.ResetFrame, 1).code == link.PROTOCOL_ERROR
    harness.request(3, flags=0)
    harness.send(link.encode_ws_message(3, b"x"))
    assert harness.take(link.ResetFrame, 3).code == link.PROTOCOL_ERROR


def test_frames_for_unknown_streams_are_ignored(make):
    harness = make(accepting(idle))
    harness.send(
        link.encode_ws_open(9, ""),
        link.encode_ws_message(9, b"x"),
        link.encode_ws_close(9, 1000),
        link.encode_ws_pong(9, b""),
    )
    assert harness.drain() == []


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(lambda: link.encode_ws_accept(1, 0, 10, "", []), id="ws-accept"),
        pytest.param(lambda: link.encode_ws_ping(1, b"p"), id="ws-ping"),
    ],
)
def test_worker_frames_from_the_front_end_are_link_errors(make, frame):
    harness = make(accepting(idle))
    harness.open(1)
    harness.send(frame())
    goaway = harness.take(link.GoawayFrame)
    assert goaway.code == link.GOAWAY_PROTOCOL_ERROR


# -- the sync session cap (MUST-WS-9) --------------------------------------------------------


def test_sync_sessions_past_the_cap_get_503(make, caplog):
    # MUST-WS-9
    def session(ws):
        for _ in ws:
            pass

    async def asession(ws):
        await idle(ws)

    async def app(request):
        return request.websocket.accept(asession if request.path == "/async" else session)

    harness = make(app, ws_sync_sessions=1)
    harness.open(1)
    with caplog.at_level(logging.WARNING, logger="wsging.worker"):
        harness.offer(3)
        head = harness.take(link.ResponseFrame, 3)
    assert head.status == 503 and (b"retry-after", b"1") in head.headers
    assert "refused with 503: 1 sync sessions run already" in caplog.text
    harness.offer(5, path=b"/async")  # async sessions take no thread: not capped
    harness.take(link.WsAcceptFrame, 5)
    harness.close_from_client(1, 1000)  # the first one ends: its place is free again
    harness.until(lambda: harness.dispatcher.websockets.sync_running == 0)
    harness.offer(7)
    harness.take(link.WsAcceptFrame, 7)


def test_an_accepted_sync_session_that_never_opens_frees_its_place(make):
    def session(ws):
        pass

    harness = make(accepting(session), ws_sync_sessions=1)
    harness.offer(1)
    harness.take(link.WsAcceptFrame, 1)
    assert harness.dispatcher.websockets.sync_running == 1
    harness.close_from_client(1, 1006)
    harness.until(lambda: harness.dispatcher.websockets.sync_running == 0)


@pytest.mark.parametrize(
    "value, expected", [(None, 256), ("", 256), ("3", 3), ("0", 0)]
)
def test_the_cap_is_read_with_the_worker_settings(value, expected):
    env = {"WSGING_LINK": "/tmp/l.sock", "WSGING_APP": "app:app"}
    if value is not None:
        env["WSGING_WS_SYNC_SESSIONS"] = value
    assert WorkerConfig.from_env(env).ws_sync_sessions == expected


@pytest.mark.parametrize("value", ["many", "-1"])
def test_a_bad_cap_is_a_bad_environment(value):
    env = {"WSGING_LINK": "/tmp/l.sock", "WSGING_APP": "app:app", "WSGING_WS_SYNC_SESSIONS": value}
    with pytest.raises(ValueError, match="WSGING_WS_SYNC_SESSIONS"):
        WorkerConfig.from_env(env)
