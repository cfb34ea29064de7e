"""Checks of request bodies (spec 6): every framing read to its end, exact reads, async
reads, the empty body, and request trailers."""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List

from .check import Check
from .results import Outcome, degraded, expect, failed, passed
from .target import Target

__all__ = ["CHECKS"]

PAYLOAD = bytes((i * 7 + 3) % 256 for i in range(100_000))
LINES = b"first line\n" + b"0123456789" * 50


def _same(facts: Dict[str, Any], data: bytes, what: str) -> None:
    expect(facts.get("length") == len(data),
           f"{what}: the application read {facts.get('length')} bytes of {len(data)}")
    expect(facts.get("sha256") == hashlib.sha256(data).hexdigest(), f"{what}: the bytes read differ")


def content_length(target: Target) -> Outcome:
    facts = target.json("POST", "/body/read", body=PAYLOAD)
    _same(facts, PAYLOAD, "Content-Length body")
    expect(facts.get("content_length") == len(PAYLOAD),
           f"content_length is {facts.get('content_length')!r}, not {len(PAYLOAD)}")
    expect(facts.get("again") == 0, "a read after the end did not return b''")
    return passed()


def chunked(target: Target) -> Outcome:
    pieces = [PAYLOAD[i : i + 7000] for i in range(0, len(PAYLOAD), 7000)]
    facts = target.json("POST", "/body/read", body=pieces)
    _same(facts, PAYLOAD, "chunked body")
    expect(facts.get("content_length") is None,
           f"content_length is {facts.get('content_length')!r} for a chunked body, not None")
    return passed()


def mixed_reads(target: Target) -> Outcome:
    facts = target.json("POST", "/body/mixed", body=LINES)
    _same(facts, LINES, "readline, read(7), iteration")
    expect(facts.get("line") == 11, f"readline() returned {facts.get('line')} bytes, not 11")
    expect(facts.get("seven") == 7, f"read(7) returned {facts.get('seven')} bytes")
    return passed()


def async_reads(target: Target) -> Outcome:
    facts = target.json("POST", "/body/async", body=[PAYLOAD[:3000], PAYLOAD[3000:20000]])
    _same(facts, PAYLOAD[:20000], "aread and async iteration")
    expect(facts.get("first") == 5, f"aread(5) returned {facts.get('first')} bytes")
    return passed()


def empty(target: Target) -> Outcome:
    facts = target.json("GET", "/body/read")
    expect(facts.get("length") == 0 and facts.get("again") == 0, "a request without a body read bytes")
    expect(facts.get("content_length") == 0,
           f"content_length is {facts.get('content_length')!r} for a request without a body, not 0")
    return passed()


def request_trailers(target: Target) -> Outcome:
    facts = target.json("POST", "/body/read", body=[b"with ", b"trailers"],
                        trailers=[("X-Conf-Checksum", "abc")])
    _same(facts, b"with trailers", "chunked body with trailers")
    trailers: List[List[str]] = facts.get("trailers") or []
    capability = (facts.get("capabilities") or {}).get("request_trailers")
    got = [(name.lower(), value) for name, value in trailers]
    if capability:
        expect(("x-conf-checksum", "abc") in got,
               "request_trailers is True but body.trailers lacks the trailer sent (MUST-BODY-6)")
        return passed()
    if not got:
        return degraded("request_trailers False: body.trailers is None")
    return failed("body.trailers holds fields while request_trailers is False")


CHECKS = [
    Check("body.content_length", "Content-Length body read whole", "6.2", content_length),
    Check("body.chunked", "chunked body, content_length None", "6.2", chunked),
    Check("body.mixed_reads", "readline, exact read(n), iteration", "6.1", mixed_reads),
    Check("body.async_reads", "aread and async iteration", "6.1", async_reads),
    Check("body.empty", "empty body: b'' at once, content_length 0", "5.1", empty),
    Check("body.request_trailers", "request trailers", "6.6", request_trailers),
]
