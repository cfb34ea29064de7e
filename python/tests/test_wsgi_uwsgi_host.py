"""to_uwsgi outside uWSGI (spec 15.3): it is to_wsgi, without WebSocket. Under uWSGI it is
tested with the real container in tests/hosts/wsgi."""

import io
import sys

import pytest

from wsging import Response
from wsging.wsgi import to_uwsgi


def environ(**extra):
    base = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/ws", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "HTTP_UPGRADE": "websocket", "HTTP_CONNECTION": "Upgrade", "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    base.update(extra)
    return base


def test_outside_uwsgi_there_is_no_websocket_offer():
    assert "uwsgi" not in sys.modules
    seen = []

    def app(request):
        seen.append((request.websocket, request.capabilities.websocket))
        return Response("fallback")

    heads = []
    body = to_uwsgi(app)(environ(), lambda status, headers: heads.append(status))
    assert b"".join(body) == b"fallback" and heads == ["200 OK"]
    assert seen == [(None, False)]


def test_outside_uwsgi_a_101_is_refused():
    from wsging import WebSocketOffer

    heads = []
    errors = io.StringIO()
    wsgi_environ = {**environ(), "wsgi.errors": errors}
    app = to_uwsgi(lambda request: WebSocketOffer().accept(lambda ws: None))
    body = app(wsgi_environ, lambda status, headers, exc_info=None: heads.append(status))
    assert heads == ["500 Internal Server Error"] and b"".join(body) == b"Internal Server Error\n"
    assert "InvalidResponse" in errors.getvalue() and "not an offer" in errors.getvalue()


def test_lifespan_is_forwarded():
    def app(request):
        return Response("x")

    app.lifespan = object()
    assert to_uwsgi(app).lifespan is app.lifespan
