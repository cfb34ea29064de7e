"""FileResponse bodies sent by the front end itself (A.2 FILE_RESPONSE, setting FILE_BODIES),
slices of files, and `file_response`'s Range and conditional requests.

The worker sends a file reference only to a front end that announced FILE_BODIES, for a path of
the kind it announced, and otherwise streams the file as DATA exactly as before; either way a
slice is exactly its bytes.
"""

import asyncio
import io
import os
import time
from email.utils import formatdate
from wsgiref.util import FileWrapper as WsgirefFileWrapper
from wsgiref.util import setup_testing_defaults

import pytest

from wsging import FileResponse, InvalidHeader, Request, Response, file_response
from wsging.api.files import Selection, parse_entity_tags, parse_range, select
from wsging.testing import TestClient
from wsging.testing.memory_link import MemoryTransport
from wsging.worker import link
from wsging.worker.dispatch import Dispatcher, ThreadPool
from wsging.worker.errors import LinkError
from wsging.worker.session import WorkerSession
from wsging.wsgi import from_wsgi, to_wsgi

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


# -- offset and length ------------------------------------------------------------------------


SLICES = [
    pytest.param(0, 100, id="head"),
    pytest.param(1234, 5678, id="middle"),
    pytest.param(len(CONTENT) - 7, None, id="to-the-end"),
    pytest.param(len(CONTENT), 0, id="empty-at-the-end"),
]


@pytest.mark.parametrize("offset, length", SLICES)
@pytest.mark.parametrize("is_async", APP_KINDS)
def test_a_slice_goes_as_one_file_response_naming_it(data_file, is_async, offset, length):
    make = lambda p: FileResponse(p, offset=offset, length=length)  # noqa: E731
    frames, response = serve(data_file, is_async=is_async, settings=ANNOUNCED, make=make)
    size = len(CONTENT) - offset if length is None else length
    info = os.stat(data_file)
    assert frames == [
        link.FileResponseFrame(
            1,
            200,
            [(b"content-type", b"text/plain"), (b"content-length", b"%d" % size)],
            os.fsencode(data_file),
            offset,
            size,
            info.st_dev,
            info.st_ino,
        )
    ]
    assert (response.file_path, response.file_offset, response.file_length) == (str(data_file), offset, size)
    assert response.body.closed


@pytest.mark.parametrize("offset, length", SLICES)
@pytest.mark.parametrize("is_async", APP_KINDS)
def test_a_slice_sent_as_data_is_exactly_its_bytes(data_file, is_async, offset, length):
    make = lambda p: FileResponse(p, offset=offset, length=length)  # noqa: E731
    frames, response = serve(data_file, is_async=is_async, settings=(), make=make)
    end = None if length is None else offset + length
    assert body_of(frames) == CONTENT[offset:end]
    assert (b"content-length", b"%d" % len(CONTENT[offset:end])) in frames[0].headers
    assert response.body.closed


def test_a_slice_body_reads_only_the_slice(data_file):
    response = FileResponse(data_file, offset=10, length=25)
    body = response.body
    assert body.read(7) == CONTENT[10:17]
    assert body.read() == CONTENT[17:35]
    assert body.read() == b""
    body.close()
    assert body.closed
    whole = FileResponse(data_file)
    assert whole.body.read() == CONTENT  # the whole file is the file object itself
    whole.body.close()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"offset": -1},
        {"offset": len(CONTENT) + 1},
        {"offset": True},
        {"offset": 1.0},
        {"length": -1},
        {"length": len(CONTENT) + 1},
        {"offset": 10, "length": len(CONTENT) - 9},
        {"length": "5"},
    ],
)
def test_a_slice_outside_the_file_raises_at_construction(data_file, kwargs):
    with pytest.raises(ValueError):
        FileResponse(data_file, **kwargs)


@pytest.mark.parametrize(
    "headers, content_type, expected",
    [
        pytest.param(None, None, "text/plain", id="guessed"),
        pytest.param({"content-type": "application/x-mine"}, None, "application/x-mine", id="in-headers"),
        pytest.param([("Content-Type", "a/b")], None, "a/b", id="in-headers-any-case"),
        pytest.param({"content-type": "a/b"}, "c/d", "c/d", id="argument-over-headers"),
        pytest.param(None, "c/d", "c/d", id="argument"),
        pytest.param({"x-other": "1"}, None, "text/plain", id="other-headers-guessed"),
    ],
)
def test_an_explicit_content_type_wins_over_the_guess(data_file, headers, content_type, expected):
    response = FileResponse(data_file, headers=headers, content_type=content_type)
    assert response.headers.get_all("content-type") == [expected]
    response.body.close()


