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
    assert resp._data == b"h\xc3\xa9" and resp._kind == r.KIND_BYTES


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
    assert resp._resolve_trailers() == [(b"x-checksum", b"1")]


def test_callable_trailers_are_evaluated_and_validated_late():
    resp = Response(b"", trailers=lambda: {"grpc-status": "0"})
    assert resp._resolve_trailers() == [(b"grpc-status", b"0")]
    bad = Response(b"", trailers=lambda: {"bad name": "0"})
    with pytest.raises(InvalidHeader):
        bad._resolve_trailers()


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
    assert Response(body)._kind == kind


def test_async_iterable_body():
    async def gen():
        yield b"x"

    assert Response(gen())._kind == r.KIND_AITER


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
        assert resp._kind == r.KIND_FILE
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
