"""WebSocket over HTTP/2 (RFC 8441 extended CONNECT; spec 9) against the real server, driven by
the h2 library's state machine (tests/e2e/h2_client.py) over cleartext HTTP/2 with prior
knowledge. The RFC 6455 frames inside the stream's DATA are built here, masked as a client must,
and the server's are parsed here. The sessions are apps/ws_echo_app.py's (its docstring lists
the routes); what a session saw is read back from its /outcome route.

Every bad input is followed by a request that must still be served.
"""
from __future__ import annotations

import json
import os
import signal
import struct
import uuid
from typing import Iterator, List, Optional, Tuple

import httpx
import pytest

from e2e_server import Server, stop_cleanly, wait_for
from h2_client import H2Client

ENABLE_CONNECT_PROTOCOL = 0x8  # RFC 8441 section 3
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
Message = Tuple[int, bytes]


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("ws-h2") / "server.log", app="ws_echo_app:app",
               options=["--graceful-timeout", "5"]).start()
    yield s
    stop_cleanly(s)


def client_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One client frame (RFC 6455 section 5.2), masked with a fresh key (section 5.3)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode()


class Session:
    """One WebSocket session on one stream of an H2Client."""

    def __init__(self, client: H2Client, stream_id: int) -> None:
        self.client = client
        self.stream_id = stream_id
        self.offset = 0  # how much of the stream's data is parsed
        self.partial: Optional[Tuple[int, bytearray]] = None

    @property
    def record(self):  # type: ignore[no-untyped-def]
        return self.client.streams[self.stream_id]

    def send(self, opcode: int, payload: bytes, end_stream: bool = False) -> None:
        self.client.send_body(self.stream_id, client_frame(opcode, payload), end_stream=end_stream)

    def _next_frame(self) -> Optional[Tuple[bool, int, bytes]]:
        data = self.record.data
        at = self.offset
        if len(data) - at < 2:
            return None
        fin, opcode, n = bool(data[at] & 0x80), data[at] & 0x0F, data[at + 1] & 0x7F
        assert not data[at + 1] & 0x80, "a server frame must not be masked"
        at += 2
        if n == 126:
            if len(data) - at < 2:
                return None
            (n,) = struct.unpack_from("!H", data, at)
            at += 2
        elif n == 127:
            if len(data) - at < 8:
                return None
            (n,) = struct.unpack_from("!Q", data, at)
            at += 8
        if len(data) - at < n:
            return None
        self.offset = at + n
        return fin, opcode, bytes(data[at:at + n])

    def receive(self, timeout: float = 10) -> Message:
        """The next whole message, or a control frame, as (opcode, payload)."""
        found: List[Message] = []

        def ready() -> bool:
            while not found:
                frame = self._next_frame()
                if frame is None:
                    return False
                fin, opcode, payload = frame
                if opcode >= 0x8:
                    found.append((opcode, payload))
                elif self.partial is None:
                    if fin:
                        found.append((opcode, payload))
                    else:
                        self.partial = (opcode, bytearray(payload))
                else:
                    assert opcode == 0, "a new message before the last one ended"
                    self.partial[1].extend(payload)
                    if fin:
                        found.append((self.partial[0], bytes(self.partial[1])))
                        self.partial = None
            return True

        self.client.wait(f"a frame on stream {self.stream_id}", ready, timeout)
        return found[0]

    def close_code(self, timeout: float = 10) -> Tuple[int, str]:
        opcode, payload = self.receive(timeout)
        assert opcode == CLOSE, (opcode, payload)
        return struct.unpack("!H", payload[:2])[0], payload[2:].decode()


def connect(server: Server) -> H2Client:
    client = H2Client(server.port)
    assert client.server_setting(ENABLE_CONNECT_PROTOCOL, 0) == 1
    return client


def offer(client: H2Client, path: str, version: str = "13", protocol: str = "websocket",
          extra: Tuple[Tuple[str, str], ...] = ()) -> int:
    return client.request(path, method="CONNECT", end_stream=False,
                          headers=((":protocol", protocol), ("sec-websocket-version", version), *extra))


def open_session(client: H2Client, path: str, extra: Tuple[Tuple[str, str], ...] = ()) -> Session:
    stream_id = offer(client, path, extra=extra)
    client.wait("the answer to the offer", lambda: client.streams[stream_id].headers is not None)
    record = client.streams[stream_id]
    assert record.status == 200, (record.headers, bytes(record.data))
    assert record.header("sec-websocket-accept") is None
    assert not record.finished
    return Session(client, stream_id)


def new_tag() -> str:
    return uuid.uuid4().hex


