"""to_wsgi: a WSGI-NG application as a PEP 3333 application (spec 15.2, 15.3).

The application is called as WSGI containers call it: directly with an environ (wrapped in
wsgiref's validator, which checks both sides of PEP 3333), and through wsgiref's real server.
"""

import asyncio
import http.client
import io
import sys
import threading
from contextlib import contextmanager
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.util import FileWrapper, setup_testing_defaults
from wsgiref.validate import validator

import pytest

from wsging import ClientDisconnected, FileResponse, Response
from wsging.wsgi import to_wsgi

WAIT = 10


class Called:
    """The outcome of one WSGI call: the head given to start_response and the body."""

    def __init__(self, app, environ):
        self.status = None
        self.headers = None
        result = app(environ, self.start_response)
        try:
            self.body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def start_response(self, status, headers, exc_info=None):
        self.status, self.headers = status, headers
        return lambda data: None


def environ_for(method="GET", path="/", body=b"", **keys):
    environ = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
               "wsgi.input": io.BytesIO(body)}
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    environ.update(keys)
    setup_testing_defaults(environ)
    return environ


def call(ng_app, **kwargs):
    return Called(validator(to_wsgi(ng_app)), environ_for(**kwargs))


def seeing(seen, response=None):
    def app(request):
        seen["request"] = request
        seen["body"] = request.body.read()
        seen["thread"] = threading.current_thread()
        return response or Response(b"ok", content_type="text/plain")

    return app


# -- table 15.2: environ -> Request ----------------------------------------------------------


def test_request_attributes_from_the_environ():
    seen = {}
    called = call(
        seeing(seen),
        method="POST",
        path="/caf\u00c3\u00a9 x",
        body=b"data",
        QUERY_STRING="a=1&b=%20",
        CONTENT_TYPE="text/x",
        HTTP_X_TRACE_ID="7",
        HTTP_ACCEPT="*/*",
        REMOTE_ADDR="198.51.100.2",
        REMOTE_PORT="4567",
        SERVER_NAME="srv",
        SERVER_PORT="8080",
    )
    assert called.status == "200 OK"
    request = seen["request"]
    assert request.method == "POST"
    assert request.raw_path == b"/caf%C3%A9%20x" and request.path == "/caf\u00e9 x"
    assert request.query_string == b"a=1&b=%20"
    assert request.scheme == "http" and request.http_version == "1.0"
    assert request.client == ("198.51.100.2", 4567)
    assert request.server == ("srv", 8080)
    assert request.headers["x-trace-id"] == "7" and request.headers["accept"] == "*/*"
    assert request.headers["content-type"] == "text/x"
    assert request.headers["content-length"] == "4" and request.content_length == 4
    assert all(name == name.lower() for name, _ in request.headers.raw)
    assert seen["body"] == b"data"
    assert seen["thread"] is threading.current_thread()  # sync apps run in the WSGI thread


def test_script_name_is_prefixed_to_the_raw_path():
    seen = {}
    call(seeing(seen), SCRIPT_NAME="/mount", path="/inner")
    assert seen["request"].raw_path == b"/mount/inner"


def test_raw_path_from_request_uri_keeps_escaped_slashes():
    seen = {}
    call(seeing(seen), path="/a/b c", REQUEST_URI="/a%2Fb%20c?x=1", QUERY_STRING="x=1")
    assert seen["request"].raw_path == b"/a%2Fb%20c"
    call(seeing(seen), path="/a/b", RAW_URI="http://host:1/a%2Fb")  # absolute-form target
    assert seen["request"].raw_path == b"/a%2Fb"


def test_raw_path_without_request_uri_is_quoted_again_and_loses_escaped_slashes():
    seen = {}
    call(seeing(seen), path="/a/b c%")
    assert seen["request"].raw_path == b"/a/b%20c%25"


def test_a_request_uri_made_stale_by_a_path_rewrite_is_not_used():
    seen = {}
    call(seeing(seen), path="/rewritten", REQUEST_URI="/original")
    assert seen["request"].raw_path == b"/rewritten"


