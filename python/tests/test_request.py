"""Request: lazy path decoding, read-only attributes, informational validation, replace()."""

import asyncio

import pytest

from wsging import Capabilities, InvalidStatus, Request


def test_path_is_percent_decoded_utf8_and_raw_path_exact():
    request = Request("GET", b"/a%20b/caf%C3%A9/%FF")
    assert request.path == "/a b/caf\u00e9/\udcff"
    assert request.raw_path == b"/a%20b/caf%C3%A9/%FF"
    assert request.path.encode("utf-8", "surrogateescape") == b"/a b/caf\xc3\xa9/\xff"


def test_defaults_of_a_hand_built_request():
    request = Request()
    assert (request.method, request.path, request.query_string) == ("GET", "/", b"")
    assert request.client is None and request.content_length is None
    assert request.body.read() == b""
    assert request.disconnected is False
    assert request.send_informational(103, [("link", "</a>")]) is False


def test_attributes_are_read_only():
    request = Request()
    with pytest.raises(AttributeError):
        request.method = "POST"


def test_replace_changes_only_what_is_named():
    request = Request("GET", b"/x", headers=[(b"a", b"1")], client=("1.2.3.4", 5))
    copy = request.replace(method="HEAD")
    assert copy.method == "HEAD" and copy.path == "/x" and copy.headers is request.headers
    assert copy.client == ("1.2.3.4", 5)
    with pytest.raises(TypeError):
        request.replace(nope=1)


@pytest.mark.parametrize("status", [100, 101, 200, 99, "103"])
def test_informational_status_is_validated(status):
    request = Request(capabilities=Capabilities.from_bits(0x02))
    with pytest.raises(InvalidStatus):
        request.send_informational(status)


def test_async_informational_on_detached_request():
    request = Request(capabilities=Capabilities.from_bits(0x02))
    assert asyncio.run(request.asend_informational(103, {"link": "</s.css>"})) is False


def test_body_given_as_bytes():
    assert Request("POST", b"/", body=b"abc").body.read() == b"abc"
