"""from_wsgi: a PEP 3333 application served through the real worker path (spec 15.2, 15.3).

Each test of the environ names the row of table 15.2 it checks; the response tests follow the
rows of table 15.3. Most run through TestClient (the worker's own dispatch, thread pool and
flow control); the environ is also checked by wsgiref's validator.
"""

import io
import sys
import threading
from wsgiref.validate import validator

import pytest

from wsging import FileResponse, Request, Response
from wsging.testing import TestClient
from wsging.worker import link
from wsging.wsgi import from_wsgi

WAIT = 10


def capture(seen, status="200 OK", body=b"ok", headers=None):
    """A WSGI app that keeps its environ in `seen`."""

    def app(environ, start_response):
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        start_response(status, headers or [("Content-Type", "text/plain")])
        return [body]

    return app


def environ_of(path="/", **kwargs):
    seen = {}
    client_kwargs = {k: kwargs.pop(k) for k in ("http_version", "scheme", "server", "client") if k in kwargs}
    with TestClient(from_wsgi(capture(seen)), **client_kwargs) as client:
        response = client.request(kwargs.pop("method", "GET"), path, **kwargs)
    assert response.status == 200, response.text
    return seen


def next_data(stream):
    """Reads the stream's frames until a body chunk has arrived; returns what arrived so far."""
    while not stream._parts and not stream.complete:
        stream._process(stream._next_frame())
    return b"".join(stream._parts)


# -- table 15.2: Request -> environ ---------------------------------------------------------


def test_request_method_script_name_and_query_string():
    seen = environ_of("/a?x=1&y=%20", method="PUT")
    assert seen["REQUEST_METHOD"] == "PUT"
    assert seen["SCRIPT_NAME"] == ""
    assert seen["PATH_INFO"] == "/a"
    assert seen["QUERY_STRING"] == "x=1&y=%20"  # not decoded


def test_query_string_is_absent_as_empty_text():
    assert environ_of("/")["QUERY_STRING"] == ""


def test_path_info_is_percent_decoded_bytes_as_latin1():
    seen = environ_of("/caf\u00e9 x")  # the client sends /caf%C3%A9%20x
    # the UTF-8 bytes of "é" as two latin-1 characters (PEP 3333 "bytes as str")
    assert seen["PATH_INFO"] == "/caf\u00c3\u00a9 x"
    assert seen["wsging.request"].raw_path == b"/caf%C3%A9%20x"


def test_path_info_decodes_an_escaped_slash_from_the_raw_path():
    seen = {}
    app = from_wsgi(capture(seen))
    app(Request("GET", b"/a%2Fb%20c"))
    assert seen["PATH_INFO"] == "/a/b c"
    assert seen["wsging.request"].raw_path == b"/a%2Fb%20c"  # the exact bytes stay reachable


def test_content_type_and_content_length_from_the_request():
    seen = environ_of("/", method="POST", body=b"hello", headers=[("Content-Type", "text/x")])
    assert seen["CONTENT_TYPE"] == "text/x"
    assert seen["CONTENT_LENGTH"] == "5"
    assert "HTTP_CONTENT_TYPE" not in seen and "HTTP_CONTENT_LENGTH" not in seen
    assert seen["body"] == b"hello"


def test_content_length_is_absent_when_the_length_is_unknown():
    seen = {}
    with TestClient(from_wsgi(capture(seen))) as client:
        stream = client.stream("POST", "/")  # no content-length: a chunked upload
        stream.send(b"abc")
        stream.send(b"def", end=True)
        assert stream.response().status == 200
    assert "CONTENT_LENGTH" not in seen
    assert seen["body"] == b"abcdef"  # wsgi.input_terminated: reading to the end works
    assert seen["wsgi.input_terminated"] is True


def test_server_name_and_port_from_the_server_address():
    seen = environ_of("/", server=("srv.example", 8443), scheme="https")
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"]) == ("srv.example", "8443")
    assert seen["wsgi.url_scheme"] == "https"