def test_an_unknown_extension_is_octet_stream(tmp_path):
    path = tmp_path / "data.unknown-ext"
    path.write_bytes(b"x")
    response = FileResponse(path)
    assert response.headers["content-type"] == "application/octet-stream"
    response.body.close()


def test_a_content_length_that_contradicts_the_slice_raises(data_file):
    with pytest.raises(InvalidHeader, match="differs"):
        FileResponse(data_file, headers={"content-length": str(len(CONTENT))}, length=10)
    same = FileResponse(data_file, headers={"content-length": "10"}, length=10)
    assert same.headers.get_all("content-length") == ["10"]
    same.body.close()


# -- file_response(request, path): the decisions ----------------------------------------------


def fields_of(**named):
    """A Headers.get_all-like getter: keyword names with '_' for '-'; a list for repeats."""
    table = {k.replace("_", "-"): (v if isinstance(v, list) else [v]) for k, v in named.items()}
    return lambda name: table.get(name, [])


ETAG = '"abc-1"'
MODIFIED = 1_700_000_000
NOW = MODIFIED + 1000
EARLIER = formatdate(MODIFIED - 1, usegmt=True)
SAME = formatdate(MODIFIED, usegmt=True)
LATER = formatdate(MODIFIED + 1, usegmt=True)
FUTURE = formatdate(NOW + 100, usegmt=True)


@pytest.mark.parametrize(
    "method, fields, expected",
    [
        pytest.param("GET", {}, Selection(200), id="plain"),
        pytest.param("GET", {"range": "bytes=0-99"}, Selection(206, 0, 100), id="range"),
        pytest.param("HEAD", {"range": "bytes=0-99"}, Selection(200), id="head-ignores-range"),
        pytest.param("POST", {"range": "bytes=0-99"}, Selection(200), id="post-ignores-range"),
        pytest.param("GET", {"range": ["bytes=0-1", "bytes=2-3"]}, Selection(200), id="two-range-fields"),
        pytest.param("GET", {"range": "bytes=5000-"}, Selection(416), id="unsatisfiable"),
        # If-None-Match: weak comparison; 304 for GET and HEAD, 412 otherwise.
        pytest.param("GET", {"if_none_match": ETAG}, Selection(304), id="inm-match"),
        pytest.param("HEAD", {"if_none_match": 'W/"abc-1"'}, Selection(304), id="inm-weak-match"),
        pytest.param("GET", {"if_none_match": '"x", "abc-1"'}, Selection(304), id="inm-list"),
        pytest.param("GET", {"if_none_match": ['"x"', ETAG]}, Selection(304), id="inm-lines"),
        pytest.param("GET", {"if_none_match": "*"}, Selection(304), id="inm-star"),
        pytest.param("GET", {"if_none_match": '"*"'}, Selection(200), id="inm-quoted-star"),
        pytest.param("GET", {"if_none_match": '"x"'}, Selection(200), id="inm-other"),
        pytest.param("DELETE", {"if_none_match": ETAG}, Selection(412), id="inm-unsafe"),
        # If-Modified-Since: GET and HEAD only, ignored with If-None-Match, bad or future dates.
        pytest.param("GET", {"if_modified_since": SAME}, Selection(304), id="ims-same"),
        pytest.param("GET", {"if_modified_since": LATER}, Selection(304), id="ims-later"),
        pytest.param("GET", {"if_modified_since": EARLIER}, Selection(200), id="ims-earlier"),
        pytest.param("GET", {"if_modified_since": FUTURE}, Selection(200), id="ims-future"),
        pytest.param("GET", {"if_modified_since": "yesterday"}, Selection(200), id="ims-invalid"),
        pytest.param("GET", {"if_modified_since": [SAME, SAME]}, Selection(200), id="ims-twice"),
        pytest.param("POST", {"if_modified_since": SAME}, Selection(200), id="ims-post"),
        pytest.param(
            "GET", {"if_none_match": '"x"', "if_modified_since": SAME}, Selection(200), id="inm-before-ims"
        ),
        # If-Match: strong comparison; If-Unmodified-Since only without it.
        pytest.param("GET", {"if_match": ETAG}, Selection(200), id="im-match"),
        pytest.param("GET", {"if_match": 'W/"abc-1"'}, Selection(412), id="im-weak"),
        pytest.param("PUT", {"if_match": '"x"'}, Selection(412), id="im-other"),
        pytest.param("GET", {"if_match": "*"}, Selection(200), id="im-star"),
        pytest.param("GET", {"if_unmodified_since": EARLIER}, Selection(412), id="ius-earlier"),
        pytest.param("GET", {"if_unmodified_since": SAME}, Selection(200), id="ius-same"),
        pytest.param("GET", {"if_match": ETAG, "if_unmodified_since": EARLIER}, Selection(200), id="im-before-ius"),
        pytest.param("GET", {"if_match": ETAG, "if_none_match": ETAG}, Selection(304), id="im-then-inm"),
        # If-Range: a strong etag match or the exact date, else the whole file.
        pytest.param("GET", {"range": "bytes=1-2", "if_range": ETAG}, Selection(206, 1, 2), id="ir-etag"),
        pytest.param("GET", {"range": "bytes=1-2", "if_range": '"x"'}, Selection(200), id="ir-other"),
        pytest.param("GET", {"range": "bytes=1-2", "if_range": 'W/"abc-1"'}, Selection(200), id="ir-weak"),
        pytest.param("GET", {"range": "bytes=1-2", "if_range": SAME}, Selection(206, 1, 2), id="ir-date"),
        pytest.param("GET", {"range": "bytes=1-2", "if_range": LATER}, Selection(200), id="ir-later"),
        pytest.param("GET", {"range": "bytes=1-2", "if_range": "nonsense"}, Selection(200), id="ir-bad"),
        pytest.param("GET", {"if_range": '"x"'}, Selection(200), id="ir-without-range"),
        pytest.param("GET", {"range": "bytes=9999-", "if_range": '"x"'}, Selection(200), id="ir-other-416"),
        pytest.param("GET", {"range": "bytes=1-2", "if_none_match": ETAG}, Selection(304), id="304-before-range"),
    ],
)
def test_select(method, fields, expected):
    assert select(method, fields_of(**fields), ETAG, MODIFIED, 1000, now=NOW) == expected


