"""The response contract (spec 7.8) and response validation (spec 7.1, 7.2) through the real
server: an application that never imports wsging is served from its own response objects, and
each way a response used to go silently wrong now gets either the right answer or a 500 whose
reason is in the log, at once."""
from __future__ import annotations

import re

import httpx
import pytest

from e2e_http import RawConnection
from e2e_server import APPS, Server, stop_cleanly, wait_for


@pytest.fixture(scope="module")
def plain_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    server = Server(tmp_path_factory.mktemp("plain") / "server.log", app="plain_contract_app:app").start()
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def rules_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    # Two threads: four streams per worker, so a stream that never ends shows up within a few
    # requests, as a 503 once --queue-timeout has passed.
    server = Server(tmp_path_factory.mktemp("rules") / "server.log", app="response_rules_app:app",
                    options=["--threads", "2", "--queue-timeout", "2"]).start()
    yield server
    stop_cleanly(server)


def get(server: Server, path: str, **kwargs) -> httpx.Response:
    return httpx.get(server.url + path, timeout=10, **kwargs)


def raw_get(server: Server, path: str, headers: bytes = b"") -> bytes:
    """The whole answer to one request on its own connection, as bytes off the wire."""
    with RawConnection(server.port) as conn:
        conn.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n" + headers + b"\r\n")
        wire = b""
        while True:
            data = conn.sock.recv(65536)
            if not data:
                return wire
            wire += data


def logged(server: Server, text: str) -> None:
    wait_for(repr(text) + " in the server log", lambda: text in server.log(), timeout=10)


# -- an application with no import of wsging ----------------------------------------------------


def test_the_plain_application_does_not_import_wsging() -> None:
    source = (APPS / "plain_contract_app.py").read_text()
    assert not re.search(r"^\s*(import|from)\s+wsging", source, re.MULTILINE)


def test_own_response_object_is_served(plain_server) -> None:
    response = get(plain_server, "/")
    assert response.status_code == 200
    assert response.text == "hello from a plain object"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-plain"] == "yes"
    assert response.headers["content-length"] == str(len(response.content))  # the host framed it


def test_str_body_mapping_headers_and_items_headers(plain_server) -> None:
    text = get(plain_server, "/text")
    assert (text.status_code, text.content) == (201, "caf\u00e9".encode())
    multi = get(plain_server, "/multidict")
    assert multi.content == b"items"
    assert multi.headers.get_list("x-a") == ["1", "2"]


def test_sync_and_async_streams_and_trailers(plain_server) -> None:
    assert get(plain_server, "/stream").content == b"one\ntwo\nthree\n"
    assert get(plain_server, "/astream").content == b"async lines"
    wire = raw_get(plain_server, "/trailers", b"TE: trailers\r\n")
    assert wire.startswith(b"HTTP/1.1 200 ")
    assert b"x-checksum: abc" in wire.lower()


def test_file_attributes_let_the_front_end_send_a_range_of_the_file(plain_server) -> None:
    response = get(plain_server, "/file")
    assert response.status_code == 200
    assert response.content == (b"0123456789" * 1000)[10:35]
    assert response.headers["content-length"] == "25"


def test_the_request_tells_the_hosts_contract_version(plain_server) -> None:
    assert get(plain_server, "/version").text == "(1, 0)"


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/bad-status", "status must be an int in 200..599, not '200'"),
        ("/no-body", "Headless is not a response: it has no body attribute"),
        ("/bad-header", "value of header 'x-bad' contains a control character"),
        ("/dict-body", "response body must be bytes, str, an iterable"),
    ],
)
def test_an_object_that_breaks_the_contract_is_a_500_naming_why(plain_server, path, reason) -> None:
    wire = raw_get(plain_server, path)
    assert wire.startswith(b"HTTP/1.1 500 "), wire
    assert b"smuggled" not in wire and b"status as text" not in wire
    logged(plain_server, reason)
    assert get(plain_server, "/").status_code == 200


def test_a_stale_length_of_a_foreign_object_gives_way_to_its_body(plain_server) -> None:
    response = get(plain_server, "/stale-length")
    assert response.content == b"a longer body"
    assert response.headers["content-length"] == "13"


# -- response validation (spec 7.1, 7.2) ------------------------------------------------------------


