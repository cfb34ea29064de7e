"""Priority signals over HTTP/2 (spec 8.4, RFC 9218): the `priority` field and PRIORITY_UPDATE
frames reach `request.priority`; malformed PRIORITY_UPDATE frames end the connection with the
RFC's error, and the server goes on serving others."""
from __future__ import annotations

from typing import Iterator

import pytest

from e2e_server import Server
from h2_frames import FRAME_SIZE_ERROR, PROTOCOL_ERROR, DataFrame, GoAwayFrame, RawH2
from h2_push_client import PushClient, priority_update, still_serves

PUSH_APP = "push_app:app"


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("priority") / "server.log", app=PUSH_APP).start()
    yield s
    assert s.stop() == 0


def test_the_priority_field_reaches_request_priority(server: Server) -> None:
    with PushClient(server.port) as client:
        assert client.get("/priority", headers=[("priority", "u=1, i")]).data == b"u=1 i=True\n"
        assert client.get("/priority").data == b"u=3 i=False\n"
        assert client.get("/priority", headers=[("priority", "u=9, i=?2")]).data == b"u=3 i=False\n"


def test_a_priority_update_reaches_the_running_request(server: Server) -> None:
    with PushClient(server.port) as client:
        stream_id = client.request("/priority/changes", headers=[("priority", "u=5")])
        record = client.answers[stream_id]
        client.wait("the first line", lambda: b"\n" in record.data)
        assert bytes(record.data) == b"u=5 i=False\n"
        client.send_raw(priority_update(stream_id, b"u=0, i"))
        client.response(stream_id)
    assert bytes(record.data) == b"u=5 i=False\nu=0 i=True\n"


def test_an_update_sent_before_its_request_applies_when_it_starts(server: Server) -> None:
    with PushClient(server.port) as client:
        stream_id = client.next_stream_id()
        client.send_raw(priority_update(stream_id, b"u=6"))
        assert client.request("/priority", headers=[("priority", "u=1")]) == stream_id
        # The update is the latest signal: it wins over the field of the HEADERS after it.
        assert client.response(stream_id).data == b"u=6 i=False\n"
        # An update for a stream that is over changes nothing and breaks nothing.
        client.send_raw(priority_update(stream_id, b"u=0"))
        assert client.get("/priority").data == b"u=3 i=False\n"


def test_early_updates_are_bounded_to_the_newest_64(server: Server) -> None:
    with RawH2(server.port) as raw:
        # Updates for 500 streams the client has not opened yet (1, 3, ... 999): the server
        # keeps only the newest 64 of them (streams 873 to 999).
        raw.send_bytes(b"".join(priority_update(1 + 2 * i, b"u=2") for i in range(500)))
        raw.send(raw.headers_frame(1, "/priority"))
        first = raw.until("stream 1's body", lambda f: isinstance(f, DataFrame) and f.stream_id == 1)
        assert first.data == b"u=3 i=False\n"  # its update was dropped
        raw.send(raw.headers_frame(999, "/priority"))
        last = raw.until("stream 999's body", lambda f: isinstance(f, DataFrame) and f.stream_id == 999)
        assert last.data == b"u=2 i=False\n"  # its update was kept and applied
        assert raw.goaway() is None


@pytest.mark.parametrize(
    "frame, code",
    [
        # On stream 1 while its request runs (Netty drops frames of unknown types on streams it
        # does not know before any listener sees them).
        pytest.param(priority_update(1, b"u=1", on_stream=1), PROTOCOL_ERROR, id="on-a-request-stream"),
        pytest.param(priority_update(0, b"u=1"), PROTOCOL_ERROR, id="for-stream-0"),
        pytest.param(b"\x00\x00\x02\x10\x00\x00\x00\x00\x00\x00\x01", FRAME_SIZE_ERROR, id="shorter-than-4-bytes"),
    ],
)
def test_a_malformed_priority_update_is_a_connection_error(server: Server, frame: bytes, code: int) -> None:
    with RawH2(server.port) as raw:
        raw.send(raw.headers_frame(1, "/priority/changes"))
        raw.until("the first line", lambda f: isinstance(f, DataFrame) and f.stream_id == 1)
        raw.send_bytes(frame)
        goaway = raw.until("GOAWAY", lambda f: isinstance(f, GoAwayFrame))
        assert goaway.error_code == code
        assert raw.until_closed(10)
    still_serves(server.port)


def test_a_priority_update_for_a_stream_the_client_never_opened_changes_nothing(server: Server) -> None:
    with RawH2(server.port) as raw:
        raw.send_bytes(priority_update(7, b"u=0"))
        raw.send(raw.headers_frame(1, "/priority", extra=[("priority", "u=2")]))
        data = raw.until("the response body", lambda f: isinstance(f, DataFrame) and f.stream_id == 1)
        assert data.data == b"u=2 i=False\n"
        assert raw.goaway() is None