@pytest.mark.parametrize(
    "protocol, version",
    [("HTTP/1.0", "1.0"), ("HTTP/1.1", "1.1"), ("HTTP/2", "2"), ("HTTP/2.0", "2"), ("HTTP/3", "3")],
)
def test_http_version_from_server_protocol(protocol, version):
    seen = {}
    call(seeing(seen), SERVER_PROTOCOL=protocol)
    assert seen["request"].http_version == version


def test_scheme_from_wsgi_url_scheme():
    seen = {}
    call(seeing(seen), **{"wsgi.url_scheme": "https"})
    assert seen["request"].scheme == "https"


def test_body_is_bounded_by_content_length_without_input_terminated():
    seen = {}
    environ = environ_for(method="POST", body=b"abc")
    environ["wsgi.input"] = io.BytesIO(b"abc" + b"NEXT REQUEST")
    Called(to_wsgi(seeing(seen)), environ)
    assert seen["body"] == b"abc"


def test_body_is_read_to_the_end_with_input_terminated():
    seen = {}
    environ = environ_for(method="POST", HTTP_TRANSFER_ENCODING="chunked",
                          **{"wsgi.input_terminated": True})
    environ["wsgi.input"] = io.BytesIO(b"x" * 200000)  # chunked: no CONTENT_LENGTH
    Called(to_wsgi(seeing(seen)), environ)
    assert seen["body"] == b"x" * 200000
    assert seen["request"].content_length is None


@pytest.mark.parametrize("protocol", ["HTTP/1.1", "HTTP/1.0"])
def test_an_http1_request_without_length_or_coding_has_no_body_under_input_terminated(protocol):
    # gunicorn and mod_wsgi set wsgi.input_terminated on every request: without
    # Content-Length and Transfer-Encoding an HTTP/1.x request has no body (RFC 9112 6.3).
    seen = {}
    environ = environ_for(method="GET", SERVER_PROTOCOL=protocol, **{"wsgi.input_terminated": True})
    environ["wsgi.input"] = io.BytesIO(b"")
    Called(to_wsgi(seeing(seen)), environ)
    assert seen["body"] == b"" and seen["request"].content_length == 0


def test_an_http2_request_without_length_may_have_a_body_under_input_terminated():
    seen = {}
    environ = environ_for(method="POST", SERVER_PROTOCOL="HTTP/2", **{"wsgi.input_terminated": True})
    environ["wsgi.input"] = io.BytesIO(b"h2 body")
    Called(to_wsgi(seeing(seen)), environ)
    assert seen["body"] == b"h2 body" and seen["request"].content_length is None


def test_no_length_and_no_input_terminated_means_an_empty_body():
    seen = {}
    environ = environ_for(method="POST")
    environ["wsgi.input"] = io.BytesIO(b"must not be read")
    Called(to_wsgi(seeing(seen)), environ)
    assert seen["body"] == b"" and seen["request"].content_length == 0


def test_a_body_short_of_its_length_raises_client_disconnected():
    outcome = {}

    def app(request):
        try:
            request.body.read()
        except ClientDisconnected as exc:
            outcome["error"] = exc
        outcome["disconnected"] = request.disconnected
        return Response(b"")

    environ = environ_for(method="POST", CONTENT_LENGTH="100")
    environ["wsgi.input"] = io.BytesIO(b"short")
    Called(to_wsgi(app), environ)
    assert isinstance(outcome["error"], ClientDisconnected) and outcome["disconnected"] is True


def test_a_failing_read_of_wsgi_input_raises_client_disconnected():
    class Broken:
        def read(self, size=-1):
            raise OSError("connection reset")

    seen = {}

    def app(request):
        seen["before"] = request.disconnected
        with pytest.raises(ClientDisconnected):
            request.body.read()
        seen["after"] = request.disconnected
        return Response(b"")

    Called(to_wsgi(app), environ_for(method="POST", CONTENT_LENGTH="10", **{"wsgi.input": Broken()}))
    assert seen == {"before": False, "after": True}


