"""Response header rules against the vectors the front end is held to as well
(spec/header-vectors.json, read by HeaderVectorsTest.java): both sides agree on every case."""

import json
from pathlib import Path

import pytest

from wsging import InvalidHeader, MutableHeaders, Response
from wsging.api.headers import content_length_value, header_name, header_value

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "spec" / "header-vectors.json").read_text("utf-8")
)


@pytest.mark.parametrize("case", VECTORS["names"], ids=lambda c: repr(c["name"]))
def test_names(case):
    if case["valid"]:
        assert header_name(case["name"]) == case["name"].encode("latin-1")
        assert header_name(case["name"].encode("latin-1")) == case["name"].encode("latin-1")
    else:
        with pytest.raises(InvalidHeader):
            header_name(case["name"])
        with pytest.raises(InvalidHeader):
            header_name(case["name"].encode("latin-1"))


@pytest.mark.parametrize("case", VECTORS["values"], ids=lambda c: repr(c["value"]))
def test_values(case):
    given = case["value"]
    for form in (given, given.encode("latin-1")):
        if case["result"] is None:
            with pytest.raises(InvalidHeader, match="x-field"):  # the message names the field
                header_value(form, "x-field")
            with pytest.raises(InvalidHeader):
                Response(b"", headers=[("x-field", form)])
        else:
            assert header_value(form, "x-field") == case["result"].encode("latin-1")
            headers = MutableHeaders()
            headers.add("x-field", form)
            assert headers.raw == [(b"x-field", case["result"].encode("latin-1"))]


@pytest.mark.parametrize("case", VECTORS["content_lengths"], ids=lambda c: repr(c["value"]))
def test_content_lengths(case):
    raw = case["value"].encode("latin-1")
    if case["result"] is None:
        with pytest.raises(InvalidHeader, match="content-length"):
            content_length_value(raw)
        with pytest.raises(InvalidHeader):
            MutableHeaders([("content-length", raw)])
        with pytest.raises(InvalidHeader):
            Response(iter([b"x"])).headers.set("Content-Length", raw)
    else:
        assert content_length_value(raw) == case["result"]
        assert MutableHeaders([("Content-Length", raw)]).raw == [(b"Content-Length", raw)]
