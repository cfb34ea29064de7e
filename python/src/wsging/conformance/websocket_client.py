"""A minimal RFC 6455 client over a socket, for the runner: the opening handshake, masked
frames out, whole messages in (fragments joined; pings answered), the closing handshake."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from typing import Optional, Sequence, Tuple, Union

from .http1 import Connection, Http1Response, ProtocolError

__all__ = ["WebSocketClient", "handshake"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

Message = Union[str, bytes]


class WebSocketClient:
    def __init__(self, connection: Connection, response: Http1Response) -> None:
        self.connection = connection
        self.response = response  # the 101
        self.subprotocol = response.header("sec-websocket-protocol")
        self.close_code: Optional[int] = None
        self.close_reason = ""

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.connection.sock.sendall(head + mask + masked)

    def send(self, message: Message) -> None:
        if isinstance(message, str):
            self._send_frame(TEXT, message.encode("utf-8"))
        else:
            self._send_frame(BINARY, message)

    def send_close(self, code: int = 1000, reason: str = "") -> None:
        self._send_frame(CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))

    def _frame(self) -> Tuple[bool, int, bytes]:
        reader = self.connection.reader
        head = reader.read(2)
        if len(head) < 2:
            raise EOFError("the connection closed without a close frame")
        fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
        if head[1] & 0x80:
            raise ProtocolError("the server masked a frame (RFC 6455 section 5.1)")
        size = head[1] & 0x7F
        if size == 126:
            size = struct.unpack("!H", reader.read(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", reader.read(8))[0]
        payload = reader.read(size)
        if len(payload) < size:
            raise EOFError("the connection closed inside a frame")
        return fin, opcode, payload

    def receive(self) -> Optional[Message]:
        """The next message; None once a close frame came (its code in `close_code`)."""
        parts = []
        kind = None
        while True:
            fin, opcode, payload = self._frame()
            if opcode == PING:
                self._send_frame(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self.close_reason = payload[2:].decode("utf-8", "replace")
                return None
            if opcode in (TEXT, BINARY):
                kind = opcode
            elif opcode != CONT or kind is None:
                raise ProtocolError(f"unexpected opcode {opcode}")
            parts.append(payload)
            if fin:
                data = b"".join(parts)
                return data.decode("utf-8") if kind == TEXT else data

    def close(self) -> None:
        self.connection.close()


def handshake(
    connection: Connection, target: str, subprotocols: Sequence[str] = ()
) -> Union[WebSocketClient, Http1Response]:
    """Offers a WebSocket on `connection`: the client on a valid 101, else the HTTP response
    the host answered with (its body read)."""
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    if subprotocols:
        headers.append(("Sec-WebSocket-Protocol", ", ".join(subprotocols)))
    connection.send_head("GET", target, headers)
    response = Http1Response()
    connection.read_head(response)
    if response.status != 101:
        connection.read_body(response)
        return response
    expected = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode()
    if response.header("sec-websocket-accept") != expected:
        raise ProtocolError("a 101 whose Sec-WebSocket-Accept does not match the key")
    return WebSocketClient(connection, response)
