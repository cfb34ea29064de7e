"""A raw-socket HTTP/1.x client for what ordinary clients refuse to send or hide.

It writes exactly the bytes it is given and reads responses with every wait bounded, so
malformed requests, pipelining, interim responses and framing can be checked byte for byte.
"""
from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple


@dataclass
class RawResponse:
    version: str
    status: int
    reason: str
    headers: List[Tuple[str, str]]
    body: bytes = b""
    body_length: int = 0
    interim: List[int] = field(default_factory=list)  # 1xx statuses seen before this one

    def header(self, name: str) -> Optional[str]:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[0] if values else None


class RawConnection:
    def __init__(self, port: int, timeout: float = 10, rcvbuf: Optional[int] = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Set before connect so the window the kernel advertises is small from the start.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.timeout = timeout
        self.buffer = b""

    def __enter__(self) -> "RawConnection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def abort(self) -> None:
        """Closes with a reset (SO_LINGER 0), as a client that crashes or gives up does. A plain
        close sends a FIN, which after a complete request is a half-close: the server still
        answers (spec 11.6) and learns that the client is gone only when a write fails."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    @property
    def local_port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, size: int = 65536) -> bytes:
        data = self.sock.recv(size)
        self.buffer += data
        return data

    def _read_until(self, marker: bytes, limit: int = 1 << 20) -> bytes:
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                raise AssertionError(f"no {marker!r} within {limit} bytes")
            if not self._fill():
                raise ConnectionError(f"connection closed before {marker!r}; got {self.buffer[:200]!r}")
        line, self.buffer = self.buffer.split(marker, 1)
        return line

    def _read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill(max(65536, size - len(self.buffer))):
                raise ConnectionError(f"connection closed with {size - len(self.buffer)} body bytes missing")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_head(self, final: bool = True) -> RawResponse:
        """The next final response head, 1xx interim ones recorded and skipped (final=False: the next head)."""
        interim: List[int] = []
        while True:
            head = self._read_until(b"\r\n\r\n").decode("latin-1")
            status_line, *lines = head.split("\r\n")
            version, status, *reason = status_line.split(" ", 2)
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines]
            response = RawResponse(version, int(status), reason[0] if reason else "", headers)  # type: ignore[arg-type]
            if final and 100 <= response.status < 200:
                interim.append(response.status)
                continue
            response.interim = interim
            return response

    def read_body(self, response: RawResponse, sink: Optional[Callable[[bytes], None]] = None, no_body: bool = False) -> None:
        """Reads the body by the framing the head announces (RFC 9112 §6.3).

        The body is kept in `response.body` unless a `sink` takes the pieces; `body_length`
        counts them either way.
        """
        pieces: List[bytes] = []
        take = sink or pieces.append

        def deliver(data: bytes) -> None:
            response.body_length += len(data)
            take(data)

        if no_body or response.status in (204, 304):
            return
        if "chunked" in (response.header("transfer-encoding") or "").lower():
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    while self._read_until(b"\r\n"):  # trailer fields, then the empty line
                        pass
                    break
                deliver(self._read_exact(size))
                self._read_exact(2)
        elif response.header("content-length") is not None:
            left = int(response.header("content-length") or 0)
            while left:
                if not self.buffer and not self._fill(min(left, 1 << 20)):
                    raise ConnectionError(f"connection closed with {left} body bytes missing")
                data, self.buffer = self.buffer[:left], self.buffer[left:]
                left -= len(data)
                deliver(data)
        else:  # delimited by the server closing the connection
            if self.buffer:
                deliver(self.buffer)
                self.buffer = b""
            while True:
                data = self.sock.recv(1 << 20)
                if not data:
                    break
                deliver(data)
        if sink is None:
            response.body = b"".join(pieces)

    def read_response(self, no_body: bool = False) -> RawResponse:
        response = self.read_head()
        self.read_body(response, no_body=no_body)
        return response

    def closed_by_peer(self, timeout: float = 5) -> bool:
        """True when the server closes (or resets) the connection within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(self.timeout)
        return False


def exchange(port: int, data: bytes, timeout: float = 10) -> RawResponse:
    """One request's bytes on a new connection, one response back."""
    with RawConnection(port, timeout) as conn:
        conn.send(data)
        return conn.read_response()
