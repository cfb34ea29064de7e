"""examples/chat over HTTP, without a browser: its files, the transport it tells a page to use,
the fallback's event stream and POST, every input it refuses, and its answers to WebSocket
offers (the handshake only; tests/e2e/test_example_chat_browser.py runs whole sessions).
"""
from __future__ import annotations

import json
import uuid
from typing import Dict, Iterator, List, Optional

import httpx
import pytest

from e2e_http import RawConnection, RawResponse, exchange
from e2e_server import ROOT, Server, stop_cleanly

CHAT_DIR = ROOT / "examples" / "chat"
# The sample nonce of RFC 6455 section 1.3 and the accept value it gives.
WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
WS_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.fixture(scope="module")
def chat_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("chat") / "server.log", app="chat:app", app_dir=CHAT_DIR).start()
    yield server
    stop_cleanly(server)


class EventStream:
    """GET /events, read event by event; every read is bounded by the client's timeout."""

    def __init__(self, server: Server, headers: Optional[Dict[str, str]] = None) -> None:
        self._client = httpx.Client(timeout=30)
        self._opened = self._client.stream("GET", server.url + "/events", headers=headers)
        self.response = self._opened.__enter__()
        self._lines = self.response.iter_lines()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self._opened.__exit__(None, None, None)
        self._client.close()

    def next_event(self) -> Dict[str, object]:
        """The next event's fields (`id`, `retry`; `data` parsed as JSON); comments skipped."""
        fields: Dict[str, object] = {}
        for line in self._lines:
            if not line:
                if "data" in fields:
                    fields["data"] = json.loads(str(fields["data"]))
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        raise AssertionError(f"the event stream ended; fields so far: {fields}")

    def next_of_type(self, kind: str, limit: int = 500) -> Dict[str, object]:
        """The next event whose data has `"type": kind`, within `limit` events."""
        for _ in range(limit):
            event = self.next_event()
            if event["data"]["type"] == kind:  # type: ignore[index]
                return event
        raise AssertionError(f"no {kind} event within {limit} events")


def post(server: Server, body: bytes, headers: Optional[Dict[str, str]] = None) -> httpx.Response:
    return httpx.post(server.url + "/messages", content=body, headers=headers, timeout=30)


def message(name: str = "ann", text: str = "hi") -> bytes:
    return json.dumps({"name": name, "text": text}).encode()


