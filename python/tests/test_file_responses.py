"""FileResponse bodies sent by the front end itself (A.2 FILE_RESPONSE, setting FILE_BODIES).

The worker sends a file reference only to a front end that announced FILE_BODIES, for a path of
the kind it announced, and otherwise streams the file as DATA exactly as before.
"""

import asyncio
import os
import time

import pytest

from wsging import FileResponse, Response
from wsging.testing import TestClient
from wsging.testing.memory_link import MemoryTransport
from wsging.worker import link
from wsging.worker.dispatch import Dispatcher, ThreadPool
from wsging.worker.errors import LinkError
from wsging.worker.session import WorkerSession

CONTENT = b"0123456789" * 1000


class Harness:
    """A worker session in memory, serving `app` (sync or async) on a private loop."""

    def __init__(self, app, is_async):
        self.loop = asyncio.new_event_loop()
        self.decoder = link.FrameDecoder()
        self.out = []
        self.pool = ThreadPool(2)
        dispatcher = Dispatcher(app, is_async=is_async, pool=self.pool, loop=self.loop)
        self.session = WorkerSession(dispatcher, loop=self.loop, worker_id=1, max_streams=4)
        self.transport = MemoryTransport(self.loop, self.session, self.out.append)
        self.session.connection_made(self.transport)
        self.received = []
        assert isinstance(self.collect()[0], link.HelloFrame)

    def collect(self):
        self.loop.run_until_complete(asyncio.sleep(0.001))
        data, self.out[:] = b"".join(self.out), []
        return self.decoder.feed(data)

    def exchange(self, hello_settings, method=b"GET"):
        """Frames the worker sends for one request after a HELLO with `hello_settings`, up to
        the one that completes the stream."""
        request = link.RequestFrame(
            1, link.END_STREAM, "1.1", b"http", method, b"/", b"", b"", 0, b"", 0, -1, 0, []
        )

        async def feed():
            self.session.data_received(
                link.encode_hello(hello_settings) + link.encode_request(request)
            )

        self.loop.run_until_complete(feed())
        frames = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for frame in self.collect():
                frames.append(frame)
                if isinstance(frame, link.DataFrame) and frame.data and not (
                    frame.flags & link.END_STREAM
                ):
                    self.session.data_received(link.encode_window(1, len(frame.data)))
                if _ends_stream(frame):
                    return frames
        raise AssertionError(f"the response did not end: {frames}")

    def close(self):
        self.pool.shutdown()
        self.loop.close()


def _ends_stream(frame):
    if isinstance(frame, (link.FileResponseFrame, link.TrailersFrame, link.ResetFrame)):
        return True
    return isinstance(frame, (link.ResponseFrame, link.DataFrame)) and bool(
        frame.flags & link.END_STREAM
    )


def serve(path, *, is_async, settings, method=b"GET", make=FileResponse):
    """The frames for one request answered by `make(path)`, and the response object."""
    made = []

    def respond():
        response = make(path)
        made.append(response)
        return response

    if is_async:

        async def app(request):
            return respond()

    else:

        def app(request):
            return respond()

    harness = Harness(app, is_async)
    try:
        frames = harness.exchange(settings, method)
        assert harness.session.open_streams == 0
        return frames, made[0]
    finally:
        harness.close()


def body_of(frames):
    assert isinstance(frames[0], link.ResponseFrame), frames
    return b"".join(f.data for f in frames[1:] if isinstance(f, link.DataFrame))


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(CONTENT)
    return path


ANNOUNCED = ((link.SETTING_FILE_BODIES, link.FILE_BODIES_UTF8),)
APP_KINDS = [pytest.param(True, id="async"), pytest.param(False, id="sync")]


# -- codec ---------------------------------------------------------------------------------


def test_file_response_round_trip():
    frame = link.FileResponseFrame(
        3, 200, [(b"content-length", b"9")], b"/srv/x", 2**40, 9, 2**64 - 1, 2**63
    )
    data = link.encode(frame)
    assert data[4] == link.FILE_RESPONSE == 0x0A
    assert link.FrameDecoder().feed(data) == [frame]


@pytest.mark.parametrize(
    "path, offset",
    [pytest.param(b"/" + b"p" * 65535, 0, id="path-too-long"), pytest.param(b"/p", 2**64, id="offset")],
)
def test_file_response_that_cannot_be_encoded_is_a_local_error(path, offset):
    with pytest.raises(LinkError) as info:
        link.encode_file_response(1, 200, [], path, offset, 1, 1, 1)
    assert info.value.side == "local"


@pytest.mark.parametrize("status", [199, 600])
def test_file_response_status_outside_200_599_is_a_link_error(status):
    data = link.encode_file_response(1, status, [], b"/p", 0, 1, 1, 1)
    with pytest.raises(LinkError):
        link.FrameDecoder().feed(data)


def test_file_response_on_stream_0_is_a_link_error():
    data = link.encode_file_response(0, 200, [], b"/p", 0, 1, 1, 1)
    with pytest.raises(LinkError):
        link.FrameDecoder().feed(data)


# -- FileResponse records the file ---------------------------------------------------------


def test_records_the_absolute_path_and_identity_of_what_it_opened(data_file, monkeypatch):
    monkeypatch.chdir(data_file.parent)
    response = FileResponse(data_file.name)
    try:
        info = os.stat(data_file)
        assert response._file == (os.fsencode(data_file), 0, len(CONTENT), info.st_dev, info.st_ino)
        assert response.file_path == str(data_file)
        assert (response.file_offset, response.file_length) == (0, len(CONTENT))
    finally:
        response.body.close()


