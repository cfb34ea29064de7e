"""from_wsgi against wsgiref's validator: each PEP 3333 feature used by an application the
validator wraps, served through the worker's dispatch (TestClient). A validator warning is an
error here, and an iterable collected without close() fails the test (the validator says so
on standard error)."""

import gc
import hashlib
import sys
import threading
from wsgiref.validate import validator

import pytest

from wsging.testing import TestClient
from wsging.worker import link
from wsging.wsgi import from_wsgi

WAIT = 10

pytestmark = pytest.mark.filterwarnings("error::wsgiref.validate.WSGIWarning")


class Recorded:
    """A WSGI iterable recording its close()."""

    def __init__(self, chunks):
        self.chunks = iter(chunks)
        self.closed = threading.Event()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        self.closed.set()


@pytest.fixture
def checked(capsys):
    """Wraps an application in the validator; after the test, no iterable went unclosed."""

    def wrap(app):
        return from_wsgi(validator(app))

    yield wrap
    gc.collect()
    assert "without being closed" not in capsys.readouterr().err


def test_chunked_upload_is_read_to_its_end_without_content_length(checked):
    seen = {}

    def app(environ, start_response):
        seen["length"] = environ.get("CONTENT_LENGTH")
        seen["terminated"] = environ["wsgi.input_terminated"]
        data = b"".join(iter(lambda: environ["wsgi.input"].read(5), b""))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [hashlib.sha256(data).hexdigest().encode()]

    parts = [b"x" * 70000, b"", b"y" * 3, b"z" * 100001]
    with TestClient(checked(app)) as client:
        response = client.request("POST", "/", body=iter(parts))
    assert response.body == hashlib.sha256(b"".join(parts)).hexdigest().encode()
    assert seen == {"length": None, "terminated": True}


def test_input_lines_through_the_validator(checked):
    def app(environ, start_response):
        stream = environ["wsgi.input"]
        got = [stream.readline(), stream.readline(2), stream.readline(), stream.readlines()]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [repr(got).encode()]

    with TestClient(checked(app)) as client:
        body = client.post("/", body=b"one\ntwo\nthree\nfour").body
    assert body == repr([b"one\n", b"tw", b"o\n", [b"three\n", b"four"]]).encode()


def test_write_before_and_during_iteration_keeps_the_order(checked):
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"1")

        def rest():
            write(b"2")
            yield b"3"
            write(b"4")
            write(b"5")
            yield b"6"
            write(b"7")  # written while the last pull ends the iterable

        return rest()

    with TestClient(checked(app)) as client:
        assert client.get("/").body == b"1234567"


def test_write_during_the_first_pull_goes_before_the_first_chunk(checked):
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])

        def rest():
            write(b"a")
            yield b"b"
            yield b"c"

        return rest()

    with TestClient(checked(app)) as client:
        assert client.get("/").body == b"abc"


def test_a_generator_streams_and_is_closed(checked):
    body = Recorded([b"a", b"b", b"c"])

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    with TestClient(checked(app)) as client:
        assert client.get("/").body == b"abc"
    assert body.closed.wait(WAIT)


@pytest.mark.parametrize("method", ["HEAD", "GET-and-leave", "fail"])
def test_close_is_always_called(checked, method):
    def chunks():
        yield b"first"
        if method == "fail":
            raise RuntimeError("pep3333-unit-marker")
        while True:
            yield b"x" * 65536

    body = Recorded(chunks())

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    with TestClient(checked(app), raise_server_exceptions=False) as client:
        if method == "HEAD":
            assert client.head("/").body == b""
        elif method == "fail":
            assert client.get("/").reset == link.INTERNAL_ERROR
        else:
            stream = client.stream("GET", "/", end=True)
            assert stream.head().status == 200
            stream.cancel()
        assert body.closed.wait(WAIT)


def test_file_wrapper_through_the_validator_is_iterated_and_closed(checked, tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    opened = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        handle = open(path, "rb")
        opened.append(handle)
        return environ["wsgi.file_wrapper"](handle, 4096)

    with TestClient(checked(app)) as client:
        assert client.get("/").body == path.read_bytes()
    assert opened[0].closed


def test_exc_info_before_the_head_replaces_it(checked):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("late")
        except ValueError:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"replaced"]

    with TestClient(checked(app)) as client:
        response = client.get("/")
    assert (response.status, response.body) == (500, b"replaced")


def test_what_the_validator_rejects_fails_the_request(checked, caplog):
    """The premise of these tests: a validator complaint is not silently passed over."""

    def app(environ, start_response):
        environ["wsgi.input"].read()  # the validator allows read(size) only
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with TestClient(checked(app), raise_server_exceptions=False) as client:
        assert client.post("/", body=b"x").status == 500