def test_capabilities_are_all_false_without_early_hints():
    seen = {}
    call(seeing(seen))
    caps = seen["request"].capabilities
    assert not (caps.response_trailers or caps.early_hints or caps.push or caps.websocket)
    assert not caps.request_trailers
    assert seen["request"].send_informational(103, [("link", "</a>; rel=preload")]) is False


def test_early_hints_go_to_wsgi_early_hints():
    sent = []
    results = {}

    def app(request):
        results["caps"] = request.capabilities.early_hints
        results["103"] = request.send_informational(103, [("link", "</a.css>; rel=preload")])
        results["102"] = request.send_informational(102)
        return Response(b"")

    Called(to_wsgi(app), environ_for(**{"wsgi.early_hints": sent.append}))
    assert results == {"caps": True, "103": True, "102": False}
    assert sent == [[("link", "</a.css>; rel=preload")]]


def test_async_early_hints_run_in_the_wsgi_thread():
    threads = []

    async def app(request):
        assert await request.asend_informational(103, {"link": "</b>"})
        return Response(b"")

    def early_hints(headers):
        threads.append(threading.current_thread())

    Called(to_wsgi(app), environ_for(**{"wsgi.early_hints": early_hints}))
    assert threads == [threading.current_thread()]


# -- async applications on the private loop ----------------------------------------------------


def test_async_apps_run_on_one_private_loop_thread_and_read_through_the_wsgi_thread():
    seen = []
    readers = []

    class Input(io.BytesIO):
        def read(self, size=-1):
            readers.append(threading.current_thread())
            return super().read(size)

    async def app(request):
        seen.append((threading.current_thread().name, asyncio.get_running_loop()))
        body = await request.body.aread()
        return Response(body, content_type="text/plain")

    wsgi_app = validator(to_wsgi(app))
    for _ in range(2):
        environ = environ_for(method="POST", body=b"posted")
        environ["wsgi.input"] = Input(b"posted")
        assert Called(wsgi_app, environ).body == b"posted"
    assert [name for name, _ in seen] == ["wsging-wsgi-loop"] * 2
    assert seen[0][1] is seen[1][1]
    assert readers and set(readers) == {threading.current_thread()}


def test_async_body_is_pulled_through_the_private_loop_and_closed():
    events = []

    async def chunks():
        try:
            for part in (b"a", "b", b"c"):
                events.append(threading.current_thread().name)
                yield part
        finally:
            events.append("closed")

    async def app(request):
        return Response(chunks(), content_type="text/plain")

    called = call(app)
    assert called.body == b"abc"
    assert events == ["wsging-wsgi-loop"] * 3 + ["closed"]


def test_wait_disconnected_returns_when_the_request_is_over():
    finished = threading.Event()

    async def app(request):
        async def watch():
            await request.wait_disconnected()
            finished.set()

        app.task = asyncio.get_running_loop().create_task(watch())
        await asyncio.sleep(0)
        return Response(b"x")

    environ = environ_for()
    result = to_wsgi(app)(environ, lambda status, headers: None)
    assert list(result) == [b"x"]
    assert not finished.wait(0.2)  # WSGI tells no disconnects: the watcher waits...
    result.close()
    assert finished.wait(WAIT)  # ...until the request is over (spec 10.3)


class Failed:
    """One WSGI call of an application that fails before the head: what to_wsgi answered,
    what it wrote to wsgi.errors, and what completion callbacks heard."""

    def __init__(self, ng_app, **environ):
        self.outcomes = []
        environ = environ_for(**environ)
        environ["wsgi.errors"] = self.errors = io.StringIO()
        called = Called(validator(to_wsgi(ng_app)), environ)
        self.status, self.headers, self.body = called.status, dict(called.headers), called.body
        self.log = self.errors.getvalue()


