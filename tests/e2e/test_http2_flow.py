"""HTTP/2 flow control as backpressure, resets, trailers, errors and shutdown, driven frame by
frame with the `h2` library (spec 8.2, 8.3, 11.3, 11.5).
"""
from __future__ import annotations

import hashlib
import json
import signal
import socket
import time
from pathlib import Path
from typing import Iterator

import h2.settings
import pytest

from e2e_server import PeakMemory, Server, stop_cleanly
from h2_client import H2Client
from h2_frames import INTERNAL_ERROR, NO_ERROR, DataFrame, GoAwayFrame, PingFrame, RawH2, SettingsFrame
from h2_servers import read_text, start, steady, still_serves, wait_text

# The worker link's per-stream window, the same both ways (INITIAL_WINDOW, spec/worker-link.md:
# python/src/wsging/worker/session.py and the server's LinkSettings): request body the front end
# may hand to the worker before the application reads it, and response body the worker may
# hand to the front end before the client has taken any.
LINK_WINDOW = 256 * 1024
INITIAL_WINDOW = h2.settings.SettingCodes.INITIAL_WINDOW_SIZE


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(tmp_path_factory.mktemp("h2-flow"))
    yield server
    stop_cleanly(server)


def tag() -> str:
    return f"t{time.monotonic_ns()}"


def push_until_stalled(client: H2Client, stream_id: int, total: int, quiet: float = 1.5) -> int:
    """Sends body bytes while the server grants window; returns how many went out before it
    stopped granting for `quiet` seconds."""
    sent = 0
    last_progress = time.monotonic()
    while sent < total and time.monotonic() - last_progress < quiet:
        window = min(client.conn.local_flow_control_window(stream_id), client.conn.max_outbound_frame_size, total - sent)
        if window > 0:
            client.conn.send_data(stream_id, b"b" * window)
            client.flush()
            sent += window
            last_progress = time.monotonic()
        else:
            client.read_some(0.2)
    return sent


def test_request_body_window_is_granted_only_as_the_app_reads(server: Server) -> None:
    name, total = tag(), 8 << 20
    with H2Client(server.port, timeout=20) as client:
        window = client.server_setting(INITIAL_WINDOW, 65535)
        assert total > 4 * (window + LINK_WINDOW), f"the server's window ({window}) is too large for this test"
        stream = client.request(f"/gated-body?tag={name}", method="POST", end_stream=False)
        wait_text(server, f"/note?tag={name}", lambda text: text == "held")
        sent = push_until_stalled(client, stream, total)
        # Without reads, the client may fill the stream window and the worker link's window
        # (and one frame of window granted while the last bytes moved on).
        assert sent <= window + LINK_WINDOW + 16384, f"{sent} bytes accepted before the app read any (window {window})"
        assert sent >= min(window, 65535), f"only {sent} bytes: the announced window {window} was not honoured"
        read_text(server, f"/open-gate?tag={name}")
        client.send_body(stream, b"b" * (total - sent))
        record = client.response(stream, timeout=30)
    assert (record.status, bytes(record.data)) == (200, str(total).encode())


def test_one_stalled_upload_does_not_hold_the_connection_window(server: Server) -> None:
    name = tag()
    upload = bytes(range(256)) * 4096  # 1 MiB through the same connection's window
    with H2Client(server.port, timeout=30) as client:
        held = client.request(f"/gated-body?tag={name}", method="POST", end_stream=False)
        wait_text(server, f"/note?tag={name}", lambda text: text == "held")
        push_until_stalled(client, held, 8 << 20)
        other = client.request("/sha256", method="POST", body=upload)
        record = client.response(other, timeout=30)
        assert bytes(record.data) == f"{hashlib.sha256(upload).hexdigest()} {len(upload)}".encode()
        client.reset(held)


