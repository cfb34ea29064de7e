"""The capability word the reference server's HTTP/1 front end gives a request (spec A.6).

TestClient derives each request's capabilities here instead of assuming them, so that an
application tested in-process sees what it would see behind the server. The rules mirror
`Http1ExchangeHandler` (its `Exchange` constructor and `head()`); the table-driven test
`tests/e2e/test_testclient_capabilities.py` sends every row of one table to the real server
and to TestClient, and fails when the two disagree.
"""

from __future__ import annotations

from typing import Iterable, Tuple

from ..api.capabilities import EARLY_HINTS, REQUEST_TRAILERS, RESPONSE_TRAILERS, WEBSOCKET

__all__ = ["HTTP1_VERSIONS", "has_token", "http1_capabilities"]

HTTP1_VERSIONS = ("1.0", "1.1")


def http1_capabilities(
    http_version: str,
    method: str,
    headers: Iterable[Tuple[bytes, bytes]],
    chunked_body: bool,
) -> int:
    """Capability bits for one HTTP/1.x request.

    - HTTP/1.0 has no interim responses, no trailers, no chunked coding and no Upgrade:
      nothing.
    - HTTP/1.1: 103 Early Hints always (RFC 9110 §15.2; a client ignores a 1xx it does not
      know); WebSocket sessions always (RFC 6455: any HTTP/1.1 connection can upgrade; the
      caller clears the bit for a worker that did not announce WEBSOCKET, A.6); response
      trailers only when the client said "TE: trailers" (RFC 9110 §10.1.4) and the response
      can have a body (not HEAD); request trailers only when the request body is chunked,
      the one framing that can carry them (RFC 9112 §7.1.2).
    """
    if http_version not in HTTP1_VERSIONS:
        raise ValueError(f"HTTP/{http_version} is not HTTP/1.x")
    if http_version == "1.0":
        return 0
    bits = EARLY_HINTS | WEBSOCKET
    if method != "HEAD" and has_token(headers, b"te", b"trailers"):
        bits |= RESPONSE_TRAILERS
    if chunked_body:
        bits |= REQUEST_TRAILERS
    return bits


def has_token(headers: Iterable[Tuple[bytes, bytes]], name: bytes, token: bytes) -> bool:
    """Whether a field `name` (lower case) lists `token` (lower case) among its elements."""
    # Like Netty's HttpHeaders.containsValue(name, value, ignoreCase=true): every field line of
    # that name, split on commas, each element trimmed, compared without case; an element with
    # parameters ("trailers;q=1") is a different value.
    for field, value in headers:
        if field.lower() != name:
            continue
        for element in value.split(b","):
            if element.strip(b" \t").lower() == token:
                return True
    return False
