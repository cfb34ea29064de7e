"""Raw HTTP/2 frames on a socket, for the tests that must send what a well-behaved client never
would (floods, broken header blocks, frames on closed streams). Frames are built and parsed
with `hyperframe`, header blocks with `hpack`; no state machine stands in the way.
"""
from __future__ import annotations

import socket
import time
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import hpack
from hyperframe.frame import (
    ContinuationFrame,
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# RFC 9113 §7 error codes the tests look for.
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
INTERNAL_ERROR = 0x2
FLOW_CONTROL_ERROR = 0x3
STREAM_CLOSED = 0x5
FRAME_SIZE_ERROR = 0x6
REFUSED_STREAM = 0x7
CANCEL = 0x8
COMPRESSION_ERROR = 0x9
ENHANCE_YOUR_CALM = 0xB

__all__ = [
    "ContinuationFrame", "DataFrame", "GoAwayFrame", "HeadersFrame", "PingFrame", "RstStreamFrame",
    "SettingsFrame", "WindowUpdateFrame", "RawH2",
]


class RawH2:
    """A connection that has sent the preface and an empty SETTINGS, and sends whatever it is told."""

    def __init__(self, port: int, timeout: float = 10, settings: Optional[dict] = None, rcvbuf: Optional[int] = None) -> None:
        self.port = port
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 24
        self._buffer = bytearray()
        self.closed = False
        self.frames: List[Frame] = []  # every frame received, in order
        self.sock.sendall(PREFACE + SettingsFrame(0, settings=settings or {}).serialize())

    def __enter__(self) -> "RawH2":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending --------------------------------------------------------------------------

    def send(self, *frames: Frame) -> bool:
        """Sends frames; False (instead of raising) once the server has closed the connection."""
        return self.send_bytes(b"".join(frame.serialize() for frame in frames))

    def send_bytes(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.closed = True
            return False

    def block(self, headers: Sequence[Tuple[str, str]]) -> bytes:
        """An HPACK header block (the encoder's dynamic table carries over, as on a real connection)."""
        return self.encoder.encode([(n.encode(), v.encode()) for n, v in headers])

    def request_headers(self, path: str = "/", method: str = "GET", extra: Sequence[Tuple[str, str]] = ()) -> List[Tuple[str, str]]:
        return [(":method", method), (":scheme", "http"), (":authority", f"127.0.0.1:{self.port}"), (":path", path), *extra]

    def headers_frame(self, stream_id: int, path: str = "/", method: str = "GET", end_stream: bool = True,
                      extra: Sequence[Tuple[str, str]] = ()) -> HeadersFrame:
        flags = ["END_HEADERS"] + (["END_STREAM"] if end_stream else [])
        return HeadersFrame(stream_id, data=self.block(self.request_headers(path, method, extra)), flags=flags)

    # -- receiving ------------------------------------------------------------------------

    def read_frames(self, timeout: float) -> List[Frame]:
        """Frames that arrive within `timeout` (fewer if the connection closes); ACKs SETTINGS."""
        got: List[Frame] = []
        deadline = time.monotonic() + timeout
        while not self.closed:
            frame = self._next_frame(deadline)
            if frame is None:
                break
            got.append(frame)
        return got

    def until(self, what: str, condition: Callable[[Frame], bool], timeout: Optional[float] = None) -> Frame:
        """Reads until a frame matches; fails on timeout or close."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            frame = self._next_frame(deadline)
            if frame is None:
                seen = ", ".join(describe(f) for f in self.frames[-8:])
                state = "closed" if self.closed else "timed out"
                raise AssertionError(f"{state} waiting for {what}; last frames: {seen}")
            if condition(frame):
                return frame

    def until_closed(self, timeout: float) -> bool:
        """Reads (and drops) until the server closes; True when it did within `timeout`."""
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self._next_frame(deadline)
        return self.closed

    def goaway(self) -> Optional[GoAwayFrame]:
        found = [f for f in self.frames if isinstance(f, GoAwayFrame)]
        return found[-1] if found else None

    def _next_frame(self, deadline: float) -> Optional[Frame]:
        while True:
            if len(self._buffer) >= 9:
                frame, length = Frame.parse_frame_header(memoryview(bytes(self._buffer[:9])))
                if len(self._buffer) >= 9 + length:
                    frame.parse_body(memoryview(bytes(self._buffer[9:9 + length])))
                    del self._buffer[:9 + length]
                    self.frames.append(frame)
                    if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                        self.send(SettingsFrame(0, flags=["ACK"]))
                    return frame
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
                return None
            self._buffer += data

    def decode(self, frame: Frame) -> List[Tuple[str, str]]:
        """A HEADERS frame's fields (with END_HEADERS; the tests' responses fit in one frame)."""
        return [(n.decode(), v.decode()) for n, v in self.decoder.decode(frame.data, raw=True)]


def describe(frame: Frame) -> str:
    name = type(frame).__name__.replace("Frame", "")
    extra = ""
    if isinstance(frame, GoAwayFrame):
        extra = f" code={frame.error_code} last={frame.last_stream_id}"
    elif isinstance(frame, RstStreamFrame):
        extra = f" code={frame.error_code}"
    return f"{name}(stream {frame.stream_id}{extra})"


def flood(conn: RawH2, frames: Iterable[bytes], seconds: float) -> int:
    """Sends pre-serialised frames in a loop for at most `seconds` or until the server closes;
    reads what the server sends now and then so its replies do not stop it at the kernel buffer.
    Returns how many were sent."""
    sent = 0
    deadline = time.monotonic() + seconds
    for frame in frames:
        if time.monotonic() > deadline or not conn.send_bytes(frame):
            break
        sent += 1
        if sent % 256 == 0:
            conn.read_frames(0.001)
    return sent
