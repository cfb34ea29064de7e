"""An HTTP/2 client over a plain socket, built on the `h2` library's state machine.

Cleartext, prior knowledge. Every stream's events are kept (informational heads, head, body,
trailers, reset code) so a test can look at exactly what the server sent; received DATA is
acknowledged (window granted back) unless the test turns that off to play a slow reader.
"""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

Headers = List[Tuple[str, str]]


@dataclass
class StreamRecord:
    """Everything the server sent on one stream."""

    informational: List[Headers] = field(default_factory=list)
    headers: Optional[Headers] = None
    data: bytearray = field(default_factory=bytearray)
    trailers: Optional[Headers] = None
    ended: bool = False
    reset_code: Optional[int] = None
    window_granted: int = 0  # what the server's WINDOW_UPDATE frames gave this stream

    @property
    def status(self) -> int:
        assert self.headers is not None, "no response head on this stream"
        return int(dict(self.headers)[":status"])

    def header(self, name: str) -> Optional[str]:
        assert self.headers is not None, "no response head on this stream"
        return dict(self.headers).get(name)

    @property
    def finished(self) -> bool:
        return self.ended or self.reset_code is not None


def as_text(pairs: Sequence[Tuple[object, object]]) -> Headers:
    def s(value: object) -> str:
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)

    return [(s(name), s(value)) for name, value in pairs]