def test_a_date_validator_is_weak_within_a_second_of_the_change():
    fields = fields_of(range="bytes=1-2", if_range=SAME)
    assert select("GET", fields, ETAG, MODIFIED, 1000, now=MODIFIED + 0.5) == Selection(200)
    assert select("GET", fields, ETAG, MODIFIED, 1000, now=MODIFIED + 1) == Selection(206, 1, 2)


def test_without_a_modification_date_dates_never_match():
    assert select("GET", fields_of(if_modified_since=SAME), ETAG, None, 10, now=NOW) == Selection(200)
    assert select("GET", fields_of(if_unmodified_since=SAME), ETAG, None, 10, now=NOW) == Selection(412)


@pytest.mark.parametrize(
    "value, size, expected",
    [
        ("bytes=0-0", 10, Selection(206, 0, 1)),
        ("bytes=0-9", 10, Selection(206, 0, 10)),
        ("bytes=0-", 10, Selection(206, 0, 10)),
        ("bytes=3-100", 10, Selection(206, 3, 7)),
        ("bytes=9-", 10, Selection(206, 9, 1)),
        ("bytes=-3", 10, Selection(206, 7, 3)),
        ("bytes=-30", 10, Selection(206, 0, 10)),
        ("Bytes = 2-4 ", 10, Selection(206, 2, 3)),
        ("bytes=2-4,", 10, Selection(206, 2, 3)),
        ("bytes=10-", 10, Selection(416)),
        ("bytes=10-20", 10, Selection(416)),
        ("bytes=-0", 10, Selection(416)),
        ("bytes=0-", 0, Selection(416)),
        ("bytes=" + "9" * 5000 + "-", 10, Selection(416)),
        ("bytes=0-" + "9" * 5000, 10, Selection(206, 0, 10)),
        ("bytes=-" + "9" * 5000, 10, Selection(206, 0, 10)),
        ("bytes=-5", 0, None),  # satisfiable, but no Content-Range can name it: whole file
        ("bytes=0-1,3-4", 10, None),
        ("bytes=5-2", 10, None),
        ("bytes=a-b", 10, None),
        ("bytes=１-2", 10, None),  # a digit, but not an ASCII one
        ("bytes=", 10, None),
        ("bytes=-", 10, None),
        ("bytes 0-1", 10, None),
        ("items=0-1", 10, None),
        ("bytes=1", 10, None),
    ],
)
def test_parse_range(value, size, expected):
    assert parse_range(value, size) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ('"abc"', [(False, '"abc"')]),
        ('W/"abc"', [(True, '"abc"')]),
        ('"a,b", W/"c"', [(False, '"a,b"'), (True, '"c"')]),
        (' , "x" ,', [(False, '"x"')]),
        ('""', [(False, '""')]),
        ("*", [(False, "*")]),
        ('"*"', [(False, '"*"')]),
        ("abc", []),
        ('"abc', []),
        ('"a"b', []),
        ('* , "x"', []),
        ('w/"abc"', []),
    ],
)
def test_parse_entity_tags(value, expected):
    assert parse_entity_tags(value) == expected