def registering(outcomes, fail):
    """An application that registers a completion callback, then fails as `fail` does."""

    def app(request):
        request.on_complete(outcomes.append)
        return fail(request)

    return app


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_exception_before_the_head_is_a_500_without_its_text_and_is_logged(kind):
    def sync_app(request):
        raise ValueError("secret-marker")

    async def async_app(request):
        raise ValueError("secret-marker")

    failed = Failed(sync_app if kind == "sync" else async_app, path="/boom")
    assert failed.status == "500 Internal Server Error"
    assert failed.headers["content-type"].startswith("text/plain")
    assert failed.body == b"Internal Server Error\n" and b"secret" not in failed.body
    assert "GET /boom" in failed.log and "ValueError: secret-marker" in failed.log
    assert "Traceback" in failed.log


def test_completion_callbacks_hear_aborted_after_a_failure_before_the_head():
    outcomes = []

    def fail(request):
        raise RuntimeError("x")

    Failed(registering(outcomes, fail))
    assert outcomes == ["aborted"]


def test_client_disconnected_before_the_head_is_not_logged_as_an_application_error():
    outcomes = []

    def fail(request):
        raise ClientDisconnected("gone")

    failed = Failed(registering(outcomes, fail))
    assert failed.status.startswith("500") and failed.log == ""
    assert outcomes == ["client-gone"]


def test_a_head_the_container_refuses_is_replaced_by_a_500_given_with_exc_info():
    calls = []

    def start_response(status, headers, exc_info=None):
        calls.append((status, exc_info is not None and exc_info[0] is ValueError))
        if status.startswith("200"):
            raise ValueError("the container refuses this head")

    environ = environ_for()
    environ["wsgi.errors"] = errors = io.StringIO()
    body = to_wsgi(lambda request: Response(b"x", content_type="text/plain"))(environ, start_response)
    assert b"".join(body) == b"Internal Server Error\n"
    body.close()
    assert calls == [("200 OK", False), ("500 Internal Server Error", True)]
    assert "the container refuses this head" in errors.getvalue()


def test_a_500_as_the_first_head_is_given_without_exc_info():
    # uWSGI's start_response fails when given exc_info with no head set yet.
    heads = []

    def app(request):
        raise RuntimeError("x")

    environ = environ_for()
    environ["wsgi.errors"] = io.StringIO()
    body = to_wsgi(app)(environ, lambda status, headers: heads.append(status))
    assert heads == ["500 Internal Server Error"] and list(body) == [b"Internal Server Error\n"]


def test_system_exit_is_left_to_the_container():
    # A container's own process control (gunicorn's worker leaves with SystemExit).
    def app(request):
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        to_wsgi(app)(environ_for(), lambda status, headers, exc_info=None: None)


# -- table 15.3: Response -> start_response and the iterable ---------------------------------


@pytest.mark.parametrize("status, line", [(201, "201 Created"), (299, "299 Unknown"), (418, "418 I'm a Teapot")])
def test_status_line_has_a_reason_phrase(status, line):
    assert call(lambda request: Response(b"", status, content_type="x/y")).status == line


def test_headers_are_latin1_text_and_hop_by_hop_fields_are_dropped():
    response = Response(
        b"body",
        headers=[("X-Caf", b"caf\xe9"), ("Connection", "close"), ("Keep-Alive", "5"), ("X-B", "1")],
        content_type="text/plain",
    )
    called = call(lambda request: response)
    assert ("X-Caf", "caf\u00e9") in called.headers and ("X-B", "1") in called.headers
    assert not [name for name, _ in called.headers if name.lower() in ("connection", "keep-alive")]


def test_head_is_given_as_soon_as_the_app_returns():
    pulled = []

    def chunks():
        pulled.append(True)
        yield b"x"

    heads = []
    result = to_wsgi(lambda request: Response(chunks()))(
        environ_for(), lambda status, headers: heads.append(status)
    )
    assert heads == ["200 OK"] and not pulled
    assert list(result) == [b"x"]
    result.close()


def test_streamed_sync_body_and_str_chunks():
    def chunks():
        yield b"one "
        yield "two "
        yield bytearray(b"three")

    assert call(lambda request: Response(chunks(), content_type="text/plain")).body == b"one two three"