@pytest.mark.parametrize(
    "host, expected",
    [
        (b"example.org:8080", ("example.org", "8080")),
        (b"example.org", ("example.org", "443")),
        (b"[::1]:9000", ("::1", "9000")),
        (None, ("localhost", "443")),
    ],
)
def test_server_name_and_port_from_the_host_field_without_a_server_address(host, expected):
    seen = {}
    headers = [(b"host", host)] if host else []
    from_wsgi(capture(seen))(Request("GET", b"/", scheme="https", headers=headers))
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"]) == expected


def test_remote_addr_and_port_from_the_client_address():
    seen = environ_of("/", client=("203.0.113.9", 41000))
    assert (seen["REMOTE_ADDR"], seen["REMOTE_PORT"]) == ("203.0.113.9", "41000")
    seen = {}
    from_wsgi(capture(seen))(Request("GET", b"/"))  # a Unix socket: no peer address
    assert "REMOTE_ADDR" not in seen and "REMOTE_PORT" not in seen


@pytest.mark.parametrize(
    "version, protocol", [("1.0", "HTTP/1.0"), ("1.1", "HTTP/1.1"), ("2", "HTTP/2"), ("3", "HTTP/3")]
)
def test_server_protocol_from_the_http_version(version, protocol):
    seen = {}
    from_wsgi(capture(seen))(Request("GET", b"/", http_version=version))
    assert seen["SERVER_PROTOCOL"] == protocol


def test_http_keys_are_upper_cased_with_underscores_and_duplicates_joined():
    seen = environ_of(
        "/",
        headers=[
            ("X-Trace-Id", "1"),
            ("Accept", "text/html"),
            ("accept", "*/*"),
            ("Cookie", "a=1"),
            ("cookie", "b=2"),
            ("X-Single", "1"),
            ("x-single", "1"),
        ],
    )
    assert seen["HTTP_X_TRACE_ID"] == "1"
    assert seen["HTTP_ACCEPT"] == "text/html, */*"
    assert seen["HTTP_COOKIE"] == "a=1; b=2"  # cookie pairs join with "; " (RFC 6265)
    assert seen["HTTP_X_SINGLE"] == "1, 1"
    assert seen["HTTP_HOST"] == "testserver"


def test_header_names_with_underscores_are_dropped():
    # W8: "X_Forwarded_For" would otherwise pose as "X-Forwarded-For".
    seen = environ_of("/", headers=[("X_Forwarded_For", "6.6.6.6"), ("X-Forwarded-For", "10.0.0.1")])
    assert seen["HTTP_X_FORWARDED_FOR"] == "10.0.0.1"
    assert not [key for key in seen if "6.6.6.6" in str(seen[key])]


def test_header_values_are_latin1_text():
    seen = environ_of("/", headers=[(b"x-raw", b"caf\xe9")])
    assert seen["HTTP_X_RAW"] == "caf\u00e9"


def test_constant_wsgi_keys():
    seen = environ_of("/")
    assert seen["wsgi.version"] == (1, 0)
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["wsgi.multithread"] is True
    assert seen["wsgi.multiprocess"] is True
    assert seen["wsgi.run_once"] is False
    assert seen["wsgi.input_terminated"] is True
    assert callable(seen["wsgi.file_wrapper"])


def test_wsgi_errors_writes_to_the_worker_log_stream(capsys):
    def app(environ, start_response):
        errors = environ["wsgi.errors"]
        errors.write("wsgi-errors-marker\n")
        errors.writelines(["second ", "line\n"])
        errors.flush()
        start_response("200 OK", [])
        return [b""]

    from_wsgi(app)(Request())
    assert capsys.readouterr().err == "wsgi-errors-marker\nsecond line\n"


def test_wsging_request_is_the_request_itself():
    seen = {}
    request = Request("GET", b"/x")
    from_wsgi(capture(seen))(request)
    assert seen["wsging.request"] is request


