"""Headers and MutableHeaders: raw pairs kept, case-insensitive lookup, validation (W8, W12)."""

import pytest

from wsging import Headers, InvalidHeader, MutableHeaders


def test_lookup_is_case_insensitive_and_raw_is_kept():
    headers = Headers([(b"Content-Type", b"text/html"), (b"X-A", b"1"), (b"x-a", b"2")])
    assert headers["content-type"] == "text/html"
    assert headers.get("CONTENT-TYPE") == "text/html"
    assert headers.get("x-A") == "1"
    assert headers.get_all("X-A") == ["1", "2"]
    assert headers.get("missing") is None
    assert headers.get("missing", "d") == "d"
    assert headers.raw == [(b"Content-Type", b"text/html"), (b"X-A", b"1"), (b"x-a", b"2")]
    assert headers.items() == [("Content-Type", "text/html"), ("X-A", "1"), ("x-a", "2")]
    assert headers.keys() == ["Content-Type", "X-A", "x-a"]
    assert list(headers) == headers.keys()
    assert len(headers) == 3
    assert "x-a" in headers and "nope" not in headers and 3 not in headers
    with pytest.raises(KeyError):
        headers["nope"]


def test_underscore_and_dash_names_stay_distinct():
    # W8: no CGI mangling, so an X_Forwarded_For header cannot spoof X-Forwarded-For.
    headers = Headers([(b"X_Forwarded_For", b"6.6.6.6"), (b"X-Forwarded-For", b"10.0.0.1")])
    assert headers.get_all("X-Forwarded-For") == ["10.0.0.1"]
    assert headers.get_all("X_Forwarded_For") == ["6.6.6.6"]
    assert headers.get_all("x_forwarded-for") == []


def test_values_decode_as_latin1_losslessly():
    headers = Headers([(b"X-Bin", b"caf\xe9")])
    assert headers["x-bin"] == "caf\xe9"
    assert headers["x-bin"].encode("latin-1") == b"caf\xe9"
    assert headers.get("caf\u20ac") is None  # a name that is not even latin-1


def test_mutable_headers_from_list_mapping_and_headers():
    assert MutableHeaders([("A", "1"), (b"B", b"2")]).raw == [(b"A", b"1"), (b"B", b"2")]
    assert MutableHeaders({"a": "1"}).raw == [(b"a", b"1")]
    assert MutableHeaders(Headers([(b"a", b"1")])).raw == [(b"a", b"1")]


def test_set_add_delete_setdefault():
    headers = MutableHeaders([("Set-Cookie", "a"), ("X", "1"), ("set-cookie", "b")])
    headers.add("set-cookie", "c")
    assert headers.get_all("set-cookie") == ["a", "b", "c"]
    headers.set("SET-COOKIE", "z")
    assert headers.raw == [(b"SET-COOKIE", b"z"), (b"X", b"1")]
    headers["y"] = "2"
    assert headers["Y"] == "2"
    del headers["x"]
    assert "x" not in headers
    with pytest.raises(KeyError):
        del headers["x"]
    assert headers.setdefault("y", "3") == "2"
    assert headers.setdefault("w", "4") == "4"
    assert headers.get_all("w") == ["4"]


@pytest.mark.parametrize(
    "name",
    ["", "bad name", "colon:", "tab\t", "caf\u00e9", "(paren)", "new\nline", 'quote"', "a/b", 5],
)
def test_non_token_names_raise_at_construction(name):
    with pytest.raises(InvalidHeader):
        MutableHeaders([(name, "v")])
    with pytest.raises(InvalidHeader):
        MutableHeaders().add(name, "v")


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\0b", b"x\r\ny", "\u20ac", 7])
def test_values_with_cr_lf_nul_or_not_latin1_raise(value):
    with pytest.raises(InvalidHeader):
        MutableHeaders([("x", value)])
    headers = MutableHeaders()
    with pytest.raises(InvalidHeader):
        headers["x"] = value
    assert len(headers) == 0


def test_all_token_characters_are_accepted():
    name = "!#$%&'*+-.^_`|~09AZaz"
    assert MutableHeaders([(name, "v")]).get(name) == "v"


def test_invalid_header_is_a_value_error():
    with pytest.raises(ValueError):
        MutableHeaders([("a b", "c")])


def test_pairs_must_be_pairs():
    with pytest.raises(InvalidHeader):
        MutableHeaders([("only-name",)])


def test_equality_compares_raw_pairs():
    assert Headers([(b"a", b"1")]) == MutableHeaders([("a", "1")])
    assert Headers([(b"a", b"1")]) != Headers([(b"A", b"1")])


def test_values_lose_the_whitespace_around_them():
    # RFC 9110 section 5.5: what Django's cookies look like (" csrftoken=..."), stored without it.
    headers = MutableHeaders([("Set-Cookie", " a=1; Path=/"), ("x", b"\t v \t")])
    assert headers.raw == [(b"Set-Cookie", b"a=1; Path=/"), (b"x", b"v")]
    headers.set("y", "  inner  space  ")
    assert headers["y"] == "inner  space"
    assert headers.setdefault("z", " padded ") == "padded"


@pytest.mark.parametrize("value", ["bell\x07", "del\x7f", "esc\x1b", "\x0bvt"])
def test_every_control_character_but_htab_raises_naming_the_field(value):
    with pytest.raises(InvalidHeader, match="'x-field' contains a control character"):
        MutableHeaders([("x-field", value)])
    assert MutableHeaders([("x-field", "a\tb")]).raw == [(b"x-field", b"a\tb")]


def test_bytes_names_and_str_raw_pairs_raise_a_clear_type_error():
    headers = Headers([(b"Host", b"example.com")])
    for lookup in (lambda: headers.get(b"host"), lambda: headers[b"host"],  # type: ignore[index]
                   lambda: headers.get_all(b"host"), lambda: b"host" in headers):  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="looked up as str, not bytes"):
            lookup()
    assert 3 not in headers  # not a name at all: simply absent, as in a dict
    misused = Headers([("x", "y")])  # type: ignore[list-item]
    for use in (lambda: misused.get("x"), misused.items, misused.keys, misused.values):
        with pytest.raises(TypeError, match=r"\(bytes, bytes\) pairs"):
            use()


def test_mutable_headers_take_any_object_with_items():
    class MultiDict:
        def items(self):
            return [("a", "1"), ("a", "2")]

    assert MutableHeaders(MultiDict()).get_all("a") == ["1", "2"]  # type: ignore[arg-type]
