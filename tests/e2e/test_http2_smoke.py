"""HTTP/2 over cleartext (h2c), driven by curl and by the `h2` library over real connections:
prior knowledge and the Upgrade, the request as the application sees it, concurrency, flow
control both ways, resets, and graceful shutdown (spec 8, MUST-H2-1..5)."""
from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
import urllib.request
from typing import List, Tuple

import h2.errors
import h2.events
import pytest

from conftest import require_tool
from curl_helpers import curl
from e2e_server import APPS, LAUNCHER
from h2_client import H2Client, StreamRecord

KIB = 1024


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_curl_with_prior_knowledge(main_server) -> None:
    done = curl(["--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", main_server.url + "/"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"Hello, world!\n2 200"


def test_curl_upgrade_with_a_body_is_answered_on_stream_1(main_server) -> None:
    # curl sends the whole POST with Upgrade: h2c; the answer comes over HTTP/2 after the 101.
    done = curl(["-v", "--http2", "--data-binary", "upgraded body", "-w", "\n%{http_version}",
                 main_server.url + "/echo"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"upgraded body\n2"
    assert b"101 Switching Protocols" in done.stderr


@pytest.mark.parametrize("option, value", [("--h2-max-frame-size", "16383"), ("--h2-initial-window-size", "0"),
                                           ("--h2-max-concurrent-streams", "2147483648")])
def test_an_http2_option_out_of_its_range_is_a_one_line_error(server_built, option: str, value: str) -> None:
    done = subprocess.run([str(LAUNCHER), "serve", "e2e_app:app", "--app-dir", str(APPS), option, value],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"wsging: error: {option}: expected a whole number from "
                                                f"{'16384 to 16777215' if option == '--h2-max-frame-size' else '1 to 2147483647'}"
                                                f", got '{value}'"]


def test_no_http2_turns_it_off(start_server) -> None:
    server = start_server(options=["--no-http2"])
    done = curl(["--http2-prior-knowledge", server.url + "/"])
    assert done.returncode != 0  # the preface is an HTTP/1.1 request line it refuses
    done = curl(["--http2", "-w", "\n%{http_version}", server.url + "/"])
    assert done.stdout == b"Hello, world!\n1.1"


def test_the_same_port_still_speaks_http_1_1(main_server) -> None:
    done = curl(["--http1.1", "-w", "\n%{http_version}", main_server.url + "/"])
    assert done.stdout == b"Hello, world!\n1.1"


def test_a_broken_preface_is_refused_with_400_and_a_close(main_server) -> None:
    with socket.create_connection(("127.0.0.1", main_server.port), timeout=10) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
        received = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            received += chunk
    assert received.startswith(b"HTTP/1.1 400 "), received
    assert _get(main_server.url + "/") == "Hello, world!"


def test_the_request_as_the_application_sees_it(main_server) -> None:
    with H2Client(main_server.port) as c:
        sid = c.request("/inspect/a%20b?x=1", headers=[("cookie", "a=1"), ("x-one", "1"), ("cookie", "b=2")], authority="e2e")
        r = c.response(sid)
    assert r.status == 200
    seen = json.loads(r.data)
    assert seen["http_version"] == "2"
    assert seen["raw_path"] == "/inspect/a%20b" and seen["query_string"] == "x=1"
    headers = seen["headers"]
    # :authority becomes host; the two cookie fields one, joined by "; " (RFC 9113 §8.2.3);
    # no pseudo-header field reaches the application.
    assert ["host", "e2e"] in headers
    assert ["cookie", "a=1; b=2"] in headers
    assert not [name for name, _ in headers if name.startswith(":")]
    # push: the client left SETTINGS_ENABLE_PUSH at its default (1), so the extension is offered;
    # websocket: the server announces SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441).
    assert seen["capabilities"] == ["response_trailers", "early_hints", "push", "websocket", "request_trailers"]
    assert seen["content_length"] == 0


def test_response_trailers_and_early_hints(main_server) -> None:
    with H2Client(main_server.port) as c:
        trailers = c.request("/trailers")
        hints = c.request("/hints")
        t = c.response(trailers)
        h = c.response(hints)
    assert bytes(t.data) == b"first,second"
    assert t.trailers is not None and dict(t.trailers)["x-body-sha256"]
    assert [dict(i)[":status"] for i in h.informational] == ["103"]
    assert dict(h.informational[0])["link"] == "</style.css>; rel=preload; as=style"
    assert bytes(h.data) == b"hints sent"


def test_concurrent_streams_are_concurrent_calls(main_server) -> None:
    # MUST-H2-1: five requests that each sleep 1.5 s, on one connection, end together.
    with H2Client(main_server.port) as c:
        started = time.monotonic()
        ids = [c.request("/slow?ms=1500") for _ in range(5)]
        bodies = [bytes(c.response(sid).data) for sid in ids]
        elapsed = time.monotonic() - started
    assert bodies == [b"slept"] * 5
    assert elapsed < 4, elapsed


def _fill_window(c: H2Client, sid: int, limit: int) -> int:
    """Sends DATA on `sid` while the server's windows allow (up to `limit`); returns how much."""
    sent = 0
    deadline = time.monotonic() + 5
    while sent < limit and time.monotonic() < deadline:
        room = min(c.sendable(sid), c.conn.max_outbound_frame_size, limit - sent)
        if room > 0:
            c.send_data(sid, b"u" * room)
            sent += room
            continue
        c.read_some(0.3)
    return sent


def test_request_window_grows_only_as_the_application_reads(main_server) -> None:
    # MUST-H2-2: /wait-disconnect reads nothing. The client may send its stream window (the
    # server's 256 KiB) plus what the worker buffers for the application (its 256 KiB link
    # window), and then no more; MUST-H2-4: another stream on the connection is not held up.
    with H2Client(main_server.port) as c:
        stuck = c.request("/wait-disconnect?tag=h2-window", "POST", end_stream=False)
        sent = _fill_window(c, stuck, 4 << 20)
        assert 256 * KIB <= sent <= 512 * KIB + 64 * KIB, sent
        before = c.streams[stuck].window_granted
        c.read_some(1.0)
        assert c.sendable(stuck) == 0
        assert c.streams[stuck].window_granted == before
        payload = bytes(range(256)) * 4096  # 1 MiB through the same connection
        other = c.request("/echo", "POST", end_stream=False)
        rest = payload
        deadline = time.monotonic() + 20
        while rest and time.monotonic() < deadline:
            room = min(c.sendable(other), c.conn.max_outbound_frame_size, len(rest))
            if room > 0:
                c.send_data(other, rest[:room], end_stream=room == len(rest))
                rest = rest[room:]
            else:
                c.read_some(0.2)
        r = c.response(other, timeout=20)
        assert bytes(r.data) == payload


def test_a_client_that_does_not_read_stops_the_application(main_server) -> None:
    # MUST-H2-3: the client's window is 64 KiB and it never returns any of it: the application
    # produces at most what the client's window and the worker link's window hold.
    with H2Client(main_server.port, auto_ack=False) as c:
        sid = c.request("/stream?size=104857600&chunk=16384")
        c.wait("the first DATA", lambda: len(c.streams[sid].data) > 0)
        time.sleep(1.0)
        first = int(_get(main_server.url + "/progress"))
        time.sleep(1.0)
        second = int(_get(main_server.url + "/progress"))
    assert second == first, (first, second)
    assert first < 1 << 20, first


def test_a_client_reset_cancels_the_application(main_server) -> None:
    with H2Client(main_server.port) as c:
        sid = c.request("/endless?tag=h2-rst")
        c.wait("some body", lambda: len(c.streams[sid].data) > 0)
        c.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
        c.flush()
        deadline = time.monotonic() + 10
        while _get(main_server.url + "/outcome?tag=h2-rst") != "GeneratorExit at yield":
            assert time.monotonic() < deadline, "the application was not cancelled"
            time.sleep(0.05)
        # the connection serves on
        again = c.request("/")
        assert bytes(c.response(again).data) == b"Hello, world!"


def test_a_stream_reset_before_its_call_started_never_starts_it(main_server) -> None:
    # MUST-H2-5 (first part): HEADERS and RST_STREAM in one write.
    with H2Client(main_server.port) as c:
        sid = c.conn.get_next_available_stream_id()
        c.streams[sid] = StreamRecord()
        c.conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":authority", "e2e"),
                                  (":path", "/read-body?tag=h2-never")], end_stream=False)
        c.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
        c.flush()
        probe = c.request("/")
        assert bytes(c.response(probe).data) == b"Hello, world!"
    time.sleep(0.3)
    assert _get(main_server.url + "/outcome?tag=h2-never") == "none yet"


def test_rapid_reset_is_answered_with_enhance_your_calm(main_server) -> None:
    # MUST-H2-5: a client that opens and resets streams without end is sent away.
    with H2Client(main_server.port) as c:
        for _ in range(400):
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "e2e"),
                                      (":path", "/slow?ms=5000")], end_stream=True)
            c.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
        try:
            c.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        c.wait("GOAWAY", lambda: c.goaway is not None or c.closed)
    assert c.goaway is not None and c.goaway.error_code == h2.errors.ErrorCodes.ENHANCE_YOUR_CALM
    assert _get(main_server.url + "/") == "Hello, world!"


