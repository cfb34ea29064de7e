"""request.root_path through the WSGI shims: SCRIPT_NAME and PATH_INFO (spec 5.1, 15.2)."""

import io
from wsgiref.util import setup_testing_defaults

import pytest

from wsging import Request, Response
from wsging.worker.runtime import WorkerConfig
from wsging.wsgi import from_wsgi, to_wsgi


def environ_seen(raw_path, root_path):
    seen = {}

    def wsgi_app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    response = from_wsgi(wsgi_app)(Request("GET", raw_path, root_path=root_path))
    assert response.status == 200
    for _ in response.body:
        pass
    return seen["SCRIPT_NAME"], seen["PATH_INFO"]


@pytest.mark.parametrize(
    "raw_path, root_path, expected",
    [
        (b"/app/hello", "/app", ("/app", "/hello")),
        (b"/app", "/app", ("/app", "")),
        (b"/app/", "/app", ("/app", "/")),
        (b"/apple", "/app", ("", "/apple")),  # a prefix of the name is not the mount
        (b"/other/x", "/app", ("", "/other/x")),  # outside the mount: the whole path
        (b"/a/b/c", "/a/b", ("/a/b", "/c")),
        (b"/caf%C3%A9/x", "/caf\u00e9", ("/caf\u00c3\u00a9", "/x")),  # PEP 3333 bytes as str
        (b"/app/x", "", ("", "/app/x")),
    ],
)
def test_from_wsgi_splits_the_path_at_the_root_path(raw_path, root_path, expected):
    assert environ_seen(raw_path, root_path) == expected


def test_flask_url_for_includes_the_root_path():
    import flask  # pinned in scripts/requirements-test.txt
    app = flask.Flask(__name__)

    @app.route("/hello")
    def hello():
        return flask.url_for("hello") + " " + flask.request.path

    ng = from_wsgi(app)
    response = ng(Request("GET", b"/app/hello", root_path="/app", headers=[(b"host", b"h")]))
    assert b"".join(response.body) == b"/app/hello /hello"


def test_to_wsgi_gives_script_name_as_root_path():
    seen = {}

    def app(request):
        seen["request"] = request
        return Response(b"ok")

    environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "/caf\u00c3\u00a9/", "PATH_INFO": "x",
               "QUERY_STRING": "", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    result = to_wsgi(app)(environ, lambda status, headers, exc_info=None: None)
    b"".join(result)
    request = seen["request"]
    assert request.root_path == "/caf\u00e9"
    assert request.path == "/caf\u00e9/x"


def test_request_state_survives_a_wsgi_layer_that_changes_the_environ():
    seen = {}

    def inner(request):
        seen["state"] = request.state
        return Response(b"ok")

    wsgi_inner = to_wsgi(inner)

    def rewriting_layer(environ, start_response):
        environ["HTTP_X_ADDED"] = "1"  # the environ is no longer what from_wsgi built
        return wsgi_inner(environ, start_response)

    outer_request = Request("GET", b"/")
    outer_request.state["auth.user"] = "ann"
    response = from_wsgi(rewriting_layer)(outer_request)
    b"".join(response.body)
    assert seen["state"] is outer_request.state


@pytest.mark.parametrize("value, expected", [("", ""), ("/app", "/app")])
def test_worker_reads_its_root_path(value, expected):
    env = {"WSGING_LINK": "/l", "WSGING_APP": "m:a", "WSGING_ROOT_PATH": value}
    assert WorkerConfig.from_env(env).root_path == expected


@pytest.mark.parametrize("value", ["app", "/app/"])
def test_worker_refuses_a_malformed_root_path(value):
    env = {"WSGING_LINK": "/l", "WSGING_APP": "m:a", "WSGING_ROOT_PATH": value}
    with pytest.raises(ValueError, match="WSGING_ROOT_PATH"):
        WorkerConfig.from_env(env)