@pytest.mark.filterwarnings("error")
def test_every_environ_passes_the_wsgiref_validator():
    seen = {}

    def app(environ, start_response):
        stream = environ["wsgi.input"]  # the validator allows read(size) only
        seen["data"] = stream.read(3) + b"".join(iter(lambda: stream.read(100), b""))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"fine"]

    with TestClient(from_wsgi(validator(app))) as client:
        assert client.get("/a%20b?q=1", headers=[("Cookie", "a=1"), ("cookie", "b=2")]).body == b"fine"
        assert client.post("/", body=b"payload", headers=[("Content-Type", "x/y")]).body == b"fine"
        assert seen["data"] == b"payload"
        stream = client.stream("POST", "/up")
        stream.send(b"chunked", end=True)
        assert stream.response().body == b"fine"
        assert client.head("/").status == 200


# -- wsgi.input -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["read", "read-n", "read-none", "readline", "readlines", "iterate"])
def test_wsgi_input_reads(mode):
    body = b"line one\nline two\n" + b"x" * 300000 + b"\nlast"
    out = {}

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        if mode == "read":
            data = stream.read()
        elif mode == "read-n":
            parts = []
            while True:
                part = stream.read(7000)
                assert len(part) <= 7000
                if not part:
                    break
                parts.append(part)
            data = b"".join(parts)
        elif mode == "read-none":
            data = stream.read(None)
        elif mode == "readline":
            first = stream.readline()
            assert first == b"line one\n"
            assert stream.readline(4) == b"line"
            data = first + b"line" + b"".join(iter(stream.readline, b""))
        elif mode == "readlines":
            lines = stream.readlines()
            assert lines[:2] == [b"line one\n", b"line two\n"]
            data = b"".join(lines)
        else:
            lines = list(stream)
            assert lines[-1] == b"last" and all(line.endswith(b"\n") for line in lines[:-1])
            data = b"".join(lines)
        out["at end"] = (stream.read(), stream.readline(), stream.read(10))
        start_response("200 OK", [])
        return [data]

    with TestClient(from_wsgi(app)) as client:
        response = client.post("/", body=body)
    assert response.body == body
    assert out["at end"] == (b"", b"", b"")


def test_wsgi_input_readlines_stops_after_the_hint():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"|".join(environ["wsgi.input"].readlines(5))]

    with TestClient(from_wsgi(app)) as client:
        assert client.post("/", body=b"ab\ncd\nef\ngh\n").body == b"ab\n|cd\n"


def test_wsgi_input_read_of_a_body_cut_short_raises_client_disconnected():
    raised = []
    done = threading.Event()

    def app(environ, start_response):
        try:
            environ["wsgi.input"].read()
        except ConnectionError as exc:
            raised.append(exc)
        finally:
            done.set()
        start_response("200 OK", [])
        return [b""]

    with TestClient(from_wsgi(app)) as client:
        stream = client.stream("POST", "/", content_length=100)
        stream.send(b"only part")
        stream.cancel()
        assert done.wait(WAIT)
    assert raised and type(raised[0]).__name__ == "ClientDisconnected"


# -- table 15.3: start_response and the iterable -> Response ------------------------------------


def test_one_bytes_chunk_becomes_a_bytes_response_with_its_length():
    def app(environ, start_response):
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-A", "1")])
        return [b"Hello"]

    response = from_wsgi(app)(Request())
    assert type(response) is Response and response.body == b"Hello"  # the whole-response path
    assert response.status == 201
    assert response.headers.get_all("x-a") == ["1"]
    assert response.headers["content-length"] == "5"
    with TestClient(from_wsgi(app)) as client:
        answer = client.get("/")
    assert (answer.status, answer.body, answer.headers["content-length"]) == (201, b"Hello", "5")
    assert answer.headers["content-type"] == "text/plain"


def test_declared_length_is_kept_and_a_longer_body_is_cut_at_it():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", environ["QUERY_STRING"])])
        return [b"0123456789"]

    with TestClient(from_wsgi(app)) as client:
        assert client.get("/?10").body == b"0123456789"
        cut = client.get("/?4")  # PEP 3333: never more than Content-Length
        assert (cut.body, cut.headers.get_all("content-length")) == (b"0123", ["4"])