class H2Client:
    """One HTTP/2 connection to 127.0.0.1:port; use as a context manager."""

    def __init__(
        self,
        port: int,
        timeout: float = 10,
        settings: Optional[Dict[int, int]] = None,
        auto_ack: bool = True,
        connection_window: Optional[int] = None,
        rcvbuf: Optional[int] = None,
    ) -> None:
        self.port = port
        self.timeout = timeout
        self.auto_ack = auto_ack
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        config = h2.config.H2Configuration(client_side=True, header_encoding=None, validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config=config)
        # The h2 library closes its side on any GOAWAY and then refuses the frames of streams
        # the server still completes (RFC 9113 §6.8 lets them finish): keep the connection open.
        machine = self.conn.state_machine
        machine._transitions = {  # type: ignore[attr-defined]
            **machine._transitions,  # type: ignore[attr-defined]
            (h2.connection.ConnectionState.CLIENT_OPEN, h2.connection.ConnectionInputs.RECV_GOAWAY):
                (None, h2.connection.ConnectionState.CLIENT_OPEN),
        }
        self.streams: Dict[int, StreamRecord] = {}
        self.goaway: Optional[h2.events.ConnectionTerminated] = None
        self.closed = False
        self.remote_settings: Dict[int, int] = {}
        self.settings_received = 0
        self.settings_acked = 0
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        if connection_window:
            self.conn.increment_flow_control_window(connection_window)
        self.flush()

    def __enter__(self) -> "H2Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    # -- sending --------------------------------------------------------------------------

    def request(
        self,
        path: str = "/",
        method: str = "GET",
        body: Optional[bytes] = None,
        headers: Sequence[Tuple[str, str]] = (),
        end_stream: bool = True,
        authority: Optional[str] = None,
    ) -> int:
        """Sends a request head and the body when given; `end_stream=False` leaves the request
        open for more body or trailers. Returns the stream id."""
        stream_id = self.conn.get_next_available_stream_id()
        head = [
            (":method", method),
            (":scheme", "http"),
            (":authority", authority or f"127.0.0.1:{self.port}"),
            (":path", path),
            *headers,
        ]
        ends = end_stream and body is None
        self.conn.send_headers(stream_id, [(n.encode(), v.encode()) for n, v in head], end_stream=ends)
        self.streams[stream_id] = StreamRecord()
        self.flush()
        if body is not None:
            self.send_body(stream_id, body, end_stream=end_stream)
        return stream_id

    def send_body(self, stream_id: int, body: bytes, end_stream: bool = True) -> None:
        """Sends body bytes as the windows allow, waiting for WINDOW_UPDATE when they are full."""
        view = memoryview(body)
        deadline = time.monotonic() + self.timeout
        while view:
            window = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
            if window <= 0:
                if time.monotonic() > deadline:
                    raise AssertionError(f"stream {stream_id}: no window granted for {self.timeout} s "
                                         f"with {len(view)} body bytes left to send")
                if not self.read_some(0.5):
                    raise AssertionError(f"connection closed with {len(view)} body bytes of stream {stream_id} unsent")
                continue
            deadline = time.monotonic() + self.timeout
            self.conn.send_data(stream_id, bytes(view[:window]))
            view = view[window:]
            self.flush()
        if end_stream:
            self.conn.end_stream(stream_id)
            self.flush()

    def sendable(self, stream_id: int) -> int:
        """How many body bytes the server's windows let this client send on the stream now."""
        return self.conn.local_flow_control_window(stream_id)

    def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        """One DATA frame, sent at once (the caller checked `sendable`)."""
        self.conn.send_data(stream_id, data, end_stream=end_stream)
        self.flush()

    def send_trailers(self, stream_id: int, trailers: Sequence[Tuple[str, str]]) -> None:
        self.conn.send_headers(stream_id, [(n.encode(), v.encode()) for n, v in trailers], end_stream=True)
        self.flush()

    def reset(self, stream_id: int, code: int = 8) -> None:  # 8: CANCEL
        self.conn.reset_stream(stream_id, error_code=code)
        self.flush()

    def ack(self, stream_id: int, size: int) -> None:
        """Grants `size` bytes of window back (stream and connection)."""
        self.conn.acknowledge_received_data(size, stream_id)
        self.flush()

    # -- receiving ------------------------------------------------------------------------

    def read_some(self, timeout: Optional[float] = None) -> bool:
        """Reads once from the socket and handles the events; False when the connection ended."""
        if self.closed:
            return False
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return False
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.closed = True
            raise
        for event in events:
            self._handle(event)
        self.flush()
        return True

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.InformationalResponseReceived):
            self.streams[event.stream_id].informational.append(as_text(event.headers))
        elif isinstance(event, h2.events.ResponseReceived):
            self.streams[event.stream_id].headers = as_text(event.headers)
        elif isinstance(event, h2.events.DataReceived):
            record = self.streams[event.stream_id]
            record.data += event.data
            if self.auto_ack and event.flow_controlled_length:
                try:
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                except h2.exceptions.StreamClosedError:
                    pass
        elif isinstance(event, h2.events.TrailersReceived):
            self.streams[event.stream_id].trailers = as_text(event.headers)
        elif isinstance(event, h2.events.StreamEnded):
            self.streams[event.stream_id].ended = True
        elif isinstance(event, h2.events.StreamReset):
            if event.stream_id in self.streams:
                self.streams[event.stream_id].reset_code = int(event.error_code)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            self.settings_received += 1
            for key, changed in event.changed_settings.items():
                self.remote_settings[int(key)] = changed.new_value
        elif isinstance(event, h2.events.SettingsAcknowledged):
            self.settings_acked += 1
        elif isinstance(event, h2.events.WindowUpdated):
            if event.stream_id in self.streams:
                self.streams[event.stream_id].window_granted += event.delta

    def wait(self, what: str, condition: Callable[[], bool], timeout: Optional[float] = None) -> None:
        """Reads until `condition()` holds; fails after `timeout` or when the connection ends first."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            if not self.read_some(min(left, 0.5)):
                if condition():
                    return
                raise AssertionError(f"connection closed while waiting for {what} (GOAWAY: {self.goaway})")

    def server_setting(self, code: int, default: int) -> int:
        """A value of the server's first SETTINGS (waiting for it), or the RFC 9113 default."""
        self.wait("the server's SETTINGS", lambda: self.settings_received > 0)
        return self.remote_settings.get(int(code), default)

    def settle(self, seconds: float) -> None:
        """Keeps reading (and so answering the server) for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.read_some(max(0.01, min(0.2, deadline - time.monotonic()))):
            pass

    def response(self, stream_id: int, timeout: Optional[float] = None) -> StreamRecord:
        record = self.streams[stream_id]
        self.wait(f"the end of stream {stream_id}", lambda: record.finished, timeout)
        return record

    def get(self, path: str = "/", **kwargs: object) -> StreamRecord:
        """One request and its whole response."""
        return self.response(self.request(path, **kwargs))  # type: ignore[arg-type]
