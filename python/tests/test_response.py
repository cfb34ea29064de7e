"""Response and FileResponse: body kinds, automatic headers, validation at construction (W12)."""

import io

import pytest

from wsging import FileResponse, InvalidHeader, InvalidStatus, MutableHeaders, Response
from wsging.api import response as r


def test_str_body_is_utf8_text_with_length():
    resp = Response("h\u00e9")
    assert resp.status == 200
    assert resp.headers.raw == [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"3"),
    ]
    assert resp.body == b"h\xc3\xa9" and r.body_kind(resp.body) == r.KIND_BYTES


def test_bytes_body_gets_length_but_no_type():
    resp = Response(b"abc", 201)
    assert resp.headers.raw == [(b"content-length", b"3")]


def test_content_type_argument_and_header_win():
    assert Response("x", content_type="text/html").headers["content-type"] == "text/html"
    resp = Response("x", headers=[("Content-Type", "text/csv")])
    assert resp.headers.get_all("content-type") == ["text/csv"]


def test_explicit_content_length_is_kept():
    # A HEAD response describes the GET body it does not send.
    resp = Response(b"", headers={"content-length": "1234"})
    assert resp.headers.get_all("content-length") == ["1234"]


@pytest.mark.parametrize("status", [204, 304])
def test_no_automatic_length_on_204_and_304(status):
    assert "content-length" not in Response(b"", status).headers


def test_trailers_keep_the_body_chunked():
    resp = Response(b"abc", trailers=[("x-checksum", "1")])
    assert "content-length" not in resp.headers
    assert r.resolve_trailers(resp.trailers) == [(b"x-checksum", b"1")]


def test_callable_trailers_are_evaluated_and_validated_late():
    resp = Response(b"", trailers=lambda: {"grpc-status": "0"})
    assert r.resolve_trailers(resp.trailers) == [(b"grpc-status", b"0")]
    bad = Response(b"", trailers=lambda: {"bad name": "0"})
    with pytest.raises(InvalidHeader):
        r.resolve_trailers(bad.trailers)


@pytest.mark.parametrize(
    "body, kind",
    [
        (bytearray(b"x"), r.KIND_BYTES),
        (memoryview(b"x"), r.KIND_BYTES),
        ([b"a", "b"], r.KIND_CHUNKS),
        ((b"a",), r.KIND_CHUNKS),
        (iter([b"a"]), r.KIND_ITER),
        (io.BytesIO(b"abc"), r.KIND_FILE),
    ],
)
def test_body_kinds(body, kind):
    assert r.body_kind(Response(body).body) == kind


def test_async_iterable_body():
    async def gen():
        yield b"x"

    assert r.body_kind(Response(gen()).body) == r.KIND_AITER


def test_streamed_bodies_get_no_length():
    assert "content-length" not in Response(iter([b"a"])).headers


@pytest.mark.parametrize("status", [199, 600, 100, 101, "200", 200.0, True, None])
def test_bad_status_raises(status):
    with pytest.raises(InvalidStatus):
        Response(b"", status)


def test_invalid_status_is_a_value_error():
    with pytest.raises(ValueError):
        Response(b"", 700)


@pytest.mark.parametrize(
    "headers",
    [[("bad name", "v")], [("x", "a\r\nInjected: 1")], {"x": "\0"}, [("x:y", "1")]],
)
def test_bad_headers_raise_at_construction(headers):
    with pytest.raises(InvalidHeader):
        Response(b"", headers=headers)


def test_bad_trailers_raise_at_construction():
    with pytest.raises(InvalidHeader):
        Response(b"", trailers=[("x", "a\nb")])


def test_unsupported_body_type_raises():
    with pytest.raises(TypeError):
        Response(12)


def test_mutable_headers_passed_in_are_used_as_is():
    headers = MutableHeaders([("x", "1")])
    assert Response(b"", headers=headers).headers is headers


def test_headers_stay_validated_after_construction():
    resp = Response(b"")
    with pytest.raises(InvalidHeader):
        resp.headers["x"] = "a\nb"


