"""The HTTP/2 client of the push and priority tests: the `h2` library's state machine over a
plain socket (cleartext, prior knowledge), recording every stream the server answers on,
promised ones included (PUSH_PROMISE), and sending raw frames the library does not know
(RFC 9218 PRIORITY_UPDATE)."""
from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import h2.config
import h2.connection
import h2.events
import h2.exceptions

PRIORITY_UPDATE = 0x10


def priority_update(prioritized: int, value: bytes, on_stream: int = 0) -> bytes:
    """An RFC 9218 §7.1 PRIORITY_UPDATE frame."""
    payload = struct.pack(">I", prioritized) + value
    return struct.pack(">I", len(payload))[1:] + bytes((PRIORITY_UPDATE, 0)) + struct.pack(">I", on_stream) + payload


def _text(pairs: Sequence[Tuple[object, object]]) -> Dict[str, str]:
    def s(value: object) -> str:
        return value.decode("latin-1") if isinstance(value, bytes) else str(value)

    return {s(name): s(value) for name, value in pairs}


@dataclass
class Answer:
    """What the server sent on one stream."""

    head: Optional[Dict[str, str]] = None
    data: bytearray = field(default_factory=bytearray)
    ended: bool = False
    reset_code: Optional[int] = None

    @property
    def status(self) -> int:
        assert self.head is not None, "no response head on this stream"
        return int(self.head[":status"])

    def header(self, name: str) -> Optional[str]:
        assert self.head is not None, "no response head on this stream"
        return self.head.get(name)

    @property
    def finished(self) -> bool:
        return self.ended or self.reset_code is not None


class PushClient:
    """One HTTP/2 connection to 127.0.0.1:port; use as a context manager. `promises` maps each
    promised stream id to its request fields, `promised_on` to its parent stream."""

    def __init__(self, port: int, settings: Optional[Dict[int, int]] = None, timeout: float = 10) -> None:
        self.port = port
        self.timeout = timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.answers: Dict[int, Answer] = {}
        self.promises: Dict[int, Dict[str, str]] = {}
        self.promised_on: Dict[int, int] = {}
        self.settings_acked = 0
        self.closed = False
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()
        if settings:
            self.wait("the server's SETTINGS ack", lambda: self.settings_acked > 0)

    def __enter__(self) -> "PushClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def send_raw(self, frame: bytes) -> None:
        self.flush()
        self.sock.sendall(frame)

    def next_stream_id(self) -> int:
        return self.conn.get_next_available_stream_id()

    def request(self, path: str, headers: Sequence[Tuple[str, str]] = ()) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        head = [(":method", "GET"), (":scheme", "http"), (":authority", f"127.0.0.1:{self.port}"), (":path", path),
                *headers]
        self.conn.send_headers(stream_id, [(n.encode(), v.encode()) for n, v in head], end_stream=True)
        self.answers[stream_id] = Answer()
        self.flush()
        return stream_id

    def reset(self, stream_id: int, code: int = 8) -> None:  # 8: CANCEL
        self.conn.reset_stream(stream_id, error_code=code)
        self.flush()

    def get(self, path: str, headers: Sequence[Tuple[str, str]] = (), timeout: Optional[float] = None) -> Answer:
        return self.response(self.request(path, headers), timeout)

    def response(self, stream_id: int, timeout: Optional[float] = None) -> Answer:
        answer = self.answers[stream_id]
        self.wait(f"the end of stream {stream_id}", lambda: answer.finished, timeout)
        return answer

    def pushed(self, timeout: Optional[float] = None) -> List[Answer]:
        """The responses of every promised stream, in promise order, each to its end."""
        return [self.response(stream_id, timeout) for stream_id in sorted(self.promises)]

    def wait(self, what: str, condition: Callable[[], bool], timeout: Optional[float] = None) -> None:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            if not self._read(min(left, 0.5)) and not condition():
                raise AssertionError(f"the connection closed while waiting for {what}")

    def settle(self, seconds: float) -> None:
        """Keeps reading (and so answering the server) for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._read(max(0.01, deadline - time.monotonic())):
            pass

    def _read(self, timeout: float) -> bool:
        if self.closed:
            return False
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
            self._handle(event)
        self.flush()
        return True

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.PushedStreamReceived):
            self.promises[event.pushed_stream_id] = _text(event.headers)
            self.promised_on[event.pushed_stream_id] = event.parent_stream_id
            self.answers[event.pushed_stream_id] = Answer()
        elif isinstance(event, h2.events.ResponseReceived):
            self.answers[event.stream_id].head = _text(event.headers)
        elif isinstance(event, h2.events.DataReceived):
            self.answers[event.stream_id].data += event.data
            if event.flow_controlled_length:
                try:
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                except h2.exceptions.StreamClosedError:
                    pass
        elif isinstance(event, h2.events.StreamEnded):
            self.answers[event.stream_id].ended = True
        elif isinstance(event, h2.events.StreamReset):
            if event.stream_id in self.answers:
                self.answers[event.stream_id].reset_code = int(event.error_code)
        elif isinstance(event, h2.events.SettingsAcknowledged):
            self.settings_acked += 1


def still_serves(port: int, path: str = "/priority") -> None:
    """A fresh connection gets an answer: the server survived and serves others."""
    with PushClient(port) as client:
        assert client.get(path).status == 200
