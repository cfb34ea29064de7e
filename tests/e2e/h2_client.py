"""A small HTTP/2 client on the `h2` library, for tests that need frame-level control
(concurrent streams, windows, resets) over one real TCP connection with prior knowledge."""
from __future__ import annotations

import socket
import time
from typing import Dict, List, Optional, Sequence, Tuple

import h2.config
import h2.connection
import h2.events
import h2.settings

Headers = Sequence[Tuple[str, str]]


class Stream:
    """What one stream received."""

    def __init__(self) -> None:
        self.informational: List[List[Tuple[bytes, bytes]]] = []
        self.headers: Optional[List[Tuple[bytes, bytes]]] = None
        self.body = bytearray()
        self.trailers: Optional[List[Tuple[bytes, bytes]]] = None
        self.ended = False
        self.reset: Optional[int] = None

    @property
    def status(self) -> int:
        assert self.headers is not None, "no response head"
        return int(dict(self.headers)[b":status"])

    def header(self, name: str) -> Optional[str]:
        assert self.headers is not None
        for k, v in self.headers:
            if k == name.encode():
                return v.decode("latin-1")
        return None


class H2Client:
    def __init__(self, port: int, window: int = 65535, auto_ack_data: bool = True,
                 settings: Optional[Dict[int, int]] = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
        self.auto_ack_data = auto_ack_data
        self.conn.local_settings = h2.settings.Settings(client=True, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window, **(settings or {})})
        self.conn.initiate_connection()
        self.streams: Dict[int, Stream] = {}
        self.goaway: Optional[h2.events.ConnectionTerminated] = None
        self.closed = False
        self.server_settings: Dict[int, int] = {}
        self.window_updates: List[Tuple[int, int]] = []
        self.flush()

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method: str, path: str, headers: Headers = (), body: Optional[bytes] = None,
                end: bool = True) -> int:
        sid = self.conn.get_next_available_stream_id()
        self.streams[sid] = Stream()
        head = [(":method", method), (":scheme", "http"), (":authority", "e2e"), (":path", path), *headers]
        self.conn.send_headers(sid, head, end_stream=end and body is None)
        if body is not None:
            self.send(sid, body, end=end)
        self.flush()
        return sid

    def send(self, sid: int, data: bytes, end: bool = False) -> None:
        """Sends `data` (as much as the windows allow; the rest is returned by `send_all`)."""
        self.conn.send_data(sid, data, end_stream=end)
        self.flush()

    def sendable(self, sid: int) -> int:
        return self.conn.local_flow_control_window(sid)

    def read(self, timeout: float = 10) -> bool:
        """Reads once and handles the events; False when the connection ended."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return False
        for event in self.conn.receive_data(data):
            self.handle(event)
        self.flush()
        return True

    def handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.InformationalResponseReceived):
            self.streams[event.stream_id].informational.append(list(event.headers))
        elif isinstance(event, h2.events.ResponseReceived):
            self.streams[event.stream_id].headers = list(event.headers)
        elif isinstance(event, h2.events.DataReceived):
            self.streams[event.stream_id].body += event.data
            if self.auto_ack_data:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.TrailersReceived):
            self.streams[event.stream_id].trailers = list(event.headers)
        elif isinstance(event, h2.events.StreamEnded):
            self.streams[event.stream_id].ended = True
        elif isinstance(event, h2.events.StreamReset):
            if event.stream_id in self.streams:
                self.streams[event.stream_id].reset = event.error_code
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            for code, change in event.changed_settings.items():
                self.server_settings[int(code)] = change.new_value
        elif isinstance(event, h2.events.WindowUpdated):
            self.window_updates.append((event.stream_id, event.delta))

    def wait(self, what: str, done, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            if not self.read(min(left, 1.0)) and not done():
                raise AssertionError(f"connection ended while waiting for {what}")

    def response(self, sid: int, timeout: float = 15) -> Stream:
        s = self.streams[sid]
        self.wait(f"stream {sid} to end", lambda: s.ended or s.reset is not None, timeout)
        return s

    def close(self) -> None:
        try:
            self.conn.close_connection()
            self.flush()
        except Exception:
            pass
        self.sock.close()

    def __enter__(self) -> "H2Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