# -- file_response(request, path): the responses ----------------------------------------------


@pytest.fixture
def old_file(data_file):
    os.utime(data_file, (MODIFIED, MODIFIED))
    return data_file


def ranged_app(path, **kwargs):
    def app(request):
        return file_response(request, path, **kwargs)

    return app


def test_the_whole_file_with_validators_and_accept_ranges(old_file):
    with TestClient(ranged_app(old_file)) as client:
        response = client.get("/")
    assert response.status == 200
    assert response.body == CONTENT
    assert response.headers["accept-ranges"] == "bytes"
    info = os.stat(old_file)
    assert response.headers["etag"] == '"%x-%x"' % (len(CONTENT), info.st_mtime_ns)
    assert response.headers["last-modified"] == SAME
    assert response.headers["content-length"] == str(len(CONTENT))
    assert response.headers["content-type"] == "text/plain"


@pytest.mark.parametrize("is_async", APP_KINDS)
def test_a_range_goes_as_a_file_response_of_the_slice(old_file, is_async):
    def make(path):
        request = Request("GET", headers=[(b"range", b"bytes=100-199")])
        return file_response(request, path)

    frames, _ = serve(old_file, is_async=is_async, settings=ANNOUNCED, make=make)
    [frame] = frames
    assert isinstance(frame, link.FileResponseFrame)
    assert (frame.status, frame.offset, frame.length) == (206, 100, 100)
    assert (b"content-range", b"bytes 100-199/%d" % len(CONTENT)) in frame.headers
    assert (b"content-length", b"100") in frame.headers


def test_a_range_through_the_test_client(old_file):
    with TestClient(ranged_app(old_file)) as client:
        response = client.get("/", headers={"range": "bytes=-10"})
    assert response.status == 206
    assert response.body == CONTENT[-10:]
    assert response.headers["content-range"] == "bytes %d-%d/%d" % (
        len(CONTENT) - 10,
        len(CONTENT) - 1,
        len(CONTENT),
    )


def test_304_keeps_only_the_fields_of_rfc_9110_15_4_5(old_file):
    extra = {"cache-control": "no-cache", "vary": "accept-encoding", "content-disposition": "inline", "x-a": "1"}
    with TestClient(ranged_app(old_file, headers=extra)) as client:
        etag = client.get("/").headers["etag"]
        response = client.get("/", headers={"if-none-match": etag})
    assert response.status == 304 and response.body == b""
    names = sorted(name.decode() for name, _ in response.headers.raw)
    assert names == ["cache-control", "etag", "last-modified", "vary"]


def test_416_names_the_current_length(old_file):
    with TestClient(ranged_app(old_file)) as client:
        response = client.get("/", headers={"range": "bytes=%d-" % len(CONTENT)})
    assert response.status == 416
    assert response.headers["content-range"] == "bytes */%d" % len(CONTENT)
    assert response.body == b""


def test_validators_given_by_the_application_replace_the_computed_ones(old_file):
    app = ranged_app(old_file, headers={"etag": '"sha-123"', "last-modified": EARLIER})
    with TestClient(app) as client:
        first = client.get("/")
        assert first.headers.get_all("etag") == ['"sha-123"']
        assert first.headers.get_all("last-modified") == [EARLIER]
        assert client.get("/", headers={"if-none-match": '"sha-123"'}).status == 304
        assert client.get("/", headers={"if-modified-since": EARLIER}).status == 304
        ranged = client.get("/", headers={"range": "bytes=0-4", "if-range": '"sha-123"'})
        assert ranged.status == 206 and ranged.body == CONTENT[:5]


