"""One HTTP/2 GET with the `h2` library, over cleartext (prior knowledge) or TLS (ALPN h2).

It checks a server's answer before an HTTP/2 row is measured (h2load counts statuses, never
bodies), and tells a server that does not speak HTTP/2 at all (`NotHttp2`: it answered the
connection preface with HTTP/1.x, closed on it, or TLS negotiated another protocol) from one
that speaks it and answers wrongly.
"""

from __future__ import annotations

import socket
import ssl
from typing import List, Optional, Tuple

import h2.config
import h2.connection
import h2.events

FRAME_HEADER = 9
SETTINGS = 0x4


class NotHttp2(RuntimeError):
    """The server does not speak HTTP/2 on this connection."""


class Http2Failure(RuntimeError):
    """The server speaks HTTP/2 but the request did not end with a response."""


def first_frame_is_settings(data: bytes) -> bool:
    """RFC 9113 section 3.4: the server's connection preface is a SETTINGS frame, first."""
    return len(data) >= FRAME_HEADER and data[3] == SETTINGS and data[5:9] == b"\0\0\0\0"


def _describe_start(data: bytes) -> str:
    if not data:
        return "closed the connection on the HTTP/2 connection preface"
    if data.startswith(b"HTTP/"):
        return ("answered the HTTP/2 connection preface with HTTP/1.x: "
                + data.split(b"\r\n", 1)[0].decode("latin-1"))
    return f"answered the HTTP/2 connection preface with {data[:24]!r}"


def h2_get(port: int, path: str, context: Optional[ssl.SSLContext] = None,
           timeout_s: float = 10.0) -> Tuple[int, bytes]:
    """GET `path` on 127.0.0.1:`port` over HTTP/2; returns (status, body)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
    sock: socket.socket = raw
    try:
        if context is not None:
            sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
            chosen = sock.selected_alpn_protocol()  # type: ignore[attr-defined]
            if chosen != "h2":
                raise NotHttp2(f"TLS negotiated {chosen or 'no protocol'} in ALPN, not h2")
        connection = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding=None))
        connection.initiate_connection()
        stream = connection.get_next_available_stream_id()
        connection.send_headers(stream, [
            (b":method", b"GET"), (b":scheme", b"https" if context else b"http"),
            (b":authority", f"127.0.0.1:{port}".encode()), (b":path", path.encode()),
        ], end_stream=True)
        sock.sendall(connection.data_to_send())
        return _read_response(sock, connection, stream)
    finally:
        sock.close()


def _read_response(sock: socket.socket, connection: h2.connection.H2Connection,
                   stream: int) -> Tuple[int, bytes]:
    status: Optional[int] = None
    body: List[bytes] = []
    first = True
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if first:
            if not first_frame_is_settings(data):
                raise NotHttp2(_describe_start(data))
            first = False
        if not data:
            raise Http2Failure("the server closed the connection before the response ended")
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                status = int(dict(event.headers)[b":status"])
            elif isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                body.append(event.data)
                connection.acknowledge_received_data(event.flow_controlled_length, stream)
            elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream:
                raise Http2Failure(f"the server reset the stream ({event.error_code!r})")
            elif isinstance(event, h2.events.ConnectionTerminated):
                raise Http2Failure(f"the server sent GOAWAY ({event.error_code!r})")
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                if status is None:
                    raise Http2Failure("the stream ended without a response head")
                return status, b"".join(body)
        pending = connection.data_to_send()
        if pending:
            sock.sendall(pending)
