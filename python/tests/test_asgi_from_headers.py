"""from_asgi's response headers: each distinct pair is validated once and then taken from a
table; what the client gets, and what is refused, is the same on the first response and on
every later one."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from wsging.api.errors import InvalidHeader
from wsging.asgi import from_asgi
from wsging.asgi.from_headers import LENGTHS, NO_LENGTH, response_headers
from wsging.testing import TestClient

Scope = Dict[str, Any]


def served(headers: List[Any], body: bytes, caught: List[BaseException]) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
        except InvalidHeader as exc:
            caught.append(exc)
            await send({"type": "http.response.start", "status": 502, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return from_asgi(app)


def test_the_same_pairs_give_the_same_head_on_every_response() -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"5"), (b"X-Custom", b"  padded ")]
    caught: List[BaseException] = []
    with TestClient(served(headers, b"hello", caught)) as client:
        heads = [client.get("/").headers.raw for _ in range(3)]
    assert not caught
    # The optional whitespace around a value is removed (RFC 9110 5.5), from the table too.
    expected = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"5"), (b"X-Custom", b"padded")]
    assert heads == [expected] * 3


def test_an_invalid_pair_is_refused_every_time_it_is_sent() -> None:
    caught: List[BaseException] = []
    with TestClient(served([(b"x-bad", b"a\nb")], b"x", caught)) as client:
        statuses = [client.get("/").status for _ in range(3)]
    assert statuses == [502] * 3 and len(caught) == 3 and all("x-bad" in str(exc) for exc in caught)


def test_a_stale_length_gives_way_to_the_bodys_own_and_an_empty_body_keeps_it() -> None:
    caught: List[BaseException] = []
    with TestClient(served([(b"Content-Length", b"99")], b"abc", caught)) as client:
        first = client.get("/").headers.raw
        second = client.get("/").headers.raw
        head = client.head("/").headers.raw
    assert first == second == [(b"Content-Length", b"3")]
    assert head == [(b"Content-Length", b"3")]


def test_the_length_field_is_found_and_two_are_refused() -> None:
    headers, at = response_headers([(b"a", b"1"), (b"content-length", b"2")])
    assert at == 1 and headers.raw == [(b"a", b"1"), (b"content-length", b"2")]
    assert response_headers([[b"b", b"2"]])[1] == NO_LENGTH  # a list pair is checked, not kept
    assert response_headers([(b"content-length", b"2"), (b"Content-Length", b"2")])[1] == LENGTHS
    # Refused where the response is made, when the body is sent: a 500 to the client.
    caught: List[BaseException] = []
    with TestClient(served([(b"content-length", b"1"), (b"content-length", b"1")], b"a", caught), raise_server_exceptions=False) as client:
        assert client.get("/").status == 500


def test_a_length_that_is_not_one_integer_and_a_pair_that_is_not_two_items_are_refused() -> None:
    for bad in ([(b"content-length", b"1, 1")], [(b"x", b"1", b"2")], [(b"bad name", b"v")]):
        with pytest.raises(InvalidHeader):
            response_headers(bad)
        with pytest.raises(InvalidHeader):  # and again: nothing invalid is remembered
            response_headers(bad)
