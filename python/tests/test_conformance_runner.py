"""The conformance runner against real HTTP servers from the standard library: wsgiref's
server hosting the conformance application through to_wsgi (an HTTP/1.0-style WSGI host
without WebSocket, trailers or HTTP/2), and a host that answers everything wrongly. Also the
generated table: grades and reasons only, the same for the same results."""

import json
import threading
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from wsging.conformance import http2
from wsging.conformance.__main__ import main
from wsging.conformance.app import app
from wsging.conformance.results import CheckFailed, Outcome
from wsging.conformance.runner import ALL_CHECKS, Row, grade, report_json, run_checks
from wsging.conformance.check import Check
from wsging.conformance.table import HEADER, render_markdown
from wsging.conformance.target import Target
from wsging.wsgi import to_wsgi


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def serving(wsgi_app):
    server = make_server("127.0.0.1", 0, wsgi_app, server_class=_ThreadingServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def wsgiref_url():
    with app.lifespan():  # a WSGI host has no lifespan: the hosting code enters it (spec 15.3)
        with serving(to_wsgi(app)) as url:
            yield url


def _grades(url, ids):
    checks = [check for check in ALL_CHECKS if check.id in ids]
    assert len(checks) == len(ids)
    return {check.id: outcome for check, outcome in run_checks(Target(url), checks)}


def test_a_wsgi_host_passes_what_it_carries(wsgiref_url) -> None:
    ids = ["request.method", "request.query", "request.root_path", "response.status",
           "response.bytes", "response.generator", "file.ranges", "state.per_request",
           "errors.before_head", "lifespan.entered", "body.content_length"]
    for check_id, outcome in _grades(wsgiref_url, ids).items():
        assert outcome.grade == "pass", (check_id, outcome)


def test_a_wsgi_host_degrades_what_it_lacks(wsgiref_url) -> None:
    grades = _grades(wsgiref_url, ["websocket.echo", "trailers.http1", "early_hints.http1",
                                   "response.head_first"])
    assert grades["websocket.echo"] == Outcome(
        "degraded", "websocket False: the offer reached the application as an ordinary request")
    assert grades["trailers.http1"] == Outcome(
        "degraded", "response_trailers False: trailers dropped, the callable still called")
    assert grades["early_hints.http1"].grade == "degraded"
    assert grades["response.head_first"].grade == "degraded"


def test_to_wsgi_passes_the_rows_it_once_failed(wsgiref_url) -> None:
    # a coroutine from a sync layer, an empty body's length 0, contextvars per request, not
    # a response and HEAD, under a real WSGI server (aread is sent chunked, which wsgiref's
    # HTTP/1.0 server does not read: python/tests/test_wsgi_to_wsgi_calls.py covers it)
    ids = ["app.async", "body.empty", "context.per_request",
           "errors.not_a_response", "response.head_method", "errors.before_head"]
    for check_id, outcome in _grades(wsgiref_url, ids).items():
        assert outcome.grade == "pass", (check_id, outcome)


def test_a_wsgi_container_that_cannot_abort_a_body_is_degraded(wsgiref_url) -> None:
    # wsgiref sends a close-delimited body and closes cleanly after the body raised.
    outcome = _grades(wsgiref_url, ["errors.after_head"])["errors.after_head"]
    assert outcome.grade == "degraded" and "WSGI container" in outcome.reason


def _not_a_wsgi_container(inner):
    """The conformance application under wsgiref, but saying (in /request) that it is hosted
    by a server, not a WSGI container: the same behaviour must then fail."""

    def application(environ, start_response):
        if environ.get("PATH_INFO") != "/request":
            return inner(environ, start_response)

        def without_length(status, headers, exc_info=None):  # the body changes below
            kept = [(n, v) for n, v in headers if n.lower() != "content-length"]
            return start_response(status, kept, exc_info)

        result = inner(environ, without_length)
        try:
            body = b"".join(result)
        finally:
            result.close()
        facts = json.loads(body)
        assert facts["interface"] == "wsgi"
        facts["interface"] = "server"
        return [json.dumps(facts).encode()]

    return application


def test_an_abort_not_shown_fails_on_a_host_that_is_not_a_wsgi_container() -> None:
    with app.lifespan():
        with serving(_not_a_wsgi_container(to_wsgi(app))) as url:
            outcome = _grades(url, ["errors.after_head"])["errors.after_head"]
    assert outcome.grade == "fail" and "looks whole" in outcome.reason


def test_http2_rows_are_not_offered_by_a_host_without_http2(wsgiref_url) -> None:
    outcome = _grades(wsgiref_url, ["http2.request"])["http2.request"]
    if http2.AVAILABLE:
        assert outcome.grade == "n/a" and "HTTP/2" in outcome.reason
    else:
        assert outcome == Outcome("not checked", "needs h2")


def _wrong(environ, start_response):
    """Answers every request with the same JSON, whatever was asked."""
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"method": "WRONG", "loop_visible": True}).encode()]