def test_streamed_body_is_cut_at_the_declared_length_and_closed():
    closed = threading.Event()
    pulled = []

    class Chunks:
        def __init__(self):
            self.n = 0

        def __iter__(self):
            return self

        def __next__(self):
            self.n += 1
            pulled.append(self.n)
            return b"abc"

        def close(self):
            closed.set()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "7")])
        return Chunks()

    with TestClient(from_wsgi(app)) as client:
        assert client.get("/").body == b"abcabca"
    assert closed.wait(WAIT)
    assert len(pulled) == 3


def test_a_list_of_several_chunks_is_sent_whole_with_its_length():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"a", b"", b"bc", bytearray(b"d")]

    response = from_wsgi(app)(Request())
    assert response.body == b"abcd" and response.headers["content-length"] == "4"


def test_head_waits_for_the_first_non_empty_chunk_of_a_lazy_application():
    order = []

    def app(environ, start_response):
        order.append("called")
        yield b""
        order.append("start_response")
        start_response("202 Accepted", [("X-Late", "yes")])
        yield b"first"
        yield b"second"

    response = from_wsgi(app)(Request())
    assert response.status == 202 and response.headers["x-late"] == "yes"
    assert order == ["called", "start_response"]
    with TestClient(from_wsgi(app)) as client:
        assert client.get("/").body == b"firstsecond"


def test_generator_body_streams_without_buffering():
    second_allowed = threading.Event()
    produced = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        produced.append(1)
        yield b"first"
        assert second_allowed.wait(WAIT), "the second chunk was pulled before the first arrived"
        produced.append(2)
        yield b"second"

    with TestClient(from_wsgi(app)) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        assert next_data(stream) == b"first"
        assert produced == [1]  # the first chunk reached the client; the second does not exist
        second_allowed.set()
        assert stream.response().body == b"firstsecond"
    assert produced == [1, 2]


def test_exc_info_before_the_head_replaces_the_pending_head():
    def app(environ, start_response):
        start_response("200 OK", [("X-Pending", "1")])
        try:
            raise ValueError("found a problem")
        except ValueError:
            start_response("503 Service Unavailable", [("Retry-After", "5")], sys.exc_info())
        return [b"later"]

    with TestClient(from_wsgi(app)) as client:
        response = client.get("/")
    assert (response.status, response.body) == (503, b"later")
    assert response.headers["retry-after"] == "5" and "x-pending" not in response.headers


def test_exc_info_after_the_head_is_raised_and_ends_the_response(caplog):
    closed = threading.Event()

    def body(start_response):
        try:
            yield b"sent"
            try:
                raise KeyError("after-head-marker")
            except KeyError:
                start_response("500 Internal Server Error", [], sys.exc_info())
            yield b"never"
        finally:
            closed.set()

    def app(environ, start_response):
        start_response("200 OK", [])
        return body(start_response)

    with TestClient(from_wsgi(app), raise_server_exceptions=False) as client:
        stream = client.stream("GET", "/", end=True)
        response = stream.response()
    assert response.status == 200 and response.reset == link.INTERNAL_ERROR
    assert b"never" not in response.body
    assert closed.wait(WAIT)
    assert "after-head-marker" in caplog.text


def test_start_response_called_twice_without_exc_info_is_an_error():
    def app(environ, start_response):
        start_response("200 OK", [])
        start_response("404 Not Found", [])
        return [b"x"]

    with TestClient(from_wsgi(app), raise_server_exceptions=False) as client:
        assert client.get("/").status == 500


def test_write_callable_data_comes_before_the_iterable():
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        write(b"")
        write(bytearray(b"twice "))
        return iter([b"then ", b"iterated"])

    with TestClient(from_wsgi(app)) as client:
        assert client.get("/").body == b"written twice then iterated"


def test_write_alone_without_an_iterable():
    def app(environ, start_response):
        start_response("200 OK", [])(b"only written")
        return []

    with TestClient(from_wsgi(app)) as client:
        assert client.get("/").body == b"only written"


