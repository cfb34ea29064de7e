"""Checks of responses (spec 7): statuses, repeated fields, every body kind, the head before
the body, responses without a body, files and ranges, trailers and 103 Early Hints."""

from __future__ import annotations

import json
import time

from .check import Check
from .endpoints_response import CHUNKS, FILE_BYTES
from .http1 import Connection, Http1Response
from .results import Outcome, degraded, expect, failed, passed
from .target import Target, new_token

__all__ = ["CHECKS"]

STREAMED = b"".join(CHUNKS)


def status(target: Target) -> Outcome:
    for code in (201, 299, 404, 503):
        response = target.request("GET", f"/status?code={code}")
        expect(response.status == code, f"status {code} was sent as {response.status}")
        expect(response.body == b"status", f"the body of the {code} differs")
    return passed()


def repeated_headers(target: Target) -> Outcome:
    response = target.request("GET", "/headers")
    cookies = response.header_all("set-cookie")
    expect(cookies == ["a=1; Path=/", "b=2; Path=/"], f"set-cookie fields arrived as {cookies!r}")
    multi = response.header_all("x-conf-multi")
    expect(multi in (["first", "second"], ["first, second"]), f"x-conf-multi arrived as {multi!r}")
    return passed()


def _body(target: Target, endpoint: str, expected: bytes) -> Http1Response:
    response = target.request("GET", endpoint)
    expect(response.status == 200, f"{endpoint} answered {response.status}")
    expect(response.complete, f"{endpoint}: the body was cut short")
    expect(response.body == expected, f"{endpoint}: the body differs from the one returned")
    return response


def bytes_body(target: Target) -> Outcome:
    response = _body(target, "/bytes", STREAMED)
    length = response.header("content-length")
    expect(length is None or length == str(len(STREAMED)), f"content-length {length} for {len(STREAMED)} bytes")
    return passed()


def str_body(target: Target) -> Outcome:
    response = _body(target, "/str", "caf\u00e9 \u2713".encode("utf-8"))
    kind = (response.header("content-type") or "").replace(" ", "").lower()
    expect(kind == "text/plain;charset=utf-8", f"content-type {kind!r} for a str body")
    return passed()


def generator_body(target: Target) -> Outcome:
    _body(target, "/generator", STREAMED)
    return passed()


def async_generator_body(target: Target) -> Outcome:
    _body(target, "/async-generator", STREAMED)
    return passed()


def file_object_body(target: Target) -> Outcome:
    _body(target, "/file-object", STREAMED)
    return passed()


def head_before_body(target: Target) -> Outcome:
    """The first chunk takes 1.5 s: the head must not wait for it (MUST-RESP-4)."""
    with target.connect() as connection:
        connection.send_head("GET", target.path("/late-chunk"))
        response = Http1Response()
        connection.read_head(response)
        head_at = time.monotonic()
        connection.read_body(response)
        body_at = time.monotonic()
    expect(response.status == 200 and response.body == b"late", "/late-chunk answered wrongly")
    if body_at - head_at >= 0.5:
        return passed()
    return degraded("the head waited for the first body chunk (as spec 10.2 lets WSGI containers do)")


def _nothing_after(connection: Connection, response: Http1Response, target: Target, what: str) -> None:
    """No body bytes followed a head that has none: the connection's next response parses
    (or, when the host closes it, nothing at all came)."""
    if response.closes:
        expect(connection.at_eof(2.0), f"bytes followed the head of {what}")
        return
    try:
        follow = connection.request("GET", target.path("/status?code=200"))
    except (EOFError, ConnectionResetError, BrokenPipeError):
        # The host closed the connection after the head, unannounced (uWSGI does after a
        # response it cannot frame for keep-alive): nothing was sent after it (RFC 9112 9.3.1).
        # The next request, sent before the close reached this side, may meet a reset.
        return
    expect(follow.status == 200 and follow.body == b"status",
           f"the response after {what} did not parse: a body was sent with it")


def head_method(target: Target) -> Outcome:
    with target.connect() as connection:
        response = connection.request("HEAD", target.path("/bytes"))
        expect(response.status == 200, f"HEAD answered {response.status}")
        length = response.header("content-length")
        expect(length in (None, str(len(STREAMED))), f"HEAD's content-length is {length}")
        _nothing_after(connection, response, target, "HEAD")
    return passed()