def test_malformed_requests_get_stream_errors(main_server) -> None:
    with H2Client(main_server.port) as c:
        bad = c.conn.get_next_available_stream_id()
        c.streams[bad] = StreamRecord()
        # h2 validates what it sends: switch that off for this one frame
        c.conn.config.validate_outbound_headers = False
        c.conn.send_headers(bad, [(":method", "GET"), (":scheme", "http"), (":authority", "e2e")], end_stream=True)
        c.conn.config.validate_outbound_headers = True
        c.flush()
        r = c.response(bad)
        assert r.reset_code == h2.errors.ErrorCodes.PROTOCOL_ERROR
        good = c.request("/")
        assert bytes(c.response(good).data) == b"Hello, world!"


def test_graceful_shutdown_lets_streams_in_flight_finish(start_server) -> None:
    # GOAWAY goes out at once; the stream in flight still gets its whole answer (curl, as the
    # h2 library closes its side on any GOAWAY).
    server = start_server()
    client = subprocess.Popen(
        [require_tool("curl"), "-sS", "--max-time", "20", "--http2-prior-knowledge", "-w", "\n%{http_version}",
         server.url + "/slow?ms=1500"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while _get(server.url + "/inflight") != "1":
        assert time.monotonic() < deadline, "the request never started"
        time.sleep(0.05)
    server.signal(signal.SIGTERM)
    out, err = client.communicate(timeout=30)
    assert client.returncode == 0, err
    assert out == b"slept\n2"
    assert server.wait(30) == 0


def _raw_h2(port: int) -> socket.socket:
    from hyperframe.frame import SettingsFrame

    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + SettingsFrame(0).serialize())
    return s


def _goaway_codes(s: socket.socket, seconds: float = 5) -> Tuple[List[int], bool]:
    """The error codes of the GOAWAY frames the server sends within `seconds`, and whether it closed."""
    data = b""
    closed = False
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    codes = []
    i = 0
    while i + 9 <= len(data):
        length = int.from_bytes(data[i:i + 3], "big")
        if data[i + 3] == 7 and i + 17 <= len(data):
            codes.append(int.from_bytes(data[i + 13:i + 17], "big"))
        i += 9 + length
    return codes, closed


def _headers_frame(stream_id: int, path: str, end_stream: bool = True, encoder=None) -> bytes:
    from hpack import Encoder
    from hyperframe.frame import HeadersFrame

    frame = HeadersFrame(stream_id)
    frame.data = (encoder or Encoder()).encode(
        [(":method", "GET"), (":scheme", "http"), (":path", path), (":authority", "e2e")])
    frame.flags.add("END_HEADERS")
    if end_stream:
        frame.flags.add("END_STREAM")
    return frame.serialize()


@pytest.mark.parametrize("fields", [
    [("X-Upper", "1")],                       # upper-case name
    [("connection", "keep-alive")],           # connection-specific field
    [("te", "gzip")],                         # te other than "trailers"
    [(":path", "/again")],                    # a pseudo-header field twice
])
def test_malformed_fields_are_stream_errors(main_server, fields) -> None:
    # MUST-SEC-2, RFC 9113 §8.2: the stream is refused, the application never called, the
    # connection serves on.
    with H2Client(main_server.port) as c:
        sid = c.conn.get_next_available_stream_id()
        c.streams[sid] = StreamRecord()
        c.conn.config.validate_outbound_headers = False
        c.conn.config.normalize_outbound_headers = False
        c.conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "e2e"),
                                  (":path", "/read-body?tag=h2-malformed"), *fields], end_stream=True)
        c.conn.config.validate_outbound_headers = True
        c.conn.config.normalize_outbound_headers = True
        c.flush()
        assert c.response(sid).reset_code == h2.errors.ErrorCodes.PROTOCOL_ERROR
        good = c.request("/")
        assert bytes(c.response(good).data) == b"Hello, world!"
    assert _get(main_server.url + "/outcome?tag=h2-malformed") == "none yet"