def test_relative_path_is_not_normalised_past_a_symlink(tmp_path, monkeypatch):
    # link/../target.txt opens real/target.txt (the kernel follows the link, then ".."):
    # os.path.abspath would turn it into ./target.txt, another file or none.
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "target.txt").write_bytes(b"the right one")
    (tmp_path / "target.txt").write_bytes(b"the wrong one")
    os.symlink(tmp_path / "real" / "sub", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    response = FileResponse("link/../target.txt")
    try:
        path = response._file[0]
        assert os.path.isabs(path)
        with open(path, "rb") as again:
            assert again.read() == b"the right one"
        assert os.stat(path).st_ino == response._file[4]
    finally:
        response.body.close()


# -- the worker chooses FILE_RESPONSE only when it may ---------------------------------------


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_announced_file_bodies_get_one_file_response_and_the_file_is_closed(data_file, is_async):
    frames, response = serve(data_file, is_async=is_async, settings=ANNOUNCED)
    info = os.stat(data_file)
    assert frames == [
        link.FileResponseFrame(
            1,
            200,
            [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(CONTENT))],
            os.fsencode(data_file),
            0,
            len(CONTENT),
            info.st_dev,
            info.st_ino,
        )
    ]
    assert response.body.closed


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_without_the_setting_the_file_goes_as_data(data_file, is_async):
    frames, response = serve(data_file, is_async=is_async, settings=())
    assert body_of(frames) == CONTENT
    assert frames[0].status == 200
    assert response.body.closed


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_file_bodies_0_means_not_announced(data_file, is_async):
    frames, _ = serve(data_file, is_async=is_async, settings=((link.SETTING_FILE_BODIES, 0),))
    assert body_of(frames) == CONTENT


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_head_gets_a_bodiless_response_not_a_file(data_file, is_async):
    frames, response = serve(data_file, is_async=is_async, settings=ANNOUNCED, method=b"HEAD")
    assert [type(f) for f in frames] == [link.ResponseFrame]
    assert frames[0].flags & link.END_STREAM
    assert (b"content-length", b"%d" % len(CONTENT)) in frames[0].headers
    assert response.body.closed


@pytest.mark.parametrize("status", [204, 304])
def test_204_and_304_get_a_bodiless_response_not_a_file(data_file, status):
    frames, response = serve(
        data_file, is_async=True, settings=ANNOUNCED, make=lambda p: FileResponse(p, status)
    )
    assert [type(f) for f in frames] == [link.ResponseFrame]
    assert frames[0].status == status and frames[0].flags & link.END_STREAM
    assert response.body.closed


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_a_plain_response_with_a_file_object_goes_as_data(data_file, is_async):
    frames, response = serve(
        data_file, is_async=is_async, settings=ANNOUNCED, make=lambda p: Response(open(p, "rb"))
    )
    assert body_of(frames) == CONTENT
    assert response.body.closed


@pytest.mark.parametrize(
    "name, level, as_file",
    [
        pytest.param("plain.txt", link.FILE_BODIES_ASCII, True, id="ascii-path-ascii-level"),
        pytest.param("café.txt", link.FILE_BODIES_ASCII, False, id="utf8-path-ascii-level"),
        pytest.param("café.txt", link.FILE_BODIES_UTF8, True, id="utf8-path-utf8-level"),
        pytest.param(os.fsdecode(b"\xff.txt"), link.FILE_BODIES_UTF8, False, id="non-utf8-path"),
        pytest.param("café.txt", 9, True, id="unknown-level-counts-as-utf8"),
    ],
)
def test_the_path_must_be_of_the_kind_announced(tmp_path, name, level, as_file):
    path = tmp_path / name
    path.write_bytes(CONTENT)
    frames, _ = serve(path, is_async=False, settings=((link.SETTING_FILE_BODIES, level),))
    if as_file:
        assert [type(f) for f in frames] == [link.FileResponseFrame]
        assert frames[0].path == os.fsencode(path)
    else:
        assert body_of(frames) == CONTENT


def test_a_head_the_link_cannot_carry_is_a_500_and_the_file_is_closed(data_file):
    def make(path):
        response = FileResponse(path)
        response.headers.raw.append((b"x-long", b"v" * 70000))  # past the checks: too long for str16
        return response

    frames, response = serve(data_file, is_async=True, settings=ANNOUNCED, make=make)
    assert frames[0].status == 500
    assert response.body.closed


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_the_test_client_does_not_announce_file_bodies(data_file, is_async):
    if is_async:

        async def app(request):
            return FileResponse(data_file)

    else:

        def app(request):
            return FileResponse(data_file)

    with TestClient(app) as client:
        response = client.get("/")
    assert response.body == CONTENT


def test_a_path_that_cannot_be_made_absolute_goes_as_data(data_file, monkeypatch):
    monkeypatch.chdir(data_file.parent)

    def no_working_directory():
        raise FileNotFoundError("the working directory was removed")

    monkeypatch.setattr(os, "getcwdb", no_working_directory)
    frames, response = serve(data_file.name, is_async=True, settings=ANNOUNCED)
    assert response._file is None
    assert body_of(frames) == CONTENT