def wait_outcome(server: Server, tag: str, expected: str) -> None:
    def probe() -> Optional[str]:
        text = httpx.get(f"{server.url}/outcome", params={"tag": tag}, timeout=10).text
        return text if text.startswith(expected) else None

    wait_for(f"the session of {tag} to record {expected!r}", probe, 15, interval=0.1)


def still_serves(server: Server) -> None:
    with connect(server) as client:
        record = client.get("/")
        assert record.status == 200 and bytes(record.data) == b"ws_echo_app serves\n"
        session = open_session(client, "/plain")
        session.send(TEXT, b"still serving")
        assert session.receive() == (TEXT, b"still serving")


# ---- the handshake -------------------------------------------------------------------------------


def test_the_offer_is_a_get_on_the_h2_connect_transport(server: Server) -> None:
    with connect(server) as client:
        session = open_session(client, "/info?compression=0", extra=(("sec-websocket-protocol", "chat, superchat"),))
        opcode, payload = session.receive()
        assert opcode == TEXT
        info = json.loads(payload)
        assert info["transport"] == "h2-connect"
        assert info["offered_subprotocols"] == ["chat", "superchat"]
        assert info["subprotocol"] is None and info["extensions"] == []


def test_a_chosen_subprotocol_is_in_the_200(server: Server) -> None:
    with connect(server) as client:
        stream_id = offer(client, "/choose?subprotocol=superchat",
                          extra=(("sec-websocket-protocol", "chat, superchat"),))
        client.wait("the answer", lambda: client.streams[stream_id].headers is not None)
        assert client.streams[stream_id].status == 200
        assert client.streams[stream_id].header("sec-websocket-protocol") == "superchat"


def test_a_refusal_is_an_ordinary_response(server: Server) -> None:
    with connect(server) as client:
        record = client.response(offer(client, "/refuse"))
        assert record.status == 403
        assert record.header("x-refused") == "yes"
        assert bytes(record.data) == b"refused by the application\n"
    still_serves(server)


@pytest.mark.parametrize("version", ["8", "13, 8", ""])
def test_another_version_is_426_with_the_version_spoken(server: Server, version: str) -> None:
    with connect(server) as client:
        record = client.response(offer(client, "/", version=version))
        assert record.status == 426
        assert record.header("sec-websocket-version") == "13"
    still_serves(server)


def test_another_protocol_is_501(server: Server) -> None:
    with connect(server) as client:
        record = client.response(offer(client, "/", protocol="connect-udp"))
        assert record.status == 501
    still_serves(server)


def test_a_subprotocol_the_client_did_not_offer_is_500(server: Server) -> None:
    with connect(server) as client:
        record = client.response(offer(client, "/choose?subprotocol=nope", extra=(("sec-websocket-protocol", "chat"),)))
        assert record.status == 500
    still_serves(server)


# ---- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/plain", "/sync"], ids=["async-session", "sync-session"])
def test_text_and_binary_messages_come_back_with_their_type(server: Server, path: str) -> None:
    messages: List[Message] = [(TEXT, b"hello"), (TEXT, "héllo ✓ 𝄞".encode()), (TEXT, b""),
                               (BINARY, b"\x00\xff binary"), (BINARY, b"")]
    with connect(server) as client:
        session = open_session(client, path)
        for message in messages:
            session.send(*message)
            assert session.receive() == message


def test_a_large_message_crosses_the_windows_both_ways(server: Server) -> None:
    """Larger than the stream windows each way: it moves only as each side returns window."""
    payload = os.urandom(600 * 1024)
    with connect(server) as client:
        session = open_session(client, "/plain")
        session.send(BINARY, payload)
        assert session.receive(timeout=30) == (BINARY, payload)


def test_the_server_answers_pings(server: Server) -> None:
    with connect(server) as client:
        session = open_session(client, "/plain")
        session.send(PING, b"are you there")
        assert session.receive() == (PONG, b"are you there")


def sent_by_flood(server: Server, tag: str) -> int:
    text = httpx.get(f"{server.url}/outcome", params={"tag": tag}, timeout=10).text
    return int(text.split()[1]) if text.startswith(("sent", "done")) else 0


def test_a_client_that_does_not_read_stalls_the_applications_sends(server: Server) -> None:
    """The session's sends wait on the stream's window: without WINDOW_UPDATE nothing more goes."""
    tag = new_tag()
    with H2Client(server.port, auto_ack=False) as client:
        assert client.server_setting(ENABLE_CONNECT_PROTOCOL, 0) == 1
        session = open_session(client, f"/flood?mib=8&tag={tag}")
        client.settle(2.0)
        stalled = len(session.record.data)
        assert stalled <= 65535, "no more than the client's initial window went out"
        sent = sent_by_flood(server, tag)
        assert sent < 8 * 1024 * 1024, "the application could not send everything"
        client.settle(1.0)
        assert sent_by_flood(server, tag) == sent and len(session.record.data) == stalled
        client.auto_ack = True
        client.ack(session.stream_id, stalled)
        received = 0
        while True:
            opcode, payload = session.receive(timeout=30)
            if opcode == TEXT:
                assert payload == b"done"
                break
            received += len(payload)
        assert received == 8 * 1024 * 1024