def test_a_body_longer_than_its_content_length_is_a_stream_error(main_server) -> None:
    from hpack import Encoder
    from hyperframe.frame import DataFrame, HeadersFrame

    with _raw_h2(main_server.port) as s:
        head = HeadersFrame(1)
        head.data = Encoder().encode([(":method", "POST"), (":scheme", "http"), (":path", "/echo"),
                                      (":authority", "e2e"), ("content-length", "3")])
        head.flags.add("END_HEADERS")
        data = DataFrame(1, data=b"too long")
        data.flags.add("END_STREAM")
        s.sendall(head.serialize() + data.serialize())
        received = b""
        s.settimeout(5)
        while b"\x03\x00\x00\x00\x00\x01" not in received:  # RST_STREAM (type 3) on stream 1
            chunk = s.recv(65536)
            assert chunk, "closed without a reset"
            received += chunk
        at = received.index(b"\x03\x00\x00\x00\x00\x01")
        assert int.from_bytes(received[at + 6:at + 10], "big") == h2.errors.ErrorCodes.PROTOCOL_ERROR


def test_a_header_section_over_the_limit_is_431(main_server) -> None:
    # MUST-SEC-7: header list size (64 KiB by default)
    with H2Client(main_server.port) as c:
        sid = c.request("/", headers=[("x-big", "a" * 70000)])
        assert c.response(sid).status == 431


