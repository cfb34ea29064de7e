"""The optional C accelerator of the link codec (_link_accel.c) against the codec in Python: on
valid, truncated, corrupted and unusual inputs both give the same frames or the same error."""

import json
import os
import platform
import random
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from wsging.worker import link
from wsging.worker.errors import LinkError

SRC = Path(__file__).resolve().parents[1] / "src"
VECTORS = json.loads((SRC.parents[1] / "spec" / "link-vectors.json").read_text("utf-8"))
CPYTHON = platform.python_implementation() == "CPython"

if link.ACCELERATED:
    c_split = link._accelerator.split_frames
    c_encode = link._accelerator.encode_whole_response


def test_the_accelerator_is_built_for_the_interpreter_running_the_tests_in_ci():
    if os.environ.get("CI") != "true" or not CPYTHON:
        pytest.skip("checked where CI runs the tests on CPython (scripts/test builds it)")
    assert link.ACCELERATED, (
        "wsging/worker/_link_accel was not built for this interpreter: "
        "scripts/lib/env.sh wsging_build_accelerator failed (see the scripts/test output), "
        "or WSGING_PURE_PYTHON is set"
    )


def test_pure_python_is_chosen_by_the_environment():
    env = dict(os.environ, WSGING_PURE_PYTHON="1", PYTHONPATH=str(SRC))
    code = "from wsging.worker import link; print(link.ACCELERATED, link.split_frames.__module__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "wsging.worker.link"]


needs_c = pytest.mark.skipif(not link.ACCELERATED, reason="the accelerator is not built here")


def outcome(split, data):
    """What splitting `data` gives: the frames with every field's type, or the error."""
    try:
        frames, used = split(data)
    except LinkError as exc:
        return ("error", str(exc), exc.code, exc.side)
    return ("ok", used, [(type(f), tuple((type(x), x) for x in f)) for f in frames])


def same_outcome(data):
    expected = outcome(link._py_split_frames, data)
    assert outcome(c_split, data) == expected
    assert outcome(c_split, bytearray(data)) == expected
    return expected


def request(rng, stream=1, flags=link.END_STREAM):
    def text(limit):
        return bytes(rng.randrange(1, 256) for _ in range(rng.randrange(limit)))

    headers = [(text(20).replace(b"\0", b"a"), text(40).replace(b"\0", b"b")) for _ in range(rng.randrange(6))]
    return link.RequestFrame(
        stream, flags, rng.choice(["1.0", "1.1", "2", "3"]), text(8), text(10), text(300), text(50),
        text(40), rng.randrange(65536), text(40), rng.randrange(65536),
        rng.choice([-1, 0, 5, 2**40, 2**63 - 1]), rng.randrange(2**32), headers,
    )


@needs_c
@pytest.mark.parametrize("vector", VECTORS["valid"] + VECTORS["invalid"], ids=lambda v: v["name"])
def test_shared_vectors_split_alike(vector):
    same_outcome(bytes.fromhex(vector["hex"]))


@needs_c
def test_random_requests_and_data_in_one_read_split_alike():
    rng = random.Random(7)
    data = b"".join(
        link.encode(request(rng, stream)) + link.encode_data(stream, os.urandom(rng.randrange(100)), 1)
        for stream in range(1, 200, 2)
    )
    kind, used, frames = same_outcome(data)
    assert kind == "ok" and used == len(data) and len(frames) == 200
    for cut in range(0, len(data), 997):  # a read that ends inside a frame keeps the rest
        same_outcome(data[:cut])


@needs_c
def test_every_truncation_and_every_corrupted_byte_of_a_request_splits_alike():
    frame = link.encode(request(random.Random(3)))
    payload = frame[link.HEADER_SIZE :]
    for size in range(len(payload) + 3):
        body = (payload + b"xyz")[:size]
        same_outcome(link.frame_header(size, link.REQUEST, link.END_STREAM, 1) + body)
    for at in range(len(payload)):
        for value in (0, 1, 0x7F, 0xFF, payload[at] ^ 0x10):
            corrupted = payload[:at] + bytes([value]) + payload[at + 1 :]
            same_outcome(frame[: link.HEADER_SIZE] + corrupted)


@needs_c
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(link.frame_header(3, link.DATA, 0, 0) + b"abc", id="data-on-stream-0"),
        pytest.param(link.frame_header(0, link.DATA, 1, 9), id="empty-data"),
        pytest.param(link.frame_header(31, link.REQUEST, 1, 0) + bytes(31), id="request-on-stream-0"),
        pytest.param(link.frame_header(link.MAX_LENGTH + 1, link.DATA, 0, 1), id="length-over-max"),
        pytest.param(link.frame_header(3, 0x7F, 0, 5) + b"xyz" + link.encode_ping(b"12345678"), id="unknown"),
        pytest.param(
            link.encode(link.RequestFrame(1, link.WEBSOCKET, "1.1", b"http", b"GET", b"/", b"", b"", 0, b"",
                                          0, -1, 0, [])),
            id="websocket-without-end-stream",
        ),
        pytest.param(
            link.encode(link.RequestFrame(1, 1, "1.1", b"http", b"GET", b"/", b"", b"", 0, b"", 0, -1, 0,
                                          [(b"", b""), (b"a", b"")])),
            id="empty-names-and-values",
        ),
    ],
)
def test_edge_frames_split_alike(data):
    same_outcome(data)