def test_a_client_granting_no_window_stops_the_producer(server: Server) -> None:
    name, size = tag(), 8 << 20
    settings = {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 16384}
    with H2Client(server.port, timeout=30, settings=settings, auto_ack=False) as client:
        stream = client.request(f"/produce?tag={name}&size={size}")
        client.wait("the response head", lambda: client.streams[stream].headers is not None)
        client.settle(1.0)
        produced = steady(lambda: int(read_text(server, f"/produced?tag={name}")))
        # What the client's window took, what waits in the worker link's window, and a few
        # pieces on their way (the app's pieces are 16 KiB).
        bound = 16384 + LINK_WINDOW + 4 * 16384
        assert produced <= bound, f"the app produced {produced} bytes for a client that granted 16 KiB"
        received = len(client.streams[stream].data)
        assert received <= 65535, f"{received} bytes sent beyond the client's windows"
        client.auto_ack = True
        client.ack(stream, received)
        record = client.response(stream, timeout=60)
    assert len(record.data) == size
    assert int(read_text(server, f"/produced?tag={name}")) == size


def test_slow_readers_keep_server_memory_flat(server: Server) -> None:
    size, streams = 32 << 20, 16
    with H2Client(server.port, timeout=30) as warm:  # classes loaded, buffers pooled
        assert len(warm.get(f"/produce?tag={tag()}&size={4 << 20}").data) == 4 << 20
    with PeakMemory(server.pid) as memory:
        with H2Client(server.port, timeout=30, auto_ack=False) as client:
            ids = [client.request(f"/produce?tag={tag()}&size={size}") for _ in range(streams)]
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:  # read a trickle: 16 KiB per stream every 0.1 s
                client.settle(0.1)
                for stream in ids:
                    client.ack(stream, 16384)
            received = sum(len(client.streams[s].data) for s in ids)
            for stream in ids:
                client.reset(stream)
    assert received < streams * size / 4
    assert memory.growth_mib < 32, f"java grew by {memory.growth_mib:.1f} MiB for {streams} slow streams"
    still_serves(server)


def test_client_reset_is_seen_by_the_app_and_other_streams_go_on(server: Server) -> None:
    name = tag()
    with H2Client(server.port, timeout=20) as client:
        waiting = client.request(f"/wait-disconnect?tag={name}")
        slow = client.request("/slow?ms=1500")
        wait_text(server, f"/outcome?tag={name}", lambda text: text == "waiting")
        client.reset(waiting)
        wait_text(server, f"/outcome?tag={name}", lambda text: text == "disconnected=True, finished")
        after = client.request("/")
        assert (client.response(slow).status, bytes(client.streams[slow].data)) == (200, b"slept")
        assert (client.response(after).status, bytes(client.streams[after].data)) == (200, b"Hello, world!")


def test_client_reset_during_a_body_read_raises_client_disconnected(server: Server) -> None:
    name = tag()
    with H2Client(server.port, timeout=20) as client:
        stream = client.request(f"/read-body?tag={name}", method="POST", body=b"part of it", end_stream=False)
        wait_text(server, f"/outcome?tag={name}", lambda text: text == "reading")
        client.reset(stream)
        wait_text(server, f"/outcome?tag={name}", lambda text: text == "ClientDisconnected")
        assert client.get("/").status == 200


def test_request_trailers_reach_the_app_and_response_trailers_the_client(server: Server) -> None:
    with H2Client(server.port) as client:
        stream = client.request(f"/read-body?tag={tag()}", method="POST", body=b"12345", end_stream=False,
                                headers=[("te", "trailers")])
        client.send_trailers(stream, [("x-checksum", "abc")])
        seen = json.loads(bytes(client.response(stream).data))
        answered = client.get("/trailers", headers=[("te", "trailers")])
    assert seen["length"] == 5
    assert seen["trailers"] == [["x-checksum", "abc"]]
    assert "x-checksum" not in [name for name, _ in seen["headers"]]
    assert bytes(answered.data) == b"first,second"
    assert answered.trailers == [("x-body-sha256", hashlib.sha256(b"first,second").hexdigest())]