def test_streams_beyond_the_concurrent_limit_are_refused(start_server) -> None:
    # MUST-SEC-7: concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS); raw frames, as the h2
    # library keeps to the limit itself.
    from hpack import Encoder

    server = start_server(options=["--h2-max-concurrent-streams", "2"])
    with H2Client(server.port) as c:
        assert c.server_setting(3, -1) == 2
    with _raw_h2(server.port) as s:
        encoder = Encoder()
        s.sendall(b"".join(_headers_frame(i, "/slow?ms=1000", encoder=encoder) for i in (1, 3, 5)))
        received = b""
        s.settimeout(5)
        while b"\x03\x00\x00\x00\x00\x05" not in received:  # RST_STREAM (type 3) on stream 5
            chunk = s.recv(65536)
            assert chunk, "closed without a reset"
            received += chunk
        at = received.index(b"\x03\x00\x00\x00\x00\x05")
        assert int.from_bytes(received[at + 6:at + 10], "big") == h2.errors.ErrorCodes.REFUSED_STREAM


@pytest.mark.parametrize("flood", ["continuation", "empty-data", "made-you-reset"])
def test_floods_are_answered_with_enhance_your_calm(main_server, flood: str) -> None:
    # MUST-SEC-7, MUST-H2-5: GOAWAY(ENHANCE_YOUR_CALM) and close; the server serves on.
    from hpack import Encoder
    from hyperframe.frame import ContinuationFrame, DataFrame, HeadersFrame, WindowUpdateFrame

    with _raw_h2(main_server.port) as s:
        if flood == "continuation":
            head = HeadersFrame(1)
            head.data = Encoder().encode([(":method", "GET"), (":scheme", "http")])[:2]
            frames = head.serialize() + ContinuationFrame(1).serialize() * 10000
        elif flood == "empty-data":
            frames = _headers_frame(1, "/echo", end_stream=False) + DataFrame(1).serialize() * 100
        else:
            # a zero WINDOW_UPDATE on a stream is a stream error the server answers with a reset:
            # clients that make it reset streams are bounded like those that reset them
            encoder = Encoder()
            frames = b"".join(
                _headers_frame(i, "/slow?ms=3000", encoder=encoder) + WindowUpdateFrame(i).serialize()
                for i in range(1, 1200, 2))
        try:
            s.sendall(frames)
        except (BrokenPipeError, ConnectionResetError):
            pass
        codes, closed = _goaway_codes(s)
    assert h2.errors.ErrorCodes.ENHANCE_YOUR_CALM in codes, codes
    assert closed
    assert _get(main_server.url + "/") == "Hello, world!"


def test_a_ping_flood_from_a_client_that_does_not_read_is_closed(main_server) -> None:
    # MUST-SEC-7: control frames queued for a client that does not read them are bounded.
    from hyperframe.frame import PingFrame

    s = _raw_h2(main_server.port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    pings = PingFrame(0, opaque_data=b"12345678").serialize() * 1000
    deadline = time.monotonic() + 30
    closed = False
    try:
        while time.monotonic() < deadline:
            s.sendall(pings)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    finally:
        s.close()
    assert closed
    assert _get(main_server.url + "/") == "Hello, world!"


def test_http2_requests_get_the_same_access_log_line(start_server) -> None:
    server = start_server(options=["--access-log"])
    done = curl(["--http2-prior-knowledge", "-A", "probe/2", "-e", "http://example.test/r", server.url + "/?x=1"])
    assert done.returncode == 0, done.stderr
    pattern = re.compile(r'^127\.0\.0\.1 - - \[[^]]+\] "GET /\?x=1 HTTP/2\.0" 200 13 "http://example\.test/r" '
                         r'"probe/2" \d+\.\d{6}$', re.M)
    deadline = time.monotonic() + 10
    while not pattern.search(server.log()):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)


def test_a_file_body_is_sent_as_data_frames(start_server, tmp_path) -> None:
    content = bytes(range(256)) * 4000  # 1 000 KiB: many chunks, many windows
    (tmp_path / "big.bin").write_bytes(content)
    server = start_server(app="file_app:app", env={"WSGING_E2E_FILES": str(tmp_path)})
    with H2Client(server.port) as c:
        sid = c.request("/file?name=big.bin")
        r = c.response(sid, timeout=30)
    assert r.status == 200
    assert r.header("content-length") == str(len(content))
    assert bytes(r.data) == content
