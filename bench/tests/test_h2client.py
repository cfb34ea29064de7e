"""The HTTP/2 answer check: a real HTTP/2 server (the `h2` library, in a thread) answers it; a
server that speaks only HTTP/1.1, in clear or behind TLS, is told apart as NotHttp2."""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Callable, Iterator, Optional

import h2.config
import h2.connection
import h2.events
import pytest

from conftest import require_tool
from harness.certificate import Certificate, client_context, make_certificate
from harness.h2client import Http2Failure, NotHttp2, first_frame_is_settings, h2_get

Handler = Callable[[socket.socket], None]


class OneShotServer:
    """Accepts connections on 127.0.0.1 in a thread and hands each to `handler`."""

    def __init__(self, handler: Handler, tls: Optional[ssl.SSLContext] = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handler, self.tls = handler, tls
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    if self.tls is not None:
                        conn = self.tls.wrap_socket(conn, server_side=True)
                    self.handler(conn)
                except (OSError, ssl.SSLError):
                    pass

    def close(self) -> None:
        self.listener.close()


def answer_h2(body: bytes, status: bytes = b"200", reset: bool = False) -> Handler:
    def handle(conn: socket.socket) -> None:
        server = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding=None))
        server.initiate_connection()
        conn.sendall(server.data_to_send())
        while True:
            data = conn.recv(65536)
            if not data:
                return
            for event in server.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    if reset:
                        server.reset_stream(event.stream_id)
                    else:
                        server.send_headers(event.stream_id, [(b":status", status)])
                        server.send_data(event.stream_id, body, end_stream=True)
            conn.sendall(server.data_to_send())
    return handle


def answer_http1(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    require_tool("openssl")
    return make_certificate(tmp_path_factory.mktemp("tls"))


def server_context(certificate: Certificate, alpn: list) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate.cert), str(certificate.key))
    context.set_alpn_protocols(alpn)
    return context


@pytest.fixture
def serve() -> Iterator[Callable[..., OneShotServer]]:
    started = []

    def start(handler: Handler, tls: Optional[ssl.SSLContext] = None) -> OneShotServer:
        started.append(OneShotServer(handler, tls))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_get_over_cleartext_prior_knowledge(serve) -> None:
    server = serve(answer_h2(b"Hello, world!"))
    assert h2_get(server.port, "/plaintext") == (200, b"Hello, world!")


def test_get_over_tls_with_alpn_h2(serve, certificate: Certificate) -> None:
    server = serve(answer_h2(b"Hello, world!"), server_context(certificate, ["h2", "http/1.1"]))
    context = client_context(certificate, ["h2", "http/1.1"])
    assert h2_get(server.port, "/plaintext", context) == (200, b"Hello, world!")


def test_other_statuses_come_back_as_they_are(serve) -> None:
    server = serve(answer_h2(b"missing", status=b"404"))
    assert h2_get(server.port, "/nothing") == (404, b"missing")


def test_http1_answer_to_the_preface_is_not_http2(serve) -> None:
    server = serve(answer_http1)
    with pytest.raises(NotHttp2, match="with HTTP/1.x: HTTP/1.1 400 Bad Request"):
        h2_get(server.port, "/plaintext")


def test_connection_closed_on_the_preface_is_not_http2(serve) -> None:
    server = serve(lambda conn: None)
    with pytest.raises(NotHttp2, match="closed the connection"):
        h2_get(server.port, "/plaintext")


def test_tls_without_h2_in_alpn_is_not_http2(serve, certificate: Certificate) -> None:
    server = serve(answer_http1, server_context(certificate, ["http/1.1"]))
    with pytest.raises(NotHttp2, match="negotiated http/1.1 in ALPN, not h2"):
        h2_get(server.port, "/plaintext", client_context(certificate, ["h2", "http/1.1"]))


def test_a_reset_stream_is_a_failure_not_a_missing_feature(serve) -> None:
    server = serve(answer_h2(b"", reset=True))
    with pytest.raises(Http2Failure, match="reset the stream"):
        h2_get(server.port, "/plaintext")


@pytest.mark.parametrize("data, expected", [
    (b"\0\0\x06\x04\0\0\0\0\0" + b"\0\x03\0\0\0\x64", True),  # SETTINGS on stream 0
    (b"\0\0\0\x04\x01\0\0\0\0", True),  # SETTINGS ACK (still a SETTINGS frame)
    (b"HTTP/1.1 400 Bad Request\r\n", False),
    (b"\0\0\0\x04\0\0\0\0\x01", False),  # SETTINGS on a stream: not a preface
    (b"\0\0\x08\x07", False),  # too short
    (b"", False),
])
def test_first_frame_is_settings(data: bytes, expected: bool) -> None:
    assert first_frame_is_settings(data) is expected