def no_body_statuses(target: Target) -> Outcome:
    for code in (204, 304):
        with target.connect() as connection:
            response = connection.request("GET", target.path(f"/no-body?code={code}"))
            expect(response.status == code, f"{code} was sent as {response.status}")
            _nothing_after(connection, response, target, f"a {code}")
    return passed()


def whole_file(target: Target) -> Outcome:
    response = _body(target, "/file", FILE_BYTES)
    expect(response.header("content-length") == str(len(FILE_BYTES)), "a file sent without its length")
    return passed()


def ranges(target: Target) -> Outcome:
    size = len(FILE_BYTES)
    cases = [("bytes=100-199", 206, f"bytes 100-199/{size}", FILE_BYTES[100:200]),
             ("bytes=-10", 206, f"bytes {size - 10}-{size - 1}/{size}", FILE_BYTES[-10:]),
             (f"bytes={size * 2}-", 416, f"bytes */{size}", None)]
    for spec, code, content_range, expected in cases:
        response = target.request("GET", "/file-range", headers=[("Range", spec)])
        expect(response.status == code, f"Range {spec} answered {response.status}, not {code}")
        expect(response.header("content-range") == content_range,
               f"Range {spec}: content-range {response.header('content-range')!r}")
        if expected is not None:
            expect(response.complete and response.body == expected, f"Range {spec}: wrong bytes")
    whole = target.request("GET", "/file-range")
    etag = whole.header("etag")
    expect(whole.status == 200 and whole.body == FILE_BYTES and etag, "the whole file or its etag is wrong")
    again = target.request("GET", "/file-range", headers=[("If-None-Match", str(etag))])
    expect(again.status == 304 and again.body == b"", f"If-None-Match answered {again.status}, not 304")
    return passed()


def trailers(target: Target) -> Outcome:
    token = new_token()
    response = target.request("GET", f"/trailers?token={token}", headers=[("TE", "trailers")])
    expect(response.status == 200 and response.complete and response.body == STREAMED,
           "the body of a response with trailers is wrong")
    capability = response.header("x-conf-capability")
    got = [(name.lower(), value) for name, value in response.trailers or []]
    if capability == "true":
        expect(("x-conf-trailer", "done") in got,
               "response_trailers is True but the trailer did not arrive (MUST-RESP-10)")
        return passed()
    expect(not got, "trailers were sent although response_trailers is False (MUST-RESP-11)")
    called = target.recorded(token, "trailers_called").get("trailers_called")
    expect(called, "the trailers callable was not called where trailers are dropped (7.6)")
    return degraded("response_trailers False: trailers dropped, the callable still called")


def early_hints(target: Target) -> Outcome:
    response = target.request("GET", "/early-hints")
    expect(response.status == 200, f"/early-hints answered {response.status}")
    facts = json.loads(response.body)
    hints = [fields for status, fields in response.informational if status == 103]
    if facts.get("sent"):
        expect(facts.get("capability") is True, "send_informational returned True without early_hints")
        expect(hints, "send_informational returned True but no 103 arrived")
        links = [value for fields in hints for name, value in fields if name.lower() == "link"]
        expect("</conf.css>; rel=preload; as=style" in links, "the 103 lacks the link field given")
        return passed()
    expect(facts.get("capability") is False, "early_hints is True but send_informational returned False")
    if hints:
        return failed("a 103 arrived although send_informational returned False")
    return degraded("early_hints False: send_informational returned False, no 103 sent")


CHECKS = [
    Check("response.status", "status codes", "7.1", status),
    Check("response.headers", "repeated response fields", "7.1", repeated_headers),
    Check("response.bytes", "bytes body with its length", "7.1", bytes_body),
    Check("response.str", "str body as UTF-8 text", "7.1", str_body),
    Check("response.generator", "generator body", "7.4", generator_body),
    Check("response.async_generator", "async generator body", "4.2", async_generator_body),
    Check("response.file_object", "file object body", "7.1", file_object_body),
    Check("response.head_first", "head sent before the first chunk", "7.3", head_before_body),
    Check("response.head_method", "HEAD: no body", "7.3", head_method),
    Check("response.no_body", "204 and 304: no body", "7.3", no_body_statuses),
    Check("file.whole", "FileResponse", "7.1", whole_file),
    Check("file.ranges", "file_response: ranges, 416, 304", "7.1", ranges),
    Check("trailers.http1", "response trailers (HTTP/1.1, TE: trailers)", "7.6", trailers),
    Check("early_hints.http1", "103 Early Hints (HTTP/1.1)", "7.7", early_hints),
]