def test_close_closes_a_body_the_container_stops_early():
    closed = threading.Event()

    def chunks():
        try:
            while True:
                yield b"x"
        finally:
            closed.set()

    result = to_wsgi(lambda request: Response(chunks()))(environ_for(), lambda s, h: None)
    assert next(iter(result)) == b"x"
    result.close()
    assert closed.is_set()


def test_error_in_the_body_after_the_head_is_raised_by_the_iterable():
    def chunks():
        yield b"first"
        raise RuntimeError("after-head")

    result = to_wsgi(lambda request: Response(chunks()))(environ_for(), lambda s, h: None)
    iterator = iter(result)
    assert next(iterator) == b"first"
    with pytest.raises(RuntimeError, match="after-head"):
        next(iterator)
    result.close()


def test_trailers_callable_is_called_and_the_trailers_dropped():
    calls = []

    def trailers():
        calls.append(True)
        return {"x-checksum": "abc"}

    called = call(lambda request: Response(iter([b"a", b"b"]), trailers=trailers, content_type="x/y"))
    assert called.body == b"ab" and calls == [True]
    assert not [name for name, _ in called.headers if name.lower() == "x-checksum"]


def test_file_response_goes_to_the_containers_file_wrapper(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<p>hi</p>" * 1000)
    environ = environ_for(**{"wsgi.file_wrapper": FileWrapper})
    result = to_wsgi(lambda request: FileResponse(path))(environ, lambda s, h: None)
    assert isinstance(result, FileWrapper)
    assert b"".join(result) == path.read_bytes()
    result.close()


def test_file_response_without_a_file_wrapper_is_read_in_chunks(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"q" * 150000)
    environ = environ_for()
    environ.pop("wsgi.file_wrapper", None)
    called = Called(to_wsgi(lambda request: FileResponse(path)), environ)
    assert called.body == b"q" * 150000


def test_returning_something_else_than_a_response_is_a_500_naming_what_was_returned():
    failed = Failed(lambda request: "text")
    assert failed.status.startswith("500") and failed.body == b"Internal Server Error\n"
    assert "str is not a response" in failed.log


def test_a_websocket_acceptance_is_an_invalid_response_under_wsgi():
    # MUST-WS-8: no request under a WSGI host is an offer, so a 101 is never an acceptance
    from wsging import WebSocketOffer

    seen = []

    def app(request):
        seen.append(request.websocket)
        return WebSocketOffer().accept(lambda ws: None)

    failed = Failed(app)
    assert failed.status.startswith("500") and "not an offer" in failed.log
    assert seen == [None]


def test_lifespan_is_forwarded():
    def app(request):
        return Response(b"")

    app.lifespan = lambda: None
    assert to_wsgi(app).lifespan is app.lifespan


# -- through a real WSGI server ----------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def wsgiref_server(wsgi_app):
    server = make_server("127.0.0.1", 0, wsgi_app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


def fetch(port, method="GET", path="/", body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_served_by_wsgiref(kind):
    def sync_app(request):
        if request.path == "/fail":
            raise RuntimeError("served-failure")
        return Response(request.method.encode() + b" " + request.body.read(), content_type="text/plain")

    async def async_app(request):
        if request.path == "/fail":
            raise RuntimeError("served-failure")
        return Response(request.method.encode() + b" " + await request.body.aread(), content_type="text/plain")

    app = validator(to_wsgi(sync_app if kind == "sync" else async_app))
    stderr = sys.stderr
    sys.stderr = io.StringIO()  # wsgiref prints the traceback of /fail there
    try:
        with wsgiref_server(app) as port:
            assert fetch(port, "POST", "/", body=b"payload")[2] == b"POST payload"
            status, headers, body = fetch(port, "GET", "/fail")
            assert status == 500 and b"served-failure" not in body
            assert fetch(port)[2] == b"GET "
    finally:
        sys.stderr = stderr