def test_app_error_after_the_head_resets_the_stream_with_internal_error(server: Server) -> None:
    with H2Client(server.port) as client:
        record = client.get("/fail-mid-body")
        assert record.status == 200
        assert record.reset_code == INTERNAL_ERROR, f"stream ended with {record.reset_code}, ended={record.ended}"
        assert client.get("/").status == 200  # the connection goes on


def test_app_error_before_the_head_gets_500_without_a_traceback(server: Server) -> None:
    with H2Client(server.port) as client:
        record = client.get("/fail-before-head")
        assert record.status == 500
        assert record.ended and record.reset_code is None
        assert b"Traceback" not in record.data and b"e2e-app-failure-marker" not in record.data
        assert client.get("/").status == 200


def test_graceful_shutdown_sends_goaway_and_the_stream_in_flight_completes(server_built: None, tmp_path: Path) -> None:
    private = start(tmp_path)
    try:
        with H2Client(private.port, timeout=20) as client:
            stream = client.request("/slow-body?n=6&ms=250")
            client.wait("the response head", lambda: client.streams[stream].headers is not None)
            private.signal(signal.SIGTERM)
            client.wait("GOAWAY", lambda: client.goaway is not None)
            assert client.goaway.last_stream_id >= stream
            record = client.response(stream, timeout=20)
            assert record.ended and record.reset_code is None
            assert bytes(record.data) == b"".join(f"piece {i}\n".encode() for i in range(6))
        assert private.wait(30) == 0
    finally:
        stop_cleanly(private)


def test_client_half_close_cancels_the_streams_still_waiting_for_their_body(server_built: None, tmp_path: Path) -> None:
    """A client that shuts down its sending side can never finish a request body: the
    application reading it sees ClientDisconnected instead of waiting for the body timeout (and
    holding a graceful shutdown that long), while a complete request still gets its answer.
    A server of its own, so a stream left waiting cannot hold the module's server at teardown."""
    name = tag()
    server = start(tmp_path, ["--graceful-timeout", "3"])
    try:
        half_close_while_a_body_is_awaited(server, name)
    finally:
        stop_cleanly(server)


def half_close_while_a_body_is_awaited(server: Server, name: str) -> None:
    with RawH2(server.port) as conn:
        conn.send(conn.headers_frame(1, f"/read-body?tag={name}", method="POST", end_stream=False),
                  conn.headers_frame(3, "/slow?ms=500"))
        wait_text(server, f"/outcome?tag={name}", lambda text: text == "reading")
        conn.sock.shutdown(socket.SHUT_WR)
        wait_text(server, f"/outcome?tag={name}", lambda text: text == "ClientDisconnected", timeout=5)
        answer = conn.until("the complete request's answer", lambda f: isinstance(f, DataFrame) and f.stream_id == 3)
        assert answer.data == b"slept"


def test_frames_after_the_clients_goaway_do_not_destroy_the_servers_goaway(server: Server) -> None:
    """After a client's GOAWAY with no stream open the server sends its GOAWAY and ends the
    connection; frames the client still sends (h2spec sends a PING) must not make it reset the
    connection: a socket closed with unread input sends a reset, which discards what the client
    had not read yet, the server's GOAWAY included (h2spec saw ECONNRESET). The server shuts its
    output and reads and drops input for a while instead. The client keeps sending PINGs for
    0.3 s after its GOAWAY, so the server's close meets unread input, then reads to the end."""
    with RawH2(server.port) as conn:
        conn.until("the server's SETTINGS", lambda f: isinstance(f, SettingsFrame))
        conn.send(GoAwayFrame(0, last_stream_id=0, error_code=NO_ERROR))
        until = time.monotonic() + 0.3
        while time.monotonic() < until and conn.send(PingFrame(0, opaque_data=b"late-png")):
            time.sleep(0.001)
        assert conn.until_closed(10)
        assert not conn.reset_by_server, "the server reset the connection instead of closing it"
        assert not conn.send_failed, "the server closed before the client's late frames arrived"
        assert conn.goaway() is not None and conn.goaway().error_code == NO_ERROR
    with H2Client(server.port) as client:
        assert client.get("/").status == 200