def test_a_fast_client_is_held_by_the_stream_window(server: Server) -> None:
    """A session that takes no message: the server stops returning window, the client stops."""
    tag = new_tag()
    with connect(server) as client:
        session = open_session(client, f"/hold?tag={tag}")
        wait_outcome(server, tag, "holding")
        chunk = client_frame(BINARY, b"z" * 16000)
        sent = 0
        # The server reads what the worker has credit for (its window of messages, spec 9.4)
        # and returns that much window; then nothing more, however long the client waits.
        for _ in range(6):
            while client.sendable(session.stream_id) >= len(chunk) and sent < 16 * 1024 * 1024:
                client.send_data(session.stream_id, chunk)
                sent += 16000
            client.settle(0.5)
        assert sent < 1024 * 1024, "the server kept granting window to a session that reads nothing"
        assert client.sendable(session.stream_id) < len(chunk)
        httpx.get(f"{server.url}/release", params={"tag": tag}, timeout=10)
        session.send(BINARY, b"z" * 16000)
        session.send(TEXT, b"end")
        assert session.receive(timeout=30) == (TEXT, str(sent + 16000).encode())


# ---- closing -------------------------------------------------------------------------------------


def test_the_clients_close_code_reaches_the_application_and_the_stream_ends(server: Server) -> None:
    tag = new_tag()
    with connect(server) as client:
        session = open_session(client, f"/plain?tag={tag}")
        session.send(CLOSE, close_payload(4001, "done here"))
        assert session.close_code() == (4001, "")
        client.wait("the end of the stream", lambda: session.record.finished)
        assert session.record.ended
    wait_outcome(server, tag, "closed 4001 done here")


def test_the_applications_close_code_reaches_the_client(server: Server) -> None:
    tag = new_tag()
    with connect(server) as client:
        session = open_session(client, f"/close?code=4321&reason=bye&tag={tag}")
        assert session.close_code() == (4321, "bye")
        session.send(CLOSE, close_payload(4321))
        client.wait("the end of the stream", lambda: session.record.finished)
    wait_outcome(server, tag, "closed 4321")


def test_a_session_that_raises_closes_with_1011(server: Server) -> None:
    with connect(server) as client:
        session = open_session(client, "/raise")
        assert session.close_code()[0] == 1011


def test_a_reset_during_a_session_is_1006_to_the_application(server: Server) -> None:
    tag = new_tag()
    with connect(server) as client:
        session = open_session(client, f"/plain?tag={tag}")
        session.send(TEXT, b"before the reset")
        assert session.receive() == (TEXT, b"before the reset")
        client.reset(session.stream_id)
        wait_outcome(server, tag, "closed 1006")
        record = client.get("/")  # the connection is still there
        assert record.status == 200
    still_serves(server)


def test_an_unmasked_frame_closes_with_1002(server: Server) -> None:
    with connect(server) as client:
        session = open_session(client, "/plain")
        client.send_body(session.stream_id, b"\x81\x02hi", end_stream=False)
        assert session.close_code()[0] == 1002
        client.wait("the end of the stream", lambda: session.record.finished)
    still_serves(server)


# ---- beside other streams ------------------------------------------------------------------------


def test_an_ordinary_request_is_served_while_a_session_is_open(server: Server) -> None:
    with connect(server) as client:
        session = open_session(client, "/plain")
        session.send(TEXT, b"one")
        assert session.receive() == (TEXT, b"one")
        record = client.get("/anything")
        assert record.status == 200 and bytes(record.data) == b"ws_echo_app serves\n"
        session.send(TEXT, b"two")
        assert session.receive() == (TEXT, b"two")
        second = open_session(client, "/plain")
        second.send(BINARY, b"second session")
        assert second.receive() == (BINARY, b"second session")
        assert session.record.finished is False


# ---- shutdown (9.5) ------------------------------------------------------------------------------


def test_shutdown_closes_open_sessions_with_1001_after_the_graceful_timeout(start_server) -> None:
    server = start_server(app="ws_echo_app:app", options=["--graceful-timeout", "1"])
    with connect(server) as client:
        session = open_session(client, "/plain")
        session.send(TEXT, b"before the shutdown")
        assert session.receive() == (TEXT, b"before the shutdown")
        server.signal(signal.SIGTERM)
        assert session.close_code(timeout=15)[0] == 1001
    assert server.wait(30) == 0, server.log()