def test_replacing_the_body_around_old_headers_sends_the_new_body_whole(rules_server) -> None:
    # The client used to get a well-framed 200 cut at the old length ("a b").
    longer = get(rules_server, "/replace-longer")
    assert longer.content == b"a body longer than the old one"
    assert longer.headers["content-length"] == str(len(longer.content))
    shorter = get(rules_server, "/replace-shorter")
    assert shorter.content == b"short" and shorter.headers["content-length"] == "5"


def test_a_content_length_set_later_against_the_body_fails_where_it_was_set(rules_server) -> None:
    wire = raw_get(rules_server, "/later-length")
    assert wire.startswith(b"HTTP/1.1 500 "), wire
    logged(rules_server, "content-length 2 contradicts the 3-byte body")


def test_a_content_length_that_is_not_a_number_fails_where_it_was_made(rules_server) -> None:
    wire = raw_get(rules_server, "/bad-length")
    assert wire.startswith(b"HTTP/1.1 500 "), wire
    # Raised by the application's own line, so the log shows its traceback and the reason.
    logged(rules_server, "content-length must be one non-negative integer, got 'abc'")
    assert "Error at index" not in rules_server.log()


def test_values_with_surrounding_whitespace_are_sent_without_it(rules_server) -> None:
    wire = raw_get(rules_server, "/cookie-with-space")
    assert wire.startswith(b"HTTP/1.1 200 "), wire
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nSet-Cookie: csrftoken=abc123; Path=/; SameSite=Lax\r\n" in head + b"\r\n"
    assert b"\r\nX-Padded: padded value\r\n" in head + b"\r\n"


def test_a_control_character_fails_in_the_application_naming_the_field(rules_server) -> None:
    wire = raw_get(rules_server, "/control-character")
    assert wire.startswith(b"HTTP/1.1 500 ") and b"bell" not in wire, wire
    logged(rules_server, "value of header 'x-ctl' contains a control character")


def test_a_field_too_large_for_the_link_is_a_500_at_once_and_frees_its_stream(rules_server) -> None:
    # Each of these used to hang, holding one of the worker's four streams for good.
    for _ in range(6):
        response = get(rules_server, "/huge-header")
        assert response.status_code == 500
        assert "a" * 100 not in response.text
    logged(rules_server, "longer than 65535 bytes")
    assert get(rules_server, "/").text == "ok"


def test_a_trailer_too_large_for_the_link_ends_the_response_badly_not_never(rules_server) -> None:
    for _ in range(2):
        with RawConnection(rules_server.port) as conn:
            conn.send(b"GET /huge-trailer HTTP/1.1\r\nHost: e2e\r\nTE: trailers\r\n\r\n")
            head = conn.read_head()
            assert (head.status, head.header("transfer-encoding")) == (200, "chunked")
            # The body cannot end well, so it ends without its last chunk (11.3), at once.
            with pytest.raises(ConnectionError):
                conn.read_body(head)
    logged(rules_server, "response trailers not sent")
    assert get(rules_server, "/").text == "ok"  # the worker and its link live on


@pytest.mark.parametrize("path", ["/dict-body", "/set-body"])
def test_dict_and_set_bodies_are_refused(rules_server, path) -> None:
    response = get(rules_server, path)
    assert response.status_code == 500 and response.text == "Internal Server Error"
    logged(rules_server, "iterating it would send its keys")


def test_text_gets_one_content_type_whether_whole_or_streamed(rules_server) -> None:
    streamed = get(rules_server, "/str-generator")
    whole = get(rules_server, "/str-body")
    assert streamed.headers["content-type"] == whole.headers["content-type"] == "text/plain; charset=utf-8"
    assert streamed.text == "caf\u00e9\ncr\u00e8me\n" and whole.text == "caf\u00e9\n"


def test_response_trailers_are_announced(rules_server) -> None:
    wire = raw_get(rules_server, "/trailers", b"TE: trailers\r\n")
    head, _, rest = wire.partition(b"\r\n\r\n")
    assert b"\r\ntrailer: x-checksum, x-count" in head.lower(), head
    assert b"x-checksum: abc" in rest.lower()


def test_looking_up_a_bytes_name_raises_a_clear_type_error(rules_server) -> None:
    text = get(rules_server, "/headers-misuse").text
    assert text.startswith("TypeError: header names are looked up as str, not bytes"), text