@pytest.mark.parametrize(
    "status, headers",
    [
        ("OK", []),
        ("2000 Big", []),
        ("99 Low", []),
        ("200 OK\r\nX: y", []),
        ("200 OK", [("Bad Name", "v")]),
        ("200 OK", [("X", "v\r\nInjected: 1")]),
        ("200 OK", [("X", b"bytes")]),
        ("200 OK", [("X", "v", "extra")]),
        ("200 OK", (("X", "v"),)),
        ("200 OK", [("Content-Length", "12a")]),
    ],
)
def test_invalid_heads_raise_in_the_application_and_give_500(status, headers):
    raised = []

    def app(environ, start_response):
        try:
            start_response(status, headers)
        except ValueError as exc:
            raised.append(exc)
            raise
        return [b"x"]

    with TestClient(from_wsgi(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500
    assert raised


def test_start_response_never_called_is_an_error(caplog):
    closed = threading.Event()

    class Empty:
        def __iter__(self):
            return iter([b"", b""])

        def close(self):
            closed.set()

    with TestClient(from_wsgi(lambda environ, start_response: Empty()), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500
    assert closed.is_set()
    assert "did not call start_response" in caplog.text


def test_application_that_raises_gives_500_without_traceback(caplog):
    def app(environ, start_response):
        raise RuntimeError("wsgi-failure-marker")

    with TestClient(from_wsgi(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500
    assert "wsgi-failure-marker" not in response.text and "Traceback" not in response.text
    assert "wsgi-failure-marker" in caplog.text  # the traceback goes to the log


def test_error_while_pulling_the_first_chunk_gives_500_and_closes():
    closed = threading.Event()

    def body():
        try:
            raise OSError("first-chunk-marker")
            yield b"unreachable"
        finally:
            closed.set()

    def app(environ, start_response):
        start_response("200 OK", [])
        return body()

    with TestClient(from_wsgi(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500 and "first-chunk-marker" not in response.text
    assert closed.wait(WAIT)


class ClosingIterable:
    """A WSGI iterable that records how often it was pulled and closed."""

    def __init__(self, chunks, fail_at=None):
        self.chunks = list(chunks)
        self.fail_at = fail_at
        self.pulled = 0
        self.closes = 0
        self.closed = threading.Event()

    def __iter__(self):
        return self

    def __next__(self):
        if self.pulled == self.fail_at:
            raise RuntimeError("iterable-failure-marker")
        if self.pulled >= len(self.chunks):
            raise StopIteration
        self.pulled += 1
        return self.chunks[self.pulled - 1]

    def close(self):
        self.closes += 1
        self.closed.set()


def serving(iterable, status="200 OK"):
    def app(environ, start_response):
        start_response(status, [])
        return iterable

    return from_wsgi(app)


def test_close_is_called_once_after_a_complete_body():
    body = ClosingIterable([b"a", b"b", b"c"])
    with TestClient(serving(body)) as client:
        assert client.get("/").body == b"abc"
    assert body.closed.wait(WAIT) and body.closes == 1


def test_close_is_called_when_the_body_fails_after_the_head():
    body = ClosingIterable([b"a", b"b"], fail_at=1)
    with TestClient(serving(body), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.reset == link.INTERNAL_ERROR
    assert body.closed.wait(WAIT) and body.closes == 1


def test_close_is_called_when_the_client_disconnects():
    produced = []
    closed = threading.Event()

    def body():
        try:
            for i in range(10**9):
                produced.append(i)
                yield b"x" * 10000
        finally:
            closed.set()

    with TestClient(serving(body())) as client:
        stream = client.stream("GET", "/", end=True)
        assert stream.head().status == 200
        stream.cancel()
        assert closed.wait(WAIT)
    assert len(produced) < 10**9


@pytest.mark.parametrize("status", ["200 OK", "204 No Content", "304 Not Modified"])
def test_bodiless_responses_close_the_iterable_without_pulling_past_the_first_chunk(status):
    body = ClosingIterable([b"first", b"more"])
    with TestClient(serving(body, status)) as client:
        response = client.request("HEAD", "/") if status == "200 OK" else client.get("/")
    assert response.body == b""
    assert body.closed.wait(WAIT) and body.closes == 1
    assert body.pulled == 1  # the head waits for a first chunk (PEP 3333); no more is pulled


def test_head_response_keeps_the_length_the_application_declared():
    def app(environ, start_response):  # what werkzeug does for HEAD: no body, the GET length
        start_response("200 OK", [("Content-Length", "1234")])
        return ()

    with TestClient(from_wsgi(app)) as client:
        response = client.head("/")
    assert (response.status, response.headers["content-length"], response.body) == (200, "1234", b"")


def test_str_chunks_are_refused():
    def app(environ, start_response):
        start_response("200 OK", [])
        return ["text is not a WSGI chunk"]

    with TestClient(from_wsgi(app), raise_server_exceptions=False) as client:
        assert client.get("/").status == 500


# -- wsgi.file_wrapper --------------------------------------------------------------------------


def file_app(path, headers=(), seek=0):
    def app(environ, start_response):
        handle = open(path, "rb")
        handle.seek(seek)
        start_response("200 OK", list(headers))
        return environ["wsgi.file_wrapper"](handle, 4096)

    return app


def test_file_wrapper_with_a_real_file_becomes_a_file_response(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    response = from_wsgi(file_app(path))(Request())
    assert isinstance(response, FileResponse)
    assert response.headers["content-length"] == "256000"
    response.body.close()
    with TestClient(from_wsgi(file_app(path))) as client:
        answer = client.get("/")
    assert answer.body == path.read_bytes()
    assert answer.headers["content-length"] == "256000"


def test_file_wrapper_sends_from_the_current_position_up_to_the_declared_length(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789" * 10)
    with TestClient(from_wsgi(file_app(path, seek=90))) as client:
        assert client.get("/").body == b"0123456789"
    with TestClient(from_wsgi(file_app(path, [("Content-Length", "5")], seek=3))) as client:
        response = client.get("/")
    assert (response.body, response.headers["content-length"]) == (b"34567", "5")


def test_file_wrapper_file_is_closed_after_sending(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"z" * 100000)
    handles = []

    def app(environ, start_response):
        handle = open(path, "rb")
        handles.append(handle)
        start_response("200 OK", [])
        return environ["wsgi.file_wrapper"](handle)

    with TestClient(from_wsgi(app)) as client:
        assert len(client.get("/").body) == 100000
        assert len(client.head("/").body) == 0
    assert all(handle.closed for handle in handles) and len(handles) == 2


def test_file_wrapper_over_a_file_like_streams_its_blocks():
    closed = []

    class Source(io.BytesIO):
        def close(self):
            closed.append(True)
            super().close()

    def app(environ, start_response):
        start_response("200 OK", [])
        return environ["wsgi.file_wrapper"](Source(b"y" * 20000), 1000)

    response = from_wsgi(app)(Request())
    assert not isinstance(response, FileResponse)
    with TestClient(from_wsgi(app)) as client:
        assert client.get("/").body == b"y" * 20000
    assert closed


def test_file_wrapper_is_iterable_for_wsgi_middleware(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"abc" * 5000)

    def middleware(app):
        def outer(environ, start_response):
            inner = app(environ, start_response)
            try:
                return [b"".join(inner)]
            finally:
                inner.close()

        return outer

    with TestClient(from_wsgi(middleware(file_app(path)))) as client:
        assert client.get("/").body == b"abc" * 5000


def test_lifespan_of_the_wsgi_application_is_forwarded():
    events = []

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    class Span:
        def __enter__(self):
            events.append("enter")

        def __exit__(self, *exc):
            events.append("exit")

    app.lifespan = Span
    with TestClient(from_wsgi(app)) as client:
        client.get("/")
    assert events == ["enter", "exit"]