def test_file_response(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<p>hi</p>")
    resp = FileResponse(path)
    try:
        assert resp.headers["content-type"] == "text/html"
        assert resp.headers["content-length"] == "9"
        assert r.body_kind(resp.body) == r.KIND_FILE
    finally:
        resp.body.close()
    unknown = FileResponse(str(path), content_type="text/plain", status=203)
    unknown.body.close()
    assert unknown.status == 203 and unknown.headers["content-type"] == "text/plain"


def test_file_response_errors_are_raised_in_the_app(tmp_path):
    with pytest.raises(FileNotFoundError):
        FileResponse(tmp_path / "missing")
    with pytest.raises(IsADirectoryError):
        FileResponse(tmp_path)
    with pytest.raises(InvalidStatus):
        FileResponse(tmp_path / "missing", status=42)


def test_automatic_headers_are_visible_to_lookups():
    resp = Response("x", headers={"a": "b"})
    assert resp.headers["content-type"] == "text/plain; charset=utf-8"
    assert resp.headers["content-length"] == "1"


def test_content_type_replacing_a_header_keeps_the_automatic_length():
    resp = Response(b"abc", headers={"a": "b", "content-type": "text/csv"}, content_type="text/html")
    assert resp.headers.raw == [
        (b"a", b"b"),
        (b"content-type", b"text/html"),
        (b"content-length", b"3"),
    ]
    resp = Response(b"abc", headers={"a": "b"}, content_type="text/html")
    assert resp.headers["content-length"] == "3"


def test_common_response_headers_are_built_directly():
    resp = Response(b"abc", content_type="application/json")
    assert resp.headers.raw == [(b"content-type", b"application/json"), (b"content-length", b"3")]
    assert type(resp.headers) is MutableHeaders
    resp.headers["x-a"] = "1"  # the headers stay usable: index and list are real
    assert resp.headers["x-a"] == "1" and resp.headers["content-length"] == "3"
    assert Response("é", status=204).headers.raw == [(b"content-type", b"text/plain; charset=utf-8")]


# -- the length, text and trailer rules (7.1) -----------------------------------------------------


def test_a_stale_content_length_gives_way_to_the_body_length():
    # Spec 12.4's recipe: a new body around the old response's headers.
    old = Response(b"abc")
    longer = Response(b"a longer body", 200, old.headers)
    assert longer.headers.get_all("content-length") == ["13"]
    shorter = Response("\u00e9", 200, {"Content-Length": "99", "x": "1"})
    assert shorter.headers.raw == [
        (b"Content-Length", b"2"),
        (b"x", b"1"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]


def test_an_empty_body_keeps_the_content_length_it_was_given():
    assert Response(b"", 200, {"content-length": "1234"}).headers["content-length"] == "1234"


@pytest.mark.parametrize("value", ["abc", "-1", "+5", "5, 5", "1.0", ""])
def test_a_content_length_that_is_not_one_integer_raises_where_it_is_given(value):
    with pytest.raises(InvalidHeader, match="content-length must be one non-negative integer"):
        Response(b"abc", 200, {"content-length": value})
    with pytest.raises(InvalidHeader):
        Response(iter([b"abc"]), 200, [("Content-Length", value)])
    with pytest.raises(InvalidHeader):
        Response(b"abc").headers["content-length"] = value


def test_two_content_length_fields_raise():
    headers = MutableHeaders([("content-length", "3")])
    headers.raw.append((b"Content-Length", b"3"))  # behind the API's back, as MUST-RESP-3 allows
    with pytest.raises(InvalidHeader, match="more than one content-length"):
        Response(b"abc", 200, headers)


@pytest.mark.parametrize("body", [{"ok": True}, {"ok"}, frozenset({"a"}), {}])
def test_mapping_and_set_bodies_raise(body):
    with pytest.raises(TypeError, match="iterating it would send its keys"):
        Response(body)


@pytest.mark.parametrize(
    "body",
    ["text", ["a", b"b"], ("x",), iter(["a"]), (c for c in "ab")],
    ids=["str", "list", "tuple", "iterator", "generator"],
)
def test_text_is_labelled_one_way_whole_or_streamed(body):
    assert Response(body).headers["content-type"] == "text/plain; charset=utf-8"
    assert Response(body, content_type="text/csv").headers.get_all("content-type") == ["text/csv"]


def test_async_iterables_are_labelled_as_text_too():
    async def chunks():
        yield "a"

    assert Response(chunks()).headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("body", [b"x", bytearray(b"x"), memoryview(b"x"), io.BytesIO(b"x")])
def test_bytes_and_files_get_no_content_type(body):
    assert "content-type" not in Response(body).headers


def test_fixed_trailers_are_announced_and_a_given_announcement_is_kept():
    resp = Response(iter([b"x"]), trailers=[("x-checksum", "1"), ("X-Count", "2"), ("x-checksum", "3")])
    assert resp.headers["trailer"] == "x-checksum, X-Count"
    given = Response(b"x", 200, {"Trailer": "x-late"}, trailers={"x-late": "1"})
    assert given.headers.get_all("trailer") == ["x-late"]
    assert "trailer" not in Response(b"x", trailers=lambda: {"x-late": "1"}).headers


def test_body_is_the_body_as_sent():
    assert Response("\u00e9").body == b"\xc3\xa9"
    data = bytearray(b"abc")
    resp = Response(data)
    data[:] = b"zzzzz"  # changing the buffer afterwards changes neither body nor length
    assert resp.body == b"abc" and resp.headers["content-length"] == "3"
    chunks = iter([b"a"])
    assert Response(chunks).body is chunks


# -- the response contract (7.8) ------------------------------------------------------------------


class Plain:
    def __init__(self, status, headers, body, **extra):
        self.status, self.headers, self.body = status, headers, body
        self.__dict__.update(extra)


def test_of_returns_a_response_itself():
    resp = Response(b"x")
    assert Response.of(resp) is resp


def test_of_adopts_a_foreign_object_adding_only_framing():
    adopted = Response.of(Plain(201, [("x-a", "1"), (b"x-b", b"2")], "caf\u00e9"))
    assert isinstance(adopted, Response)
    assert adopted.status == 201 and adopted.body == "caf\u00e9".encode()
    assert adopted.headers.raw == [(b"x-a", b"1"), (b"x-b", b"2"), (b"content-length", b"5")]
    streamed = Response.of(Plain(200, {"content-type": "text/csv"}, iter([b"a"]), trailers={"x-t": "1"}))
    assert streamed.headers.raw == [(b"content-type", b"text/csv"), (b"trailer", b"x-t")]
    assert streamed.trailers is not None and streamed.trailers.raw == [(b"x-t", b"1")]  # type: ignore[union-attr]


def test_of_keeps_the_file_attributes(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    with open(path, "rb") as file:
        adopted = Response.of(Plain(200, [], file, file_path=str(path), file_offset=2, file_length=3))
        assert adopted.file_path == str(path).encode()
        assert (adopted.file_offset, adopted.file_length) == (2, 3)
    assert (Response(b"").file_path, Response(b"").file_offset, Response(b"").file_length) == (None, 0, None)


def test_file_response_exposes_its_file_attributes(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(b"hello")
    resp = FileResponse(path)
    try:
        assert resp.file_path == str(path)  # a str (7.1); hosts take str or bytes (7.8.1)
        assert (resp.file_offset, resp.file_length) == (0, 5)
    finally:
        resp.body.close()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "obj, reason",
    [
        (None, "None instead of a response"),
        ("text", "str is not a response: it has no status, headers, body attribute"),
        (Plain("200", [], b""), "status must be an int in 200..599, not '200'"),
        (Plain(200, [("bad name", "v")], b""), "response headers: header name 'bad name' is not an HTTP token"),
        (Plain(200, "x-a: 1", b""), "headers must be (name, value) pairs or a mapping, not str"),
        (Plain(200, [], {"a": 1}), "iterating it would send its keys"),
        (Plain(200, [], 5), "response body must be bytes, str"),
        (Plain(200, [("content-length", "x")], b"abc"), "content-length must be one non-negative integer"),
        (Plain(200, [], b"", trailers=[("x", "a\nb")]), "response trailers: value of header 'x'"),
        (Plain(200, [], b"", file_path="relative/path"), "file_path must be an absolute path"),
        (Plain(200, [], b"", file_path="/f", file_offset=-1), "file_offset must be an int >= 0"),
    ],
)
def test_of_names_what_is_wrong(obj, reason):
    with pytest.raises(r.InvalidResponse) as caught:
        Response.of(obj)
    assert reason in str(caught.value)


def test_a_content_length_set_later_must_agree_with_the_body():
    resp = Response(b"abc")
    with pytest.raises(InvalidHeader, match="content-length 2 contradicts the 3-byte body"):
        resp.headers["content-length"] = "2"
    with pytest.raises(InvalidHeader):
        resp.headers.add("Content-Length", "4")
    resp.headers["content-length"] = "3"
    assert resp.headers.get_all("content-length") == ["3"]
    # The headers follow the response they were last given to (12.4).
    streamed = Response(iter([b"xy"]), 200, resp.headers)
    streamed.headers["content-length"] = "2"
    assert Response(b"", 304, MutableHeaders()).headers.setdefault("content-length", "7") == "7"
