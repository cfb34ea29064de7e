"""Shared body memory (spec A.2): the worker maps the front end's file, reads request bodies
from the front end's slots, writes response bodies into its own, and gives every slot back."""

import asyncio
import mmap

import pytest

from wsging import Response
from wsging.worker import link
from wsging.worker.body_memory import SHARED_MIN, BodyMemory

from test_session import GET, SERVER_HELLO, Harness

SLOT = 16 * 1024
SLOTS = 4


@pytest.fixture
def harness():
    """Makes session harnesses (Harness(app, shared_bodies)) and closes them after the test."""
    made = []

    def make(app=None, shared_bodies=True):
        made.append(Harness(app, shared_bodies=shared_bodies))
        return made[-1]

    yield make
    for h in made:
        h.close()


@pytest.fixture
def shm_file(tmp_path):
    path = tmp_path / "bodies"
    path.write_bytes(bytes(2 * SLOT * SLOTS))
    return path


def body_memory_frame(path, slot_size=SLOT, slot_count=SLOTS):
    return link.encode_body_memory(slot_size, slot_count, str(path).encode())


def front_end_slot(path, slot, data):
    """Writes `data` into front end slot `slot`, as the front end does before SHARED_DATA."""
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        m[slot * SLOT : slot * SLOT + len(data)] = data


def worker_slot(path, slot, length):
    with open(path, "rb") as f:
        f.seek((SLOTS + slot) * SLOT)
        return f.read(length)


def post(stream, size):
    return link.encode_request(
        link.RequestFrame(stream, 0, "1.1", b"http", b"POST", b"/", b"", b"", 0, b"", 0, size, 0, [])
    )


async def echo(request):
    return Response(await request.body.aread())


def set_up(h, path):
    frames = h.run(SERVER_HELLO, body_memory_frame(path))
    assert frames == [link.BodyMemoryFrame(0, 0, b"", link.ACK)]


def test_hello_announces_shared_bodies_unless_turned_off(harness):
    h = harness()
    assert dict(h.hello.settings)[link.SETTING_SHARED_BODIES] == 1
    h = harness(shared_bodies=False)
    assert link.SETTING_SHARED_BODIES not in dict(h.hello.settings)


def test_body_memory_is_mapped_and_acknowledged(harness, shm_file):
    h = harness(echo)
    set_up(h, shm_file)
    assert h.session.body_memory is not None
    assert h.session.body_memory.free_slots == SLOTS


def test_a_file_that_cannot_be_mapped_is_declined_without_ack(harness, tmp_path, caplog):
    h = harness(echo)
    frames = h.run(SERVER_HELLO, body_memory_frame(tmp_path / "missing"))
    assert frames == []
    assert h.session.body_memory is None
    assert "not mapped" in caplog.text
    # Bodies still arrive as DATA.
    frames = h.run(post(1, 3), link.encode_data(1, b"abc", link.END_STREAM))
    assert [f.data for f in frames if isinstance(f, link.DataFrame)] == [b"abc"]


def test_a_file_shorter_than_its_slots_is_declined(harness, tmp_path):
    path = tmp_path / "short"
    path.write_bytes(bytes(SLOT))
    h = harness(echo)
    assert h.run(SERVER_HELLO, body_memory_frame(path)) == []
    assert h.session.body_memory is None


def test_request_body_from_a_slot_reaches_the_app_and_the_slot_is_released(harness, shm_file):
    h = harness(echo)
    set_up(h, shm_file)
    body = bytes(range(256)) * 40  # 10 KiB
    front_end_slot(shm_file, 2, body)
    frames = h.run(post(1, len(body)), link.encode_shared_data(1, 2, len(body), link.END_STREAM))
    assert link.ReleaseFrame((2,)) in frames
    echoed = [f for f in frames if isinstance(f, link.SharedDataFrame)]
    assert len(echoed) == 1 and echoed[0].length == len(body)
    assert worker_slot(shm_file, echoed[0].slot, len(body)) == body
    # The slot was given back, so the front end may lend it again.
    front_end_slot(shm_file, 2, b"x" * SHARED_MIN)
    frames = h.run(post(3, SHARED_MIN), link.encode_shared_data(3, 2, SHARED_MIN, link.END_STREAM))
    assert link.ReleaseFrame((2,)) in frames


def test_shared_data_for_an_unknown_stream_is_released_too(harness, shm_file):
    h = harness(echo)
    set_up(h, shm_file)
    assert h.run(link.encode_shared_data(77, 1, 10)) == [link.ReleaseFrame((1,))]


def test_response_bodies_use_free_slots_then_data(harness, shm_file):
    big = b"B" * SLOT

    async def app(request):
        return Response(big)

    h = harness(app)
    set_up(h, shm_file)
    responses = b"".join(
        link.encode_request(
            link.RequestFrame(s, link.END_STREAM, "1.1", b"http", b"GET", b"/", b"", b"", 0,
                              b"", 0, -1, 0, [])
        )
        for s in (1, 3, 5, 7)
    )
    frames = h.run(responses)
    shared = [f for f in frames if isinstance(f, link.SharedDataFrame)]
    data = [f for f in frames if isinstance(f, link.DataFrame)]
    assert len(shared) == 4 and not data  # four slots, four responses
    assert sorted(f.slot for f in shared) == [0, 1, 2, 3]
    assert all(worker_slot(shm_file, f.slot, f.length) == big for f in shared)
    assert all(f.flags & link.END_STREAM for f in shared)
    # Every slot is lent: the next response goes as DATA; after a RELEASE, a slot again.
    frames = h.run(link.encode_request(
        link.RequestFrame(9, link.END_STREAM, "1.1", b"http", b"GET", b"/", b"", b"", 0, b"",
                          0, -1, 0, [])))
    assert [f.data for f in frames if isinstance(f, link.DataFrame)] == [big]
    frames = h.run(link.encode_release([2]), link.encode_request(
        link.RequestFrame(11, link.END_STREAM, "1.1", b"http", b"GET", b"/", b"", b"", 0, b"",
                          0, -1, 0, [])))
    assert [(f.stream, f.slot) for f in frames if isinstance(f, link.SharedDataFrame)] == [(11, 2)]