@needs_c
@pytest.mark.parametrize(
    "block",
    [b"a\0b", b"a\0b\0c\0", b"a\0b\0\0", b"\0", b"a\0\0\0", b""],
    ids=["no-last-nul", "odd-parts", "extra-nul", "one-nul", "three-nuls", "empty-with-count"],
)
def test_malformed_header_blocks_split_alike(block):
    good = link.encode(link.RequestFrame(1, 1, "1.1", b"http", b"GET", b"/", b"", b"", 0, b"", 0, -1, 0,
                                         [(b"a", b"b")]))
    payload = good[link.HEADER_SIZE :]
    fixed = bytearray(payload[: len(payload) - 4])  # the header block is the last 4 bytes
    struct.pack_into(">I", fixed, 27, len(block))  # the block's length in the fixed part
    payload = bytes(fixed) + block
    kind = same_outcome(link.frame_header(len(payload), link.REQUEST, 1, 1) + payload)[0]
    assert kind == "error"


def encoded(encode, *args):
    try:
        return ("ok", encode(*args))
    except LinkError as exc:
        return ("link error", str(exc), exc.side)
    except (struct.error, TypeError) as exc:
        return ("error", type(exc))


@needs_c
@pytest.mark.parametrize(
    "args",
    [
        pytest.param((1, 200, [], b""), id="no-headers-no-body"),
        pytest.param((2**32 - 1, 599, [(b"a", b"b")] * 3, b"x"), id="largest-stream"),
        pytest.param((5, 200, ((b"k", b"v"),), b"body"), id="tuple-of-headers"),
        pytest.param((5, 200, [(b"k", b"v" * 65535)], b"x" * 70000), id="longest-value-large-body"),
        pytest.param((5, 200, [(b"k", b"v" * 65536)], b""), id="value-too-long"),
        pytest.param((5, 200, [(b"k" * 65536, b"v")], b""), id="name-too-long"),
        pytest.param((5, 200, [(bytearray(b"k"), b"v")], b""), id="bytearray-name"),
        pytest.param((5, 200, [[b"k", b"v"]], b""), id="list-pair"),
        pytest.param((5, 200, [(b"k", b"v")], bytearray(b"body")), id="bytearray-body"),
        pytest.param((5, 65536, [], b""), id="status-too-large"),
        pytest.param((-1, 200, [], b""), id="negative-stream"),
        pytest.param((2**32, 200, [], b""), id="stream-too-large"),
        pytest.param((5, 200, [(b"k", b"v")] * 65536, b""), id="too-many-headers"),
        pytest.param((5, 200, [(b"k", "v")], b""), id="str-value"),
    ],
)
def test_whole_responses_encode_alike(args):
    assert encoded(c_encode, *args) == encoded(link._py_encode_whole_response, *args)


@needs_c
def test_random_whole_responses_encode_alike():
    rng = random.Random(11)
    for _ in range(300):
        headers = [(os.urandom(rng.randrange(30)), os.urandom(rng.randrange(90))) for _ in range(rng.randrange(8))]
        args = (rng.randrange(1, 2**31), rng.randrange(100, 600), headers, os.urandom(rng.choice([0, 1, 13, 5000])))
        assert c_encode(*args) == link._py_encode_whole_response(*args)


@needs_c
def test_no_memory_is_kept_by_the_accelerator_on_success_or_error():
    rng = random.Random(5)
    good = b"".join(link.encode(request(rng, s)) + link.encode_data(s, b"xy", 1) for s in range(1, 40, 2))
    bad = link.frame_header(40, link.REQUEST, 1, 1) + bytes([0x11]) + bytes(39)
    too_long = [(b"k", b"v" * 65536)]

    def work():
        failures = 0
        for _ in range(300):
            c_split(good)
            c_encode(3, 200, [(b"a", b"b")], b"body")
            for call, args in ((c_split, (bad,)), (c_encode, (3, 200, too_long, b""))):
                try:
                    call(*args)
                except LinkError:
                    failures += 1
        assert failures == 600

    work()  # warm caches and the interning of the error messages' parts
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            work()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Five rounds of 300 splits of 40 frames each: a leaked frame per split would be 1.5 MB.
    assert grown < 64 * 1024



@needs_c
def test_the_module_unconfigured_refuses_instead_of_crashing():
    # Only link.py configures it: imported alone, before link.py, it says so.
    code = (
        "import sys\n"
        "import wsging.worker._link_accel as accel\n"
        "assert 'wsging.worker.link' not in sys.modules, 'link.py came first'\n"
        "for call in (lambda: accel.split_frames(b''), lambda: accel.encode_whole_response(1, 200, [], b'')):\n"
        "    try:\n"
        "        call()\n"
        "    except RuntimeError as exc:\n"
        "        print(exc)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["_link_accel is used through wsging.worker.link, which configures it"] * 2