# ---- the categories of the Autobahn|Testsuite, over HTTP/2 ----------------------------------------
# Autobahn speaks only RFC 6455 over HTTP/1.1; the same frame rules apply inside an extended
# CONNECT stream (RFC 8441 section 5), so each category gets its cases here, through the h2 stream.

def raw_frame(first_byte: int, payload: bytes) -> bytes:
    """A masked client frame with the first byte as given (FIN, RSV bits, opcode)."""
    frame = client_frame(first_byte & 0x0F, payload)
    return bytes([first_byte]) + frame[1:]


BAD_FRAMES = [
    # (case, the bytes the client sends, the close code the server must send)
    ("3.x reserved bit RSV2", raw_frame(0x80 | 0x20 | TEXT, b"rsv"), 1002),
    ("3.x RSV1 without permessage-deflate", raw_frame(0x80 | 0x40 | TEXT, b"rsv"), 1002),
    ("4.x reserved data opcode 3", raw_frame(0x80 | 0x3, b""), 1002),
    ("4.x reserved control opcode 11", raw_frame(0x80 | 0xB, b""), 1002),
    ("5.x continuation with nothing to continue", raw_frame(0x80 | 0x0, b"x"), 1002),
    ("5.x a new message inside a fragmented one",
     raw_frame(TEXT, b"frag") + raw_frame(0x80 | TEXT, b"new"), 1002),
    ("5.x fragmented ping", raw_frame(PING, b"p") + raw_frame(0x80 | 0x0, b"q"), 1002),
    ("2.x ping payload of 126 bytes", raw_frame(0x80 | PING, b"p" * 126), 1002),
    ("6.x invalid UTF-8 in one frame", raw_frame(0x80 | TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80"), 1007),
    ("6.x invalid UTF-8 across fragments",
     raw_frame(TEXT, "κόσμε".encode()[:3]) + raw_frame(0x80 | 0x0, b"\xff"), 1007),
    ("7.x close payload of one byte", raw_frame(0x80 | CLOSE, b"\x03"), 1002),
    ("7.x close code 1005 on the wire", raw_frame(0x80 | CLOSE, close_payload(1005)), 1002),
    ("7.x close code 999", raw_frame(0x80 | CLOSE, close_payload(999)), 1002),
    ("7.x close reason not UTF-8", raw_frame(0x80 | CLOSE, close_payload(1000) + b"\xff"), 1007),
]


@pytest.mark.parametrize("frames, code", [(f, c) for _, f, c in BAD_FRAMES], ids=[n for n, _, _ in BAD_FRAMES])
def test_a_protocol_violation_closes_with_its_code(server: Server, frames: bytes, code: int) -> None:
    with connect(server) as client:
        session = open_session(client, "/plain")
        client.send_body(session.stream_id, frames, end_stream=False)
        assert session.close_code()[0] == code
        client.wait("the stream's end", lambda: session.record.finished)
        assert client.get("/").status == 200, "the connection serves on"
    still_serves(server)


def test_a_fragmented_message_with_a_ping_between_arrives_whole(server: Server) -> None:
    """Autobahn 5.x: fragments and an interleaved control frame."""
    with connect(server) as client:
        session = open_session(client, "/plain")
        client.send_body(session.stream_id, raw_frame(TEXT, b"frag") + raw_frame(0x80 | PING, b"between")
                         + raw_frame(0x0, b"men") + raw_frame(0x80 | 0x0, b"ted"), end_stream=False)
        assert session.receive() == (PONG, b"between")
        assert session.receive() == (TEXT, b"fragmented")


def test_a_compressed_message_is_inflated_and_the_echo_compressed(server: Server) -> None:
    """Autobahn 12.x and 13.x: permessage-deflate negotiated inside the stream."""
    import zlib

    with connect(server) as client:
        session = open_session(client, "/", extra=(("sec-websocket-extensions", "permessage-deflate"),))
        assert session.record.header("sec-websocket-extensions") == "permessage-deflate"
        text = ("wsging over HTTP/2 " * 50).encode()
        compressor = zlib.compressobj(wbits=-15)
        payload = compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)
        assert payload.endswith(b"\x00\x00\xff\xff")
        client.send_body(session.stream_id, raw_frame(0x80 | 0x40 | TEXT, payload[:-4]), end_stream=False)
        # The echo comes compressed (RSV1 on its first frame): read the raw frame.
        client.wait("the echo", lambda: len(session.record.data) > session.offset + 2)
        first = session.record.data[session.offset]
        assert first & 0x40, "the server compressed its echo"
        opcode, echoed = session.receive()
        assert opcode == TEXT
        inflated = zlib.decompressobj(wbits=-15).decompress(echoed + b"\x00\x00\xff\xff")
        assert inflated == text
