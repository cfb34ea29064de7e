"""Checks of what happens around the response (spec 11): application errors, a client that
leaves, the request's context and state, completion callbacks and the lifespan."""

from __future__ import annotations

from .check import Check
from .endpoints_response import SECRET
from .http1 import Http1Response
from .results import Outcome, degraded, expect, fail_now, passed
from .target import Target, new_token

__all__ = ["CHECKS"]


def _still_serving(target: Target, after: str) -> None:
    response = target.request("GET", "/status?code=200")
    expect(response.status == 200, f"the host did not serve the next request after {after}")


def _no_leak(response: Http1Response, what: str) -> None:
    body = response.body.decode("latin-1")
    expect(SECRET not in body, f"{what}: the exception text reached the client (MUST-ERR-3)")
    expect("Traceback" not in body, f"{what}: a traceback reached the client (MUST-ERR-3)")


def error_before_head(target: Target) -> Outcome:
    response = target.request("GET", "/error/before-head")
    expect(response.status == 500, f"an exception before the head gave {response.status}, not 500")
    _no_leak(response, "an exception before the head")
    _still_serving(target, "an application exception")
    return passed()


def error_after_head(target: Target) -> Outcome:
    response = target.request("GET", "/error/after-head")
    expect(response.status == 200, f"/error/after-head answered {response.status}")
    _no_leak(response, "an exception in the body")
    _still_serving(target, "a body that raised")
    if not response.complete:
        return passed()
    expect(target.wsgi_container(),
           "a body that raised ended as a complete message: a truncated body looks whole (7.5)")
    # The shim raised the error to the container, which then ended the message itself.
    return degraded("the WSGI container ended the response as complete after the body raised: "
                    "it offers the application no way to abort a response (spec 10.2)")


def not_a_response(target: Target) -> Outcome:
    response = target.request("GET", "/error/not-a-response")
    expect(response.status == 500, f"returning a dict gave {response.status}, not 500 (MUST-APP-2)")
    _still_serving(target, "an invalid response")
    return passed()


def disconnect(target: Target) -> Outcome:
    token = new_token()
    with target.connect() as connection:
        connection.send_head("GET", target.path(f"/disconnect?token={token}"))
        response = Http1Response()
        connection.read_head(response)
        expect(response.status == 200, f"/disconnect answered {response.status}")
        connection.reader.readline()  # the first chunk's size line or its bytes: it streams
    facts = target.recorded(token, "closed", wait=8.0)
    if not facts.get("closed"):
        fail_now("the stream was still pulled 8 s after its client left (7.4, MUST-DISC-4)")
    if facts.get("disconnected"):
        return passed()
    return degraded("no disconnect notice: the body was closed when a write failed, "
                    "request.disconnected still False (spec 10.3)")


def context(target: Target) -> Outcome:
    # Requests one after the other, kept alive on one connection where the host lets it.
    connection = target.connect()
    try:
        # More requests than a host has threads: some thread serves two of them.
        for token in [f"r{i}" for i in range(8)]:
            try:
                response = connection.request("GET", target.path(f"/context?token={token}"))
            except EOFError:  # the host closed the idle connection: go on with a new one
                connection.close()
                connection = target.connect()
                response = connection.request("GET", target.path(f"/context?token={token}"))
            expected = f"start=None\nfirst-pull={token}\nlast-pull={token}\n".encode()
            expect(response.body.startswith(b"start=None\n"),
                   "a context variable set by one request was seen by a later one (MUST-CTX-2)")
            expect(response.body == expected,
                   f"a context variable was lost between pulls of the body: {response.body!r} (MUST-CTX-1)")
            if response.closes:
                connection.close()
                connection = target.connect()
    finally:
        connection.close()
    return passed()


def state(target: Target) -> Outcome:
    for _ in range(2):
        facts = target.json("GET", "/state")
        expect(facts.get("initial") == {}, "request.state was not empty at the application (MUST-REQ-4)")
        expect(facts.get("shared") is True, "request.state is not shared by a replace() copy")
    return passed()


def completion(target: Target) -> Outcome:
    token = new_token()
    response = target.request("GET", f"/complete?token={token}")
    expect(response.status == 200 and response.body == b"complete;soon", "/complete answered wrongly")
    outcome = target.recorded(token, "outcome").get("outcome")
    expect(outcome == "completed", f"the completion callback saw {outcome!r}, not 'completed' (MUST-DONE-1)")
    return passed()


def lifespan(target: Target) -> Outcome:
    facts = target.json("GET", "/lifespan")
    expect(facts.get("entered") is True, "the application's lifespan was not entered (MUST-LIFE-1)")
    return passed()


CHECKS = [
    Check("errors.before_head", "exception before the head: 500, no traceback", "11.3", error_before_head),
    Check("errors.after_head", "exception in the body: aborted, not complete", "11.3", error_after_head),
    Check("errors.not_a_response", "not a response: 500", "4.1", not_a_response),
    Check("disconnect.notice", "client gone: body closed, disconnected", "11.1", disconnect),
    Check("context.per_request", "contextvars per request, kept across pulls", "11.6", context),
    Check("state.per_request", "request.state per request, shared by copies", "12.3", state),
    Check("completion.callback", "on_complete called with 'completed'", "11.7", completion),
    Check("lifespan.entered", "lifespan entered before serving", "11.4", lifespan),
]
