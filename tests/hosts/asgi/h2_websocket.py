"""A WebSocket client over HTTP/2 (RFC 8441 extended CONNECT) on TLS, built on the h2
library's state machine: the RFC 6455 frames inside the stream's DATA are made (masked, as a
client must) and parsed here. Enough for echo and close tests; no fragmentation."""
from __future__ import annotations

import os
import socket
import ssl
import struct
import time
from typing import Dict, List, Optional, Sequence, Tuple

import h2.config
import h2.connection
import h2.events
import h2.settings

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def _frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame (RFC 6455 section 5.2), masked with a fresh key (5.3)."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i & 3] for i, b in enumerate(payload))


class H2WebSocket:
    def __init__(self, port: int, path: str, subprotocols: Sequence[str] = (),
                 timeout: float = 10) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = context.wrap_socket(raw, server_hostname="localhost")
        assert self.sock.selected_alpn_protocol() == "h2"
        self.timeout = timeout
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding=None))
        self.conn.initiate_connection()
        self._flush()
        self.settings: Dict[int, int] = {}
        self.status: Optional[int] = None
        self.headers: List[Tuple[bytes, bytes]] = []
        self.data = bytearray()
        self.ended = False
        self._wait(lambda: bool(self.settings), "the server's SETTINGS")
        self.stream = self.conn.get_next_available_stream_id()
        head = [
            (b":method", b"CONNECT"), (b":protocol", b"websocket"), (b":scheme", b"https"),
            (b":path", path.encode()), (b":authority", f"127.0.0.1:{port}".encode()),
            (b"sec-websocket-version", b"13"),
        ]
        if subprotocols:
            head.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode()))
        self.conn.send_headers(self.stream, head, end_stream=False)
        self._flush()
        self._wait(lambda: self.status is not None or self.ended, "the response head")

    def header(self, name: bytes) -> Optional[bytes]:
        return next((v for n, v in self.headers if n == name), None)

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def _wait(self, ready: "object", what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not ready():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} within {self.timeout} s")
            chunk = self.sock.recv(65536)
            if not chunk:
                self.ended = True
                return
            for event in self.conn.receive_data(chunk):
                self._handle(event)
            self._flush()

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RemoteSettingsChanged):
            self.settings.update({k: v.new_value for k, v in event.changed_settings.items()})
        elif isinstance(event, h2.events.ResponseReceived):
            self.headers = list(event.headers)
            self.status = int(dict(self.headers)[b":status"])
        elif isinstance(event, h2.events.DataReceived):
            self.data.extend(event.data)
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset,
                                h2.events.ConnectionTerminated)):
            self.ended = True

    def send(self, opcode: int, payload: bytes) -> None:
        self.conn.send_data(self.stream, _frame(opcode, payload))
        self._flush()

    def _parse(self) -> Optional[Tuple[int, bytes]]:
        data = self.data
        if len(data) < 2:
            return None
        opcode, size, at = data[0] & 0x0F, data[1] & 0x7F, 2
        if size == 126:
            if len(data) < 4:
                return None
            size, at = struct.unpack_from("!H", data, 2)[0], 4
        elif size == 127:
            if len(data) < 10:
                return None
            size, at = struct.unpack_from("!Q", data, 2)[0], 10
        if len(data) < at + size:
            return None
        payload = bytes(data[at:at + size])
        del data[:at + size]
        return opcode, payload

    def receive(self) -> Tuple[int, bytes]:
        found: List[Tuple[int, bytes]] = []

        def ready() -> bool:
            frame = self._parse()
            if frame is not None:
                found.append(frame)
            return bool(found) or self.ended

        self._wait(ready, "a WebSocket frame")
        if not found:
            raise ConnectionError("the stream ended without a frame")
        return found[0]

    def close(self) -> None:
        self.sock.close()
