"""A small HTTP/1.1 client over a socket, for the runner: it shows what a host put on the wire
(interim responses, each header field as sent, the body's framing, trailers, whether the
message ended properly), which `http.client` hides."""

from __future__ import annotations

import socket
import ssl
from typing import List, Optional, Sequence, Tuple, Union

__all__ = ["Connection", "Http1Response", "ProtocolError"]

Fields = List[Tuple[str, str]]
HeaderInput = Sequence[Tuple[str, str]]
BodyInput = Union[bytes, Sequence[bytes], None]

_MAX_LINE = 65536


class ProtocolError(Exception):
    """The host sent something that is not HTTP/1.x."""


class Http1Response:
    def __init__(self) -> None:
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers: Fields = []
        self.body = b""
        self.trailers: Optional[Fields] = None  # fields of the chunked trailer section
        self.informational: List[Tuple[int, Fields]] = []  # 1xx before the final response
        self.chunked = False
        self.complete = False  # the body ended as its framing says (not cut short)

    def header(self, name: str) -> Optional[str]:
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> List[str]:
        lowered = name.lower()
        return [value for field, value in self.headers if field.lower() == lowered]

    @property
    def closes(self) -> bool:
        """The host ends the connection after this response."""
        tokens = {t.strip().lower() for v in self.header_all("connection") for t in v.split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" not in tokens
        return "close" in tokens


def _fields(lines: List[bytes]) -> Fields:
    fields: Fields = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon:
            raise ProtocolError(f"a header line without a colon: {line[:60]!r}")
        fields.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    return fields


class Connection:
    """One connection; requests are sent and answered one after the other."""

    def __init__(
        self, host: str, port: int, timeout: float = 10.0, tls: Optional[ssl.SSLContext] = None
    ) -> None:
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.reader = sock.makefile("rb")
        self.host = host
        self.port = port

    @property
    def local_port(self) -> int:
        return int(self.sock.getsockname()[1])

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send_head(
        self, method: str, target: str, headers: HeaderInput = (), version: str = "HTTP/1.1",
        host: Optional[str] = None,
    ) -> None:
        lines = [f"{method} {target} {version}"]
        if not any(name.lower() == "host" for name, _ in headers):
            lines.append(f"Host: {host or f'{self.host}:{self.port}'}")
        lines.extend(f"{name}: {value}" for name, value in headers)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def request(
        self, method: str, target: str, headers: HeaderInput = (), body: BodyInput = None,
        trailers: HeaderInput = (), version: str = "HTTP/1.1",
    ) -> Http1Response:
        """Sends a request and reads its response. `body` as bytes is sent with
        Content-Length; as a sequence of pieces, chunked (with `trailers`)."""
        fields = list(headers)
        if isinstance(body, bytes):
            fields.append(("Content-Length", str(len(body))))
        elif body is not None:
            fields.append(("Transfer-Encoding", "chunked"))
        self.send_head(method, target, fields, version)
        if isinstance(body, bytes):
            self.sock.sendall(body)
        elif body is not None:
            for piece in body:
                if piece:
                    self.sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            tail = "".join(f"{name}: {value}\r\n" for name, value in trailers)
            self.sock.sendall(b"0\r\n" + tail.encode("latin-1") + b"\r\n")
        return self.read_response(method)

    # -- reading -------------------------------------------------------------------------------

    def _line(self) -> bytes:
        line = self.reader.readline(_MAX_LINE)
        if not line:
            raise EOFError("the connection closed")
        if not line.endswith(b"\n"):
            raise ProtocolError("a line longer than the client accepts, or cut short")
        return line.rstrip(b"\r\n")

    def _block(self) -> List[bytes]:
        lines: List[bytes] = []
        while True:
            line = self._line()
            if not line:
                return lines
            lines.append(line)

    def read_head(self, response: Http1Response) -> None:
        """The final head, after any 1xx responses (kept in `informational`)."""
        while True:
            status_line = self._line()
            parts = status_line.decode("latin-1").split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
                raise ProtocolError(f"not a status line: {status_line[:60]!r}")
            status = int(parts[1])
            fields = _fields(self._block())
            if 100 <= status < 200 and status != 101:
                response.informational.append((status, fields))
                continue
            response.version, response.status = parts[0], status
            response.reason = parts[2] if len(parts) > 2 else ""
            response.headers = fields
            return

    def read_response(self, method: str = "GET") -> Http1Response:
        response = Http1Response()
        self.read_head(response)
        self.read_body(response, method)
        return response

    def read_body(self, response: Http1Response, method: str = "GET") -> None:
        if method == "HEAD" or response.status in (101, 204, 304):
            response.complete = True
            return
        codings = ",".join(response.header_all("transfer-encoding")).lower()
        length = response.header("content-length")
        try:
            if "chunked" in codings:
                response.chunked = True
                self._read_chunked(response)
            elif length is not None:
                response.body = self._exactly(int(length))
                response.complete = True
            else:
                response.body = self.reader.read()
                response.complete = True
        except (EOFError, ConnectionError):
            response.complete = False

    def _exactly(self, size: int) -> bytes:
        data = self.reader.read(size)
        if len(data) < size:
            raise EOFError("the body ended before its length")
        return data

    def _read_chunked(self, response: Http1Response) -> None:
        pieces = []
        try:
            while True:
                size = int(self._line().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    break
                pieces.append(self._exactly(size))
                if self._line():
                    raise ProtocolError("a chunk not followed by CRLF")
            trailer_lines = self._block()
        finally:
            response.body = b"".join(pieces)
        response.trailers = _fields(trailer_lines) if trailer_lines else None
        response.complete = True

    def at_eof(self, timeout: float) -> bool:
        """True when the host closes the connection with nothing more sent within `timeout`;
        False when bytes arrive (or it stays open)."""
        self.sock.settimeout(timeout)
        try:
            return self.reader.read(1) == b""
        except (socket.timeout, OSError):
            return False
