"""Checks of what the application is handed: its kind of call and the request's attributes
(spec 4.1, 5.1, 5.2)."""

from __future__ import annotations

from typing import Any, Dict, List

from .check import Check
from .results import Outcome, degraded, expect, passed
from .target import Target, json_of

__all__ = ["CHECKS"]

# Partial raw paths and headers are what spec 10.2 allows WSGI and ASGI hosts.
_PARTIAL = "spec 10.2: partial on this kind of host"


def app_sync(target: Target) -> Outcome:
    facts = target.json("GET", "/kind/sync")
    expect(facts.get("loop_visible") is False,
           "a sync application ran with an event loop running in its thread (MUST-APP-1)")
    return passed()


def app_async(target: Target) -> Outcome:
    facts = target.json("GET", "/kind/async")
    expect(facts.get("loop_visible") is True,
           "the coroutine a sync application returned was not awaited on an event loop")
    return passed()


def spec_version(target: Target) -> Outcome:
    facts = target.json("GET", "/request")
    version = facts.get("spec_version")
    expect(isinstance(version, list) and len(version) == 2 and version[0] == 1,
           f"request.spec_version is {version!r}, not (1, minor) (MUST-APP-9)")
    return passed()


def method(target: Target) -> Outcome:
    for name in ("GET", "PURGE"):
        facts = target.json(name, "/request")
        expect(facts.get("method") == name, f"request.method is {facts.get('method')!r} for {name}")
    return passed()


def path(target: Target) -> Outcome:
    facts = target.json("GET", "/request/a%2Fb%20c/d")
    whole = target.path("/request/a/b c/d")
    expect(facts.get("path") == whole, f"request.path is {facts.get('path')!r}, not {whole!r}")
    raw = target.path("/request/a%2Fb%20c/d")
    if facts.get("raw_path") == raw:
        return passed()
    expect(facts.get("raw_path") in (target.path("/request/a/b%20c/d"), target.path("/request/a/b c/d")),
           f"request.raw_path is {facts.get('raw_path')!r}, not {raw!r}")
    return degraded(f"raw_path lost the escaped '/' (%2F): the host does not keep the raw target; {_PARTIAL}")


def query(target: Target) -> Outcome:
    sent = "a=1&a=2&b=%20x+y&c"
    facts = target.json("GET", "/request?" + sent)
    expect(facts.get("query_string") == sent,
           f"request.query_string is {facts.get('query_string')!r}, not {sent!r}")
    return passed()


def root_path(target: Target) -> Outcome:
    facts = target.json("GET", "/request")
    expect(facts.get("root_path") == target.prefix,
           f"request.root_path is {facts.get('root_path')!r}, not {target.prefix!r} (the URL's prefix)")
    expect(facts.get("path") == target.path("/request"),
           "request.path does not hold the whole path, prefix included (MUST-REQ-3)")
    return passed()


def headers(target: Target) -> Outcome:
    sent = [("X-Conf-Repeat", "one"), ("X-Conf-Other", "a"), ("X-Conf-Repeat", "two"),
            ("X_Conf_Under", "u")]
    facts = target.json("GET", "/request", headers=sent)
    raw: List[List[str]] = facts.get("headers") or []
    lowered = [(name.lower(), value) for name, value in raw]
    notes = []
    repeats = [value for name, value in lowered if name == "x-conf-repeat"]
    if repeats == ["one", "two"]:
        order = [pair for pair in lowered if pair[0] in ("x-conf-repeat", "x-conf-other")]
        if order != [("x-conf-repeat", "one"), ("x-conf-other", "a"), ("x-conf-repeat", "two")]:
            notes.append("arrival order lost")
    else:
        expect(repeats in (["one, two"], ["one,two"]),
               f"the repeated field X-Conf-Repeat arrived as {repeats!r}")
        notes.append("repeated fields joined into one")
    if not any(name == "X-Conf-Repeat" for name, _ in raw):
        notes.append("names lower-cased")
    expect(("x-conf-other", "a") in lowered, "the field X-Conf-Other did not arrive")
    if ("x_conf_under", "u") not in lowered:
        expect(("x-conf-under", "u") in lowered or "x-conf-under" not in [n for n, _ in lowered],
               "X_Conf_Under arrived with another value")
        notes.append("a name with '_' renamed or dropped")
    if notes:
        return degraded(", ".join(notes) + f" ({_PARTIAL})")
    return passed()


def client_server(target: Target) -> Outcome:
    with target.connect() as connection:
        response = connection.request("GET", target.path("/request"))
        local = connection.local_port
    facts: Dict[str, Any] = json_of(response, "/request")
    client: Any = facts.get("client")
    server: Any = facts.get("server")
    expect(client is not None, "request.client is None for a TCP client")
    expect(client[0] == "127.0.0.1" or target.host != "127.0.0.1",
           f"request.client is {client!r}, not the client's address")
    expect(server is not None, "request.server is None")
    expect(server[1] == target.port, f"request.server's port is {server[1]!r}, not the port used")
    if client[1] == local:
        return passed()
    expect(client[1] in (0, None), f"request.client's port is {client[1]!r}, not the client's port")
    return degraded("the client's port is unknown to the host (request.client has port 0)")


def http_version(target: Target) -> Outcome:
    facts = target.json("GET", "/request")
    expect(facts.get("http_version") == "1.1", f"http_version is {facts.get('http_version')!r} for HTTP/1.1")
    facts = target.json("GET", "/request", version="HTTP/1.0")
    expect(facts.get("http_version") == "1.0", f"http_version is {facts.get('http_version')!r} for HTTP/1.0")
    return passed()


def scheme(target: Target) -> Outcome:
    facts = target.json("GET", "/request")
    expect(facts.get("scheme") == target.scheme, f"request.scheme is {facts.get('scheme')!r}")
    expect(facts.get("tls") is (target.scheme == "https"), "request.tls does not match the connection")
    return passed()


def capabilities(target: Target) -> Outcome:
    facts = target.json("GET", "/request")
    caps, inside = facts.get("capabilities") or {}, facts.get("capabilities_in") or {}
    for name, value in caps.items():
        expect(isinstance(value, bool), f"capabilities.{name} is not a bool")
        expect(inside.get(name) is value, f"'{name}' in capabilities differs from capabilities.{name}")
    expect(caps.get("push") is False, "push is True on HTTP/1.1, which cannot push (8.5)")
    expect("push" not in (facts.get("extensions") or []), "a push extension on HTTP/1.1")
    expect(facts.get("websocket_offer") is False, "a plain request is a WebSocket offer")
    expect(facts.get("pushed") is False, "a client's request is marked pushed")
    return passed()


CHECKS = [
    Check("app.sync", "sync application called off the event loop", "4.1", app_sync),
    Check("app.async", "coroutine from a sync layer awaited on the loop", "4.1", app_async),
    Check("request.spec_version", "request.spec_version", "7.8.3", spec_version),
    Check("request.method", "request.method as received", "5.1", method),
    Check("request.path", "path and raw_path (%2F kept raw)", "5.1", path),
    Check("request.query", "query_string bytes as sent", "5.1", query),
    Check("request.root_path", "root_path, whole path kept", "5.1", root_path),
    Check("request.headers", "repeated headers, order, case, '_' names", "5.2", headers),
    Check("request.client_server", "client and server addresses", "5.1", client_server),
    Check("request.http_version", "http_version for HTTP/1.1 and 1.0", "5.1", http_version),
    Check("request.scheme", "scheme and tls", "5.1", scheme),
    Check("capabilities.http1", "capabilities consistent on HTTP/1.1", "10.1", capabilities),
]