def test_a_host_that_answers_wrongly_fails_with_a_reason(tmp_path) -> None:
    with serving(_wrong) as url:
        out = tmp_path / "results.json"
        status = main([url, "--only", "request.method", "--only", "app.sync", "--json", str(out),
                       "--host", "wrong"])
        results = json.loads(out.read_text())
    assert status == 1
    assert results["host"] == "wrong" and results["failed"] == 2
    reasons = {row["id"]: row["reason"] for row in results["results"]}
    assert reasons["request.method"] == "request.method is 'WRONG' for GET"
    assert "MUST-APP-1" in reasons["app.sync"]


def test_a_host_that_is_not_there_fails_every_check() -> None:
    with serving(_wrong) as url:
        pass  # the port is free again
    outcome = _grades(url, ["request.method"])["request.method"]
    assert outcome.grade == "fail" and outcome.reason.startswith("connection error")


def test_exit_status_is_zero_when_nothing_fails(wsgiref_url, capsys) -> None:
    assert main([wsgiref_url, "--only", "request.method", "--only", "websocket.refusal"]) == 0
    table = capsys.readouterr().out
    assert "request.method as received" in table and "1 pass, 1 degraded" in table


def test_a_check_that_raises_is_that_row_failing() -> None:
    def broken(target):
        raise KeyError("surprise")

    def refused(target):
        raise CheckFailed("a reason\nover two lines")

    target = Target("http://127.0.0.1:9")
    assert grade(Check("x", "x", "0", broken), target) == Outcome("fail", "KeyError: 'surprise'")
    assert grade(Check("y", "y", "0", refused), target) == Outcome("fail", "a reason over two lines")


def test_urls_the_runner_takes() -> None:
    target = Target("http://127.0.0.1:8000/mount/")
    assert (target.host, target.port, target.prefix) == ("127.0.0.1", 8000, "/mount")
    assert target.path("/request") == "/mount/request"
    with pytest.raises(ValueError):
        Target("ftp://127.0.0.1/")


def test_the_table_holds_grades_and_reasons_only() -> None:
    rows = [(check, Outcome("pass")) for check in ALL_CHECKS]
    rows[0] = (ALL_CHECKS[0], Outcome("degraded", "why it degrades"))
    first = report_json([Row(check, outcome) for check, outcome in rows], "alpha")
    results = [first, {"host": "beta", "error": "waiting for something"}]
    text = render_markdown(results, {"alpha": "how alpha runs"})
    assert text.startswith(HEADER)
    assert text == render_markdown(json.loads(json.dumps(results)), {"alpha": "how alpha runs"})
    header_line = next(line for line in text.splitlines() if line.startswith("| feature"))
    assert header_line == "| feature | spec | alpha | beta |"
    assert f"| {ALL_CHECKS[0].feature} | {ALL_CHECKS[0].section} | degraded | \u2014 |" in text
    assert f"- **degraded**: why it degrades ({ALL_CHECKS[0].feature})" in text
    assert "Not run: waiting for something." in text
