"""Checks over HTTP/2 (spec 8), where the host speaks it on the same port: the request as
HTTP/2 presents it, bodies without a length, trailers both ways, 103 and push. Without the
`h2` package these rows are not checked; a host without HTTP/2 does not offer them."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Dict

from . import http2
from .check import Check
from .checks_body import PAYLOAD
from .endpoints_response import CHUNKS
from .http2 import H2Client, H2Response, NoHttp2
from .results import NOT_CHECKED, Outcome, degraded, expect, failed, not_offered, passed
from .target import Target, new_token

__all__ = ["CHECKS"]

H2Check = Callable[[H2Client, Target], Outcome]


def _over_h2(check: H2Check) -> Callable[[Target], Outcome]:
    def run(target: Target) -> Outcome:
        if not http2.AVAILABLE:
            return Outcome(NOT_CHECKED, "needs h2")
        try:
            client = H2Client(target)
        except NoHttp2:
            how = "over TLS (ALPN h2)" if target.scheme == "https" else "in clear text (h2c)"
            return not_offered(f"the host does not speak HTTP/2 {how} on this port")
        with client:
            return check(client, target)

    return run


def _json(response: H2Response, what: str) -> Dict[str, Any]:
    expect(response.status == 200 and response.reset is None, f"{what} answered {response.status}")
    data = json.loads(response.body)
    expect(isinstance(data, dict), f"{what} answered no JSON object")
    return data  # type: ignore[no-any-return]


def request(client: H2Client, target: Target) -> Outcome:
    facts = _json(client.request("GET", target.path("/request/a%2Fb"), [("x-conf-h2", "yes")]), "/request")
    expect(facts.get("http_version") == "2", f"http_version is {facts.get('http_version')!r} on HTTP/2")
    names = [name for name, _ in facts.get("headers") or []]
    expect(not any(name.startswith(":") for name in names), "pseudo-header fields in request.headers (MUST-HDR-3)")
    expect(["host", client.authority] in (facts.get("headers") or []), "no host field from :authority (MUST-HDR-3)")
    expect(facts.get("raw_path") == target.path("/request/a%2Fb"), f"raw_path is {facts.get('raw_path')!r}")
    expect(facts.get("method") == "GET" and facts.get("scheme") == target.scheme, "method or scheme wrong")
    caps, ext = facts.get("capabilities") or {}, facts.get("extensions") or []
    expect(caps.get("push") == ("push" in ext), "capabilities.push disagrees with the push extension")
    return passed()


def body(client: H2Client, target: Target) -> Outcome:
    data = PAYLOAD[:40_000]
    facts = _json(client.request("POST", target.path("/body/read"), body=[data[:25_000], data[25_000:]]), "/body/read")
    expect(facts.get("sha256") == hashlib.sha256(data).hexdigest(), "the body read differs from the one sent")
    expect(facts.get("content_length") is None, "content_length is not None for a body without content-length")
    return passed()


def request_trailers(client: H2Client, target: Target) -> Outcome:
    response = client.request("POST", target.path("/body/read"), body=b"with trailers",
                              trailers=[("x-conf-checksum", "abc")])
    facts = _json(response, "/body/read")
    got = [tuple(pair) for pair in facts.get("trailers") or []]
    if (facts.get("capabilities") or {}).get("request_trailers"):
        expect(("x-conf-checksum", "abc") in got, "request_trailers True but the trailer did not arrive")
        return passed()
    if not got:
        return degraded("request_trailers False: body.trailers is None")
    return failed("body.trailers holds fields while request_trailers is False")


def trailers(client: H2Client, target: Target) -> Outcome:
    token = new_token()
    response = client.request("GET", target.path(f"/trailers?token={token}"), [("te", "trailers")])
    expect(response.status == 200 and response.reset is None and response.body == b"".join(CHUNKS),
           "the body of a response with trailers is wrong")
    got = response.trailers or []
    if response.header("x-conf-capability") == "true":
        expect(("x-conf-trailer", "done") in got, "response_trailers True but no trailing HEADERS (MUST-RESP-10)")
        return passed()
    expect(not got, "trailers were sent although response_trailers is False (MUST-RESP-11)")
    return degraded("response_trailers False: trailers dropped")


def early_hints(client: H2Client, target: Target) -> Outcome:
    response = client.request("GET", target.path("/early-hints"))
    facts = _json(response, "/early-hints")
    hints = [status for status, _ in response.informational if status == 103]
    if facts.get("sent"):
        expect(hints, "send_informational returned True but no 103 arrived")
        return passed()
    expect(facts.get("capability") is False, "early_hints True but send_informational returned False")
    expect(not hints, "a 103 arrived although send_informational returned False")
    return degraded("early_hints False: no 103 sent")


def push(client: H2Client, target: Target) -> Outcome:
    response = client.request("GET", target.path("/push"))
    facts = _json(response, "/push")
    expect(facts.get("capability") == facts.get("offered"), "capabilities.push disagrees with the extension")
    if not facts.get("offered"):
        expect(not response.pushes, "a push arrived although none was offered")
        return degraded("push not offered (an optional extension, spec 8.5)")
    if facts.get("result") is not True:
        expect(not response.pushes, "push() returned False but a PUSH_PROMISE arrived (MUST-PUSH-1)")
        return degraded("push offered but declined by the host for this request")
    expect([path for path, _ in response.pushes] == [target.path("/pushed")],
           "push() returned True but no PUSH_PROMISE for the path arrived")
    pushed = _json(response.pushes[0][1], "the pushed response")
    expect(pushed.get("pushed") is True, "the promised request is not marked pushed")
    return passed()


CHECKS = [
    Check("http2.request", "HTTP/2: request attributes, host from :authority", "8", _over_h2(request)),
    Check("http2.body", "HTTP/2: body without content-length", "6.2", _over_h2(body)),
    Check("http2.request_trailers", "HTTP/2: request trailers", "6.6", _over_h2(request_trailers)),
    Check("http2.trailers", "HTTP/2: response trailers", "7.6", _over_h2(trailers)),
    Check("http2.early_hints", "HTTP/2: 103 Early Hints", "7.7", _over_h2(early_hints)),
    Check("http2.push", "HTTP/2: push extension", "8.5", _over_h2(push)),
]
