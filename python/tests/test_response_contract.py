"""The worker serves any object satisfying the response contract (spec 7.8), reads responses
through their public attributes only, and ends every request it cannot answer as asked."""

import re
from pathlib import Path

import pytest

import wsging
from wsging import Response
from wsging.testing import TestClient

WORKER = Path(__file__).resolve().parents[1] / "src" / "wsging" / "worker"


class Plain:
    """A response class of the application's own, knowing nothing of wsging."""

    def __init__(self, status, headers, body, **extra):
        self.status, self.headers, self.body = status, headers, body
        self.__dict__.update(extra)


def _both(make):
    def sync_app(request):
        return make(request)

    async def async_app(request):
        return make(request)

    return [sync_app, async_app]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_foreign_response_is_served(kind):
    app = _both(lambda request: Plain(201, [("x-own", "yes")], b"own object"))[kind == "async"]
    with TestClient(app) as client:
        response = client.get("/")
    assert (response.status, response.body) == (201, b"own object")
    assert response.headers["x-own"] == "yes" and response.headers["content-length"] == "10"
    assert "content-type" not in response.headers  # the host adds framing only


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_foreign_streams_and_trailers(kind):
    async def achunks():
        yield b"a"
        yield "b"

    def make(request):
        if request.path == "/sync":
            return Plain(200, {}, (c for c in [b"x", "y"]), trailers=lambda: [("x-sum", "2")])
        return Plain(200, None, achunks(), trailers={"x-sum": "1"})

    app = _both(make)[kind == "async"]
    with TestClient(app) as client:
        streamed = client.get("/sync", headers={"te": "trailers"})
        asynced = client.get("/async", headers={"te": "trailers"})
    assert streamed.body == b"xy" and streamed.trailers["x-sum"] == "2"
    assert asynced.body == b"ab" and asynced.trailers["x-sum"] == "1"
    assert asynced.headers["trailer"] == "x-sum"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_foreign_object_that_breaks_the_contract_is_a_500_naming_why(kind, caplog):
    closed = []

    class Body:
        def __iter__(self):
            return iter([b"never"])

        def close(self):
            closed.append(True)

    app = _both(lambda request: Plain(200, [("x", "a\r\nb")], Body()))[kind == "async"]
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500 and response.text == "Internal Server Error"
    assert any(
        "invalid response for GET /" in r.getMessage() and "value of header 'x'" in r.getMessage()
        for r in caplog.records
    )
    assert closed == [True]  # its body is released, never pulled


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_head_the_link_cannot_carry_is_a_500_and_the_stream_ends(kind, caplog):
    app = _both(lambda request: Response(b"x", 200, [("x-huge", "a" * 70000)]) if request.path == "/huge" else Response(b"ok"))[kind == "async"]
    with TestClient(app, threads=2, timeout=10, raise_server_exceptions=False) as client:
        for _ in range(8):  # more than the worker's streams: none of them may stay open
            assert client.get("/huge").status == 500
        assert client.get("/").body == b"ok"
    assert any("longer than 65535 bytes" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_large_body_whose_head_the_link_cannot_carry_is_a_500_too():
    body = b"b" * 40000  # past the size copied into one frame
    app = lambda request: Response(body, 200, [("x-huge", "a" * 70000)])  # noqa: E731
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status == 500


def test_the_request_carries_the_hosts_contract_version():
    with TestClient(lambda request: Response(repr(request.spec_version))) as client:
        assert client.get("/").text == repr(wsging.SPEC_VERSION) == "(1, 0)"


def test_the_worker_reads_responses_through_public_attributes_only():
    private = re.compile(r"\.(_kind|_data|_file|_resolve_trailers|_status|_headers|_raw|_body)\b")
    for source in sorted(WORKER.glob("*.py")):
        found = [line for line in source.read_text().splitlines() if private.search(line)]
        assert not found, f"{source.name}: {found}"


def test_to_wsgi_hosts_a_foreign_response_too():
    from wsgiref.util import setup_testing_defaults

    from wsging.wsgi import to_wsgi

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": ""}
    setup_testing_defaults(environ)
    head = {}
    wsgi_app = to_wsgi(lambda request: Plain(202, {"x-own": "1"}, iter([b"a", "b"])))
    result = wsgi_app(environ, lambda status, headers, exc_info=None: head.update(status=status, headers=headers))
    try:
        assert b"".join(result) == b"ab"
    finally:
        result.close()
    assert head["status"] == "202 Accepted" and ("x-own", "1") in head["headers"]


def test_the_package_objects_satisfy_the_contract_protocols():
    from wsging import Body, Capabilities, Headers, Request
    from wsging.api.contract import BodyLike, CapabilitiesLike, HeadersLike, RequestLike, ResponseLike

    assert isinstance(Response(b""), ResponseLike)
    assert isinstance(Plain(200, [], b""), ResponseLike)
    assert not isinstance("text", ResponseLike)
    request = Request()
    assert isinstance(request, RequestLike)
    assert isinstance(Headers(), HeadersLike)
    assert isinstance(Body(b""), BodyLike)
    assert isinstance(Capabilities(), CapabilitiesLike)
    assert request.spec_version == wsging.SPEC_VERSION


@pytest.mark.parametrize("body", ["generator", "list"])
def test_a_trailer_the_link_cannot_carry_resets_the_stream_and_the_link_lives_on(body):
    def app(request):
        chunks = (c for c in [b"a"]) if body == "generator" else [b"a"]
        return Response(chunks, trailers=lambda: [("x-big", "b" * 70000)])

    with TestClient(app, timeout=10) as client:
        for _ in range(3):
            response = client.get("/", headers={"te": "trailers"})
            assert response.status == 200 and response.reset == 2  # INTERNAL_ERROR (A.7)
            assert response.trailers is None


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_informational_response_the_link_cannot_carry_is_dropped(kind):
    huge = [("link", "<" + "l" * 70000 + ">")]

    def sync_app(request):
        return Response(str(request.send_informational(103, huge)))

    async def async_app(request):
        return Response(str(await request.asend_informational(103, huge)))

    with TestClient(sync_app if kind == "sync" else async_app, timeout=10) as client:
        for _ in range(3):
            response = client.get("/")
            assert response.status == 200 and response.informational == []
    # A sync call hands the hint over before it is encoded, so it reports it as sent (7.7).
    assert response.text == ("True" if kind == "sync" else "False")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_subclass_whose_body_breaks_the_contract_is_a_500(kind, caplog):
    class Odd(Response):
        @property  # type: ignore[override]
        def body(self):
            return 42

    app = _both(lambda request: Odd(iter([b"x"])))[kind == "async"]
    with TestClient(app, timeout=10, raise_server_exceptions=False) as client:
        assert client.get("/").status == 500
        assert client.get("/").status == 500
    assert any("file, not int" in r.getMessage() for r in caplog.records)


def test_a_slice_names_the_file_it_opened_even_once_its_path_names_another(tmp_path):
    # The front end refuses another file at the path (MUST-FILE-2): the worker must report the
    # file the slice reads, not whatever the path names when the response is handed over.
    import os

    from wsging import FileResponse
    from wsging.worker.outgoing import file_reference

    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789")
    opened = os.stat(path)
    response = FileResponse(path, offset=2, length=5)
    try:
        replacement = tmp_path / "new.bin"
        replacement.write_bytes(b"replaced content")
        os.replace(replacement, path)
        assert os.stat(path).st_ino != opened.st_ino
        reference = file_reference(response, ascii_only=False)
        assert reference == (os.fsencode(str(path)), 2, 5, opened.st_dev, opened.st_ino)
    finally:
        response.body.close()  # type: ignore[union-attr]
