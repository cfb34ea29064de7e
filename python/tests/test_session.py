"""Link-level rules of the worker session (spec A.3, A.7), driven byte by byte in memory."""

import asyncio

import pytest

from wsging import Response
from wsging.testing.memory_link import MemoryTransport
from wsging.worker import link
from wsging.worker.dispatch import Dispatcher, ThreadPool
from wsging.worker.session import LINK_MOVES, WorkerSession


class Harness:
    """A session on a private loop; run() feeds bytes and returns the frames written back."""

    def __init__(self, app=None, shared_bodies=True, is_async=True):
        self.loop = asyncio.new_event_loop()
        self.decoder = link.FrameDecoder()
        self.out = []
        pool = ThreadPool(2)

        async def default_app(request):
            return Response(b"ok")

        dispatcher = Dispatcher(app or default_app, is_async=is_async, pool=pool, loop=self.loop)
        self.session = WorkerSession(
            dispatcher, loop=self.loop, worker_id=1, max_streams=4, shared_bodies=shared_bodies
        )
        self.transport = MemoryTransport(self.loop, self.session, self.out.append)
        self.session.connection_made(self.transport)
        self.hello = self.frames()[0]

    def frames(self):
        self.loop.run_until_complete(asyncio.sleep(0))
        for _ in range(5):  # let tasks and flushes run
            self.loop.run_until_complete(asyncio.sleep(0))
        data, self.out[:] = b"".join(self.out), []
        return self.decoder.feed(data)

    def run(self, *chunks):
        async def feed():  # a real transport calls data_received from the running loop
            for chunk in chunks:
                self.session.data_received(chunk)

        self.loop.run_until_complete(feed())
        return self.frames()

    def close(self):
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        if tasks:
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()


@pytest.fixture
def harness():
    h = Harness()
    yield h
    h.close()


SERVER_HELLO = link.encode_hello(((link.SETTING_INITIAL_WINDOW, 65536),))
GET = link.encode_request(
    link.RequestFrame(1, link.END_STREAM, "1.1", b"http", b"GET", b"/", b"", b"", 0, b"", 0, -1, 0,
                      [])
)


def test_hello_is_sent_first(harness):
    assert isinstance(harness.hello, link.HelloFrame)
    settings = dict(harness.hello.settings)
    assert settings[link.SETTING_WORKER_ID] == 1 and settings[link.SETTING_MAX_STREAMS] == 4


def test_table_requires_hello_first():
    assert ("awaiting HELLO", link.REQUEST) not in LINK_MOVES
    assert ("open", link.HELLO) not in LINK_MOVES


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(GET, id="request-before-hello"),
        pytest.param(link.encode_ping(b"12345678"), id="ping-before-hello"),
        pytest.param(SERVER_HELLO + SERVER_HELLO, id="hello-twice"),
        pytest.param(link.encode_hello((), version=2), id="wrong-version"),
        pytest.param(SERVER_HELLO + GET + GET, id="request-for-open-stream"),
        pytest.param(SERVER_HELLO + link.encode_response(1, 200, []), id="response-from-front-end"),
        pytest.param(SERVER_HELLO + bytes.fromhex("0000000407000000000100000000"), id="window-zero"),
    ],
)
def test_link_errors_send_goaway_and_close(harness, data):
    async def app(request):
        await asyncio.sleep(3600)  # keep stream 1 open

    h = Harness(app)
    try:
        frames = h.run(data)
        assert frames[-1].__class__ is link.GoawayFrame
        assert frames[-1].code == link.GOAWAY_PROTOCOL_ERROR
        assert h.transport.is_closing()
        h.loop.run_until_complete(asyncio.sleep(0))
        assert h.session.closed.done() and h.session.closed.result() is False
    finally:
        h.close()


def test_unknown_frames_and_settings_are_ignored(harness):
    unknown = link.frame_header(2, 0x42, 0, 1) + b"??"
    hello = link.encode_hello(((99, 5), (link.SETTING_MAX_FRAME, 10)))
    frames = harness.run(hello, unknown, GET)
    assert [type(f) for f in frames] == [link.ResponseFrame, link.DataFrame]
    assert harness.session.peer_max_frame == 10


def test_response_body_split_to_peer_max_frame(harness):
    hello = link.encode_hello(((link.SETTING_MAX_FRAME, 1),))
    frames = harness.run(hello, GET)
    assert [f.data for f in frames[1:]] == [b"o", b"k"]
    assert frames[-1].flags & link.END_STREAM


def test_ping_ack_and_late_frames_ignored(harness):
    late = link.encode_data(77, b"late") + link.encode_window(77, 5) + link.encode_reset(77, 1)
    frames = harness.run(SERVER_HELLO, late, link.encode_ping(b"abcdefgh"))
    assert frames == [link.PingFrame(b"abcdefgh", link.ACK)]


def test_ping_ack_from_the_peer_is_not_answered(harness):
    assert harness.run(SERVER_HELLO, link.encode_ping(b"abcdefgh", link.ACK)) == []


def test_goaway_refuses_new_streams_and_close_is_graceful(harness):
    frames = harness.run(SERVER_HELLO, link.encode_goaway(0), GET)
    assert frames == [link.ResetFrame(1, link.REFUSED)]
    harness.transport.close()
    harness.loop.run_until_complete(asyncio.sleep(0))
    assert harness.session.closed.result() is True


def test_one_transport_write_per_loop_turn(harness):
    writes = []
    harness.transport._deliver = writes.append
    harness.run(SERVER_HELLO, link.encode_ping(b"11111111") + link.encode_ping(b"22222222"))
    assert len(writes) == 1


def test_body_in_the_same_read_is_complete_when_the_app_starts():
    seen = []

    async def app(request):
        # Before any await: the body sent with the REQUEST frame must already be buffered.
        exchange = h.session._streams[1 if request.path == "/a" else 2]
        seen.append((request.path, list(exchange._chunks), exchange._body_ended))
        return Response(await request.body.aread())

    h = Harness(app)
    try:
        post = link.encode_request(
            link.RequestFrame(1, 0, "1.1", b"http", b"POST", b"/a", b"", b"", 0, b"", 0, 5, 0, [])
        )
        get2 = GET.replace(b"\x00\x00\x00\x01", b"\x00\x00\x00\x02", 1)
        frames = h.run(SERVER_HELLO + post + link.encode_data(1, b"hello", link.END_STREAM) + get2)
        assert seen[0] == ("/a", [b"hello"], True)
        assert len(seen) == 2  # the later request still started, after the first
        data = [f for f in frames if isinstance(f, link.DataFrame) and f.stream == 1]
        assert b"".join(f.data for f in data) == b"hello"
    finally:
        h.close()