def test_small_response_bodies_stay_in_data(harness, shm_file):
    h = harness()  # answers b"ok"
    set_up(h, shm_file)
    frames = h.run(GET)
    assert [type(f) for f in frames] == [link.ResponseFrame, link.DataFrame]


def test_streamed_response_pieces_use_slots(harness, shm_file):
    async def chunks():
        yield b"a" * SHARED_MIN
        yield b"b" * 100
        yield b"c" * SLOT

    async def app(request):
        return Response(chunks())

    h = harness(app)
    set_up(h, shm_file)
    frames = h.run(GET)
    kinds = [(type(f).__name__, getattr(f, "length", None) or len(getattr(f, "data", b"")))
             for f in frames if not isinstance(f, link.ResponseFrame)]
    assert ("SharedDataFrame", SHARED_MIN) in kinds and ("DataFrame", 100) in kinds
    assert ("SharedDataFrame", SLOT) in kinds


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param(lambda p: [link.encode_shared_data(1, 0, 10)], id="shared-data-before-body-memory"),
        pytest.param(lambda p: [link.encode_release([0])], id="release-before-body-memory"),
        pytest.param(lambda p: [body_memory_frame(p), link.encode_shared_data(1, SLOTS, 10)],
                     id="slot-out-of-range"),
        pytest.param(lambda p: [body_memory_frame(p), link.encode_shared_data(1, 0, SLOT + 1)],
                     id="length-above-slot-size"),
        pytest.param(lambda p: [body_memory_frame(p),
                                link.encode_shared_data(1, 0, 10) + link.encode_shared_data(1, 0, 10)],
                     id="slot-lent-twice"),
        pytest.param(lambda p: [body_memory_frame(p), link.encode_release([1])],
                     id="release-of-a-slot-not-lent"),
        pytest.param(lambda p: [body_memory_frame(p), link.encode_release([SLOTS + 3])],
                     id="release-out-of-range"),
        pytest.param(lambda p: [link.encode_body_memory(0, 0, b"", link.ACK)], id="ack-from-front-end"),
        pytest.param(lambda p: [body_memory_frame(p), body_memory_frame(p)], id="body-memory-twice"),
    ],
)
def test_link_errors(harness, shm_file, frames):
    async def app(request):
        await asyncio.sleep(3600)

    h = harness(app)
    written = h.run(SERVER_HELLO, GET, *frames(shm_file))
    assert isinstance(written[-1], link.GoawayFrame)
    assert written[-1].code == link.GOAWAY_PROTOCOL_ERROR
    assert h.transport.is_closing()


def test_body_memory_without_the_setting_is_a_link_error(harness, shm_file):
    h = harness(shared_bodies=False)
    written = h.run(SERVER_HELLO, body_memory_frame(shm_file))
    assert isinstance(written[-1], link.GoawayFrame)


def test_put_refuses_data_larger_than_a_slot(shm_file):
    memory = BodyMemory(str(shm_file).encode(), SLOT, SLOTS)
    try:
        assert memory.put(b"x" * (SLOT + 1)) == -1
        assert memory.free_slots == SLOTS
    finally:
        memory.close()


def test_a_slot_without_room_sends_data_instead_of_faulting_later(shm_file, monkeypatch):
    # A full /dev/shm: reserving a slot's pages fails with ENOSPC, which must mean "use DATA"
    # (-1), not a store into an unallocated page (SIGBUS, the worker's death).
    import errno
    import os

    calls = []

    def no_room(fd, offset, length):
        calls.append((offset, length))
        raise OSError(errno.ENOSPC, "No space left on device")

    memory = BodyMemory(str(shm_file).encode(), SLOT, SLOTS)
    try:
        monkeypatch.setattr(os, "posix_fallocate", no_room)
        assert memory.put(b"x" * SHARED_MIN) == -1
        assert memory.free_slots == SLOTS, "the slot stays free"
        assert calls == [(SLOTS * SLOT + 0 * SLOT, SLOT)], "the worker's own half, one whole slot"
        assert memory.put(b"x" * SHARED_MIN) == -1
        assert len(calls) == 1, "no second system call while the shortage is recent"
        monkeypatch.undo()
        memory._no_room_until = 0.0  # the back-off has passed
        slot = memory.put(b"y" * SHARED_MIN)
        assert slot == 0
        memory.give_back([slot])
        monkeypatch.setattr(os, "posix_fallocate", no_room)
        assert memory.put(b"z" * SHARED_MIN) == 0, "a reserved slot needs no new reservation"
        assert len(calls) == 1
    finally:
        memory.close()