def test_page_script_and_style_are_served_as_files(chat_server: Server) -> None:
    for path, content_type, caching in (("/", "text/html; charset=utf-8", "no-store"),
                                        ("/chat.js", "text/javascript; charset=utf-8", "no-cache"),
                                        ("/chat.css", "text/css; charset=utf-8", "no-cache")):
        response = httpx.get(chat_server.url + path, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == content_type
        assert response.headers["cache-control"] == caching
        static = CHAT_DIR / "static" / ("index.html" if path == "/" else path[1:])
        assert response.content == static.read_bytes()
        # file_response answers conditional requests: the browser revalidates with the ETag.
        again = httpx.get(chat_server.url + path, headers={"if-none-match": response.headers["etag"]}, timeout=30)
        assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize("path", ["/chat.py", "/room.py", "/static/chat.js", "/static/../chat.py",
                                  "/index.html", "/nothing"])
def test_nothing_else_is_served(chat_server: Server, path: str) -> None:
    response = exchange(chat_server.port, f"GET {path} HTTP/1.1\r\nHost: e2e\r\n\r\n".encode())
    assert (response.status, response.body) == (404, b"Not Found\n")


@pytest.mark.parametrize("method, path, allow", [
    ("POST", "/", "GET, HEAD"), ("DELETE", "/chat.js", "GET, HEAD"), ("POST", "/transport", "GET"),
    ("POST", "/ws", "GET"), ("POST", "/events", "GET"), ("GET", "/messages", "POST"),
    ("PUT", "/messages", "POST"),
])
def test_a_known_path_with_another_method_is_405(chat_server: Server, method: str, path: str, allow: str) -> None:
    response = httpx.request(method, chat_server.url + path, timeout=30)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_transport_forced_to_sse(chat_server: Server) -> None:
    response = httpx.get(chat_server.url + "/transport?transport=sse", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"transport": "sse", "reason": "forced by ?transport=sse"}


@pytest.mark.parametrize("query", ["transport=websocket", "transport=polling", "transport=sse&transport=sse"])
def test_transport_refuses_to_force_anything_but_sse(chat_server: Server, query: str) -> None:
    response = httpx.get(f"{chat_server.url}/transport?{query}", timeout=30)
    assert (response.status_code, response.text) == (400, "transport=sse is the only transport a page can force\n")


def test_transport_over_http10_is_sse(chat_server: Server) -> None:
    # HTTP/1.0 has no Upgrade: the connection carries no WebSocket (spec 10.2).
    response = exchange(chat_server.port, b"GET /transport HTTP/1.0\r\nHost: e2e\r\n\r\n")
    assert response.status == 200
    assert json.loads(response.body) == {"transport": "sse", "reason": "this HTTP/1.0 connection carries no WebSocket"}


def test_transport_over_http11_is_websocket(chat_server: Server) -> None:
    response = httpx.get(chat_server.url + "/transport", timeout=30)
    assert response.status_code == 200
    assert response.json() == {"transport": "websocket", "reason": "this HTTP/1.1 connection carries WebSocket"}


def test_event_stream_welcomes_then_delivers_posted_messages(chat_server: Server) -> None:
    with EventStream(chat_server) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"] == "text/event-stream"
        assert stream.response.headers["cache-control"] == "no-store"
        welcome = stream.next_event()
        assert welcome == {"retry": "2000", "data": {"type": "welcome", "transport": "sse",
                                                       "via": "event-stream", "http_version": "1.1"}}
        text = f"posted {uuid.uuid4().hex[:8]}"
        response = post(chat_server, message("ann", f"  {text}  "), {"content-type": "application/json"})
        assert response.status_code == 200
        event_id = response.json()["id"]
        event = stream.next_of_type("message")
        assert event == {"id": str(event_id), "data": {"type": "message", "id": event_id, "name": "ann",
                                                       "text": text}}


def test_a_reconnecting_stream_gets_only_what_it_missed(chat_server: Server) -> None:
    ids = [post(chat_server, message(text=f"missed {n}")).json()["id"] for n in range(3)]
    with EventStream(chat_server, {"last-event-id": str(ids[0])}) as stream:
        stream.next_of_type("welcome")
        replayed = [stream.next_of_type("message")["data"] for _ in range(2)]
    assert [(event["id"], event["text"]) for event in replayed] == [(ids[1], "missed 1"), (ids[2], "missed 2")]  # type: ignore[index]


@pytest.mark.parametrize("last_event_id", ["abc", "-1", "1.5", "\u00b2", ""])
def test_a_last_event_id_that_is_no_event_id_is_400(chat_server: Server, last_event_id: str) -> None:
    response = exchange(chat_server.port, f"GET /events HTTP/1.1\r\nHost: e2e\r\nLast-Event-ID: {last_event_id}\r\n\r\n"
                        .encode("utf-8"))
    assert (response.status, response.body) == (400, b"last-event-id is an event id, a number\n")


def test_members_are_counted_as_they_join_and_leave(chat_server: Server) -> None:
    with EventStream(chat_server) as watcher:
        joined = int(watcher.next_of_type("members")["data"]["count"])  # type: ignore[index]
        with EventStream(chat_server) as other:
            other.next_of_type("welcome")
            assert watcher.next_of_type("members")["data"]["count"] == joined + 1  # type: ignore[index]
        # The server notices the closed connection and cancels that stream: the member leaves.
        assert watcher.next_of_type("members")["data"]["count"] == joined  # type: ignore[index]


@pytest.mark.parametrize("body, error", [
    (b"hello", 'a message is a JSON object'),
    (b"\xff\xfe{", 'a message is a JSON object'),
    (b"[1, 2]", 'a message is a JSON object'),
    (b'{"name": "ann"}', 'a message has a "name" and a "text", both strings'),
    (b'{"name": "ann", "text": 5}', 'a message has a "name" and a "text", both strings'),
    (b'{"name": "  ", "text": "hi"}', "a name has 1 to 40 characters"),
    (message(name="n" * 41), "a name has 1 to 40 characters"),
    (message(text=" \t\n "), "a text has 1 to 1000 characters"),
    (message(text="t" * 1001), "a text has 1 to 1000 characters"),
])
def test_a_message_that_is_not_one_is_400(chat_server: Server, body: bytes, error: str) -> None:
    response = post(chat_server, body)
    assert (response.status_code, response.text) == (400, error + "\n")


def test_a_message_over_8_kib_is_413_sized_or_chunked(chat_server: Server) -> None:
    big = message(text="x" * 9000)
    assert post(chat_server, big).status_code == 413
    with RawConnection(chat_server.port) as conn:
        conn.send(b"POST /messages HTTP/1.1\r\nHost: e2e\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big))
        response = conn.read_response()
    assert (response.status, response.body) == (413, b"a message has at most 8192 bytes\n")


def test_a_message_from_another_site_is_403(chat_server: Server) -> None:
    response = post(chat_server, message(), {"origin": "https://elsewhere.example"})
    assert (response.status_code, response.text) == (403, "forbidden origin\n")
    same_site = post(chat_server, message(), {"origin": chat_server.url})
    assert same_site.status_code == 200


def _offer(server: Server, fields: List[str], path: str = "/ws") -> RawResponse:
    """A WebSocket handshake for `path` with extra header lines; the response head (and body,
    unless it is the 101)."""
    request = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Upgrade: websocket",
               "Connection: Upgrade", f"Sec-WebSocket-Key: {WS_KEY}", "Sec-WebSocket-Version: 13", *fields]
    with RawConnection(server.port) as conn:
        conn.send(("\r\n".join(request) + "\r\n\r\n").encode())
        response = conn.read_head(final=False)  # a 101 is final here, not an interim response
        if response.status != 101:
            conn.read_body(response)
        return response


def test_ws_without_a_handshake_is_426(chat_server: Server) -> None:
    response = exchange(chat_server.port, b"GET /ws HTTP/1.1\r\nHost: e2e\r\n\r\n")
    assert (response.status, response.body) == (426, b"This is the chat's WebSocket: connect with a WebSocket handshake.\n")
    assert response.header("upgrade") == "websocket"


@pytest.mark.parametrize("origin", ["http://elsewhere.example", "null", "https://127.0.0.1:{port}",
                                    "http://127.0.0.1:{port}.elsewhere.example"])
def test_an_offer_from_another_origin_is_refused_with_403(chat_server: Server, origin: str) -> None:
    response = _offer(chat_server, [f"Origin: {origin.format(port=chat_server.port)}", "Sec-WebSocket-Protocol: chat.v1"])
    assert (response.status, response.body) == (403, b"forbidden origin\n")


@pytest.mark.parametrize("protocols", [[], ["Sec-WebSocket-Protocol: chat.v2, other"]])
def test_an_offer_without_the_chat_subprotocol_is_400(chat_server: Server, protocols: List[str]) -> None:
    response = _offer(chat_server, [f"Origin: {chat_server.url}", *protocols])
    assert (response.status, response.body) == (400, b"use subprotocol chat.v1\n")


@pytest.mark.parametrize("origin", [["Origin: http://127.0.0.1:{port}"], []])
def test_a_same_origin_offer_or_one_from_no_page_is_accepted_with_chat_v1(chat_server: Server,
                                                                          origin: List[str]) -> None:
    fields = [line.format(port=chat_server.port) for line in origin]
    response = _offer(chat_server, [*fields, "Sec-WebSocket-Protocol: other, chat.v1"])
    assert response.status == 101, response
    assert response.header("sec-websocket-accept") == WS_ACCEPT
    assert response.header("sec-websocket-protocol") == "chat.v1"