@pytest.mark.parametrize("etag", ["unquoted", '"a", "b"', "*", ""])
def test_an_etag_that_is_not_one_entity_tag_raises(old_file, etag):
    with pytest.raises(ValueError, match="entity-tag"):
        file_response(Request(), old_file, {"etag": etag})


def test_framing_fields_from_the_application_are_replaced(old_file):
    app = ranged_app(old_file, headers={"content-length": "3", "content-range": "bytes 0-2/3"})
    with TestClient(app) as client:
        response = client.get("/", headers={"range": "bytes=5-9"})
    assert response.headers.get_all("content-length") == ["5"]
    assert response.headers.get_all("content-range") == ["bytes 5-9/%d" % len(CONTENT)]
    assert response.body == CONTENT[5:10]


def test_the_file_is_closed_when_no_body_is_sent(old_file, monkeypatch):
    opened = []
    real_open = open

    def spy(*args, **kwargs):
        handle = real_open(*args, **kwargs)
        opened.append(handle)
        return handle

    monkeypatch.setattr("builtins.open", spy)
    for field in ((b"if-none-match", b"*"), (b"range", b"bytes=99999999-"), (b"if-match", b'"x"')):
        response = file_response(Request("GET", headers=[field]), old_file)
        assert response.status in (304, 416, 412)
    assert len(opened) == 3 and all(handle.closed for handle in opened)


def test_a_missing_file_raises_in_the_application(tmp_path):
    with pytest.raises(FileNotFoundError):
        file_response(Request(), tmp_path / "absent")
    with pytest.raises(IsADirectoryError):
        file_response(Request(), tmp_path)


# -- the WSGI shims -----------------------------------------------------------------------------


def test_from_wsgi_sends_a_positioned_file_as_a_slice(data_file):
    def wsgi_app(environ, start_response):
        handle = open(data_file, "rb")
        handle.seek(40)
        start_response("200 OK", [("Content-Type", "application/x-mine"), ("Content-Length", "30")])
        return environ["wsgi.file_wrapper"](handle)

    response = from_wsgi(wsgi_app)(Request())
    assert isinstance(response, FileResponse)
    assert (response.file_offset, response.file_length) == (40, 30)
    assert response.headers.get_all("content-type") == ["application/x-mine"]
    assert response.body.read() == CONTENT[40:70]
    response.body.close()


def test_from_wsgi_file_keeps_the_applications_content_type(data_file):
    def wsgi_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/x-mine")])
        return environ["wsgi.file_wrapper"](open(data_file, "rb"))

    frames, _ = serve(data_file, is_async=False, settings=ANNOUNCED, make=lambda p: from_wsgi(wsgi_app)(Request()))
    assert [type(f) for f in frames] == [link.FileResponseFrame]
    types = [value for name, value in frames[0].headers if name.lower() == b"content-type"]
    assert types == [b"application/x-mine"]


def test_to_wsgi_sends_exactly_the_slice_through_the_containers_file_wrapper(data_file):
    environ = {}
    setup_testing_defaults(environ)
    environ["wsgi.file_wrapper"] = WsgirefFileWrapper
    heads = []
    app = to_wsgi(lambda request: FileResponse(data_file, offset=5, length=50))
    result = app(environ, lambda status, headers: heads.append(headers))
    assert b"".join(result) == CONTENT[5:55]
    result.close()
    assert ("content-length", "50") in heads[0]


def test_flask_send_file_range_seeks_instead_of_reading_up_to_the_range(tmp_path, monkeypatch):
    import werkzeug.utils
    from flask import Flask, send_file

    path = tmp_path / "big.bin"
    data = os.urandom(4 << 20)
    path.write_bytes(data)
    read = []

    class Counting(io.FileIO):
        def read(self, size=-1):
            chunk = super().read(size)
            read.append(len(chunk))
            return chunk

    monkeypatch.setattr(werkzeug.utils, "open", lambda p, mode: Counting(p, "r"), raising=False)
    flask = Flask(__name__)
    flask.add_url_rule("/", "send", lambda: send_file(path, conditional=True))
    with TestClient(from_wsgi(flask)) as client:
        response = client.get("/", headers={"range": "bytes=-100"})
    assert response.status == 206
    assert response.body == data[-100:]
    assert sum(read) < 1 << 20, f"{sum(read)} bytes read for a range of 100"
