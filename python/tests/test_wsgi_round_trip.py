"""Stacks of the two WSGI shims (spec 15): `wsging.request` makes from_wsgi(to_wsgi(app))
lossless, a WSGI layer between them is respected, and to_wsgi(from_wsgi(wsgi_app)) is a WSGI
application again."""

import io
import threading
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

from wsging import Request, Response
from wsging.testing import TestClient
from wsging.wsgi import from_wsgi, to_wsgi

WAIT = 10


def test_sync_round_trip_hands_over_the_same_request_and_response():
    seen = {}

    def app(request):
        seen["request"] = request
        seen["response"] = Response(b"x", trailers={"x-t": "1"})
        return seen["response"]

    request = Request("GET", b"/a%2Fb", headers=[(b"X-Case", b"kept")])
    assert from_wsgi(to_wsgi(app))(request) is seen["response"]
    assert seen["request"] is request


def test_sync_round_trip_keeps_what_wsgi_cannot_carry():
    def app(request):
        hinted = request.send_informational(103, {"link": "</s.css>; rel=preload"})
        return Response(
            request.raw_path + b" " + request.headers.raw[1][0] + b" " + str(hinted).encode(),
            trailers={"x-checksum": "ok"},
            headers=[("Connection", "close")],  # a hop-by-hop field WSGI would drop
        )

    with TestClient(from_wsgi(to_wsgi(app))) as client:
        # TE: trailers, or the server would not carry trailers to this client (7.6).
        response = client.get("/a%2Fb", headers=[("X-Mixed-Case", "1"), ("TE", "trailers")])
    assert response.body == b"/a%2Fb X-Mixed-Case True"
    assert response.trailers["x-checksum"] == "ok"
    assert response.informational[0][0] == 103
    assert response.headers.get("connection") == "close"


def test_async_round_trip_keeps_the_request_and_relays_its_body_and_hints():
    seen = {}

    async def app(request):
        seen["attrs"] = (request.raw_path, request.headers.raw, request.client, request.http_version)
        seen["caps"] = (request.capabilities.early_hints, request.capabilities.response_trailers)
        seen["thread"] = threading.current_thread().name
        hinted = await request.asend_informational(103, {"link": "</a.js>; rel=preload"})
        body = await request.body.aread()
        return Response(body + b" " + str(hinted).encode())

    with TestClient(from_wsgi(to_wsgi(app))) as client:
        stream = client.stream("POST", "/up%2Fload", headers=[("X-Mixed-Case", "1")])
        stream.send(b"part one, ")
        stream.send(b"part two", end=True)
        response = stream.response()
    assert response.body == b"part one, part two True"
    assert response.informational[0][0] == 103
    raw_path, raw_headers, client_address, version = seen["attrs"]
    assert raw_path == b"/up%2Fload" and (b"X-Mixed-Case", b"1") in raw_headers
    assert client_address == ("testclient", 50000) and version == "1.1"
    # Trailers cannot pass the WSGI layer between, so the capability is not claimed (10.1).
    assert seen["caps"] == (True, False)
    assert seen["thread"] == "wsging-wsgi-loop"


def test_a_wsgi_layer_that_changes_the_environ_is_respected():
    seen = {}

    def app(request):
        seen["path"] = request.path
        seen["header"] = request.headers.get("x-added")
        return Response(b"")

    def rewrite(wsgi_app):
        def layer(environ, start_response):
            environ = dict(environ, PATH_INFO="/rewritten", HTTP_X_ADDED="yes")
            return wsgi_app(environ, start_response)

        return layer

    with TestClient(from_wsgi(rewrite(to_wsgi(app)))) as client:
        assert client.get("/original").status == 200
    assert seen == {"path": "/rewritten", "header": "yes"}


def test_a_wsgi_layer_that_changes_the_head_gets_its_head():
    def app(request):
        return Response(b"inner", headers={"x-inner": "1"})

    def stamp(wsgi_app):
        def layer(environ, start_response):
            def start(status, headers, exc_info=None):
                return start_response(status, headers + [("X-Layer", "1")], exc_info)

            return wsgi_app(environ, start)

        return layer

    with TestClient(from_wsgi(stamp(to_wsgi(app)))) as client:
        response = client.get("/")
    assert response.body == b"inner"
    assert (response.headers["x-inner"], response.headers["x-layer"]) == ("1", "1")


def test_wsgi_app_through_both_shims_is_a_wsgi_app_again():
    def wsgi_app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Path", environ["PATH_INFO"])])
        return [environ["REQUEST_METHOD"].encode(), b" ", body]

    wrapped = validator(to_wsgi(from_wsgi(validator(wsgi_app))))
    environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/p q",
               "QUERY_STRING": "", "CONTENT_LENGTH": "4", "wsgi.input": io.BytesIO(b"data")}
    setup_testing_defaults(environ)
    heads = []
    result = wrapped(environ, lambda status, headers, exc_info=None: heads.append((status, headers)))
    try:
        assert b"".join(result) == b"POST data"
    finally:
        result.close()
    status, headers = heads[0]
    assert status == "200 OK" and ("X-Path", "/p q") in headers
