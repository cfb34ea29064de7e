"""A small HTTP/2 client for the runner, on the `h2` package (optional: without it the HTTP/2
rows are not checked). Clear text by prior knowledge (h2c), or TLS with ALPN "h2"."""

from __future__ import annotations

import socket
import ssl
from typing import Dict, List, Optional, Sequence, Tuple, Union

try:
    import h2.config
    import h2.connection
    import h2.events
    import h2.exceptions

    AVAILABLE = True
except ImportError:  # the runner itself needs only the standard library
    AVAILABLE = False

from .target import Target

__all__ = ["AVAILABLE", "H2Client", "H2Response", "NoHttp2"]

Fields = List[Tuple[str, str]]
_FRAME = 16384  # the smallest SETTINGS_MAX_FRAME_SIZE a peer may have


class NoHttp2(Exception):
    """The host does not speak HTTP/2 on this port."""


class H2Response:
    def __init__(self) -> None:
        self.status = 0
        self.headers: Fields = []
        self.body = b""
        self.trailers: Optional[Fields] = None
        self.informational: List[Tuple[int, Fields]] = []
        self.reset: Optional[int] = None  # the RST_STREAM code when the stream was reset
        self.pushes: List[Tuple[str, "H2Response"]] = []  # promised path and its response

    def header(self, name: str) -> Optional[str]:
        for field, value in self.headers:
            if field == name:
                return value
        return None


def _split(fields: Sequence[Tuple[bytes, bytes]]) -> Tuple[Dict[str, str], Fields]:
    pseudo: Dict[str, str] = {}
    regular: Fields = []
    for name, value in fields:
        text, data = name.decode("latin-1"), value.decode("latin-1")
        if text.startswith(":"):
            pseudo[text] = data
        else:
            regular.append((text, data))
    return pseudo, regular


class H2Client:
    def __init__(self, target: Target) -> None:
        self.authority = f"{target.host}:{target.port}"
        self.scheme = target.scheme
        sock = socket.create_connection((target.host, target.port), timeout=target.timeout)
        if target.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(sock, server_hostname=target.host)
            if sock.selected_alpn_protocol() != "h2":
                sock.close()
                raise NoHttp2("the host did not choose h2 by ALPN")
        self.sock = sock
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        self.responses: Dict[int, H2Response] = {}
        self.ended: set = set()  # type: ignore[type-arg]
        self._flush()
        self._settled = False
        try:
            while not self._settled:
                self._pump()
        except (h2.exceptions.ProtocolError, EOFError, OSError) as exc:
            self.close()
            raise NoHttp2(f"no HTTP/2 connection preface answered ({type(exc).__name__})") from exc

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "H2Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def _pump(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the host closed the HTTP/2 connection")
        for event in self.conn.receive_data(data):
            self._handle(event)
        self._flush()

    def _handle(self, event: object) -> None:
        if isinstance(event, h2.events.RemoteSettingsChanged):
            self._settled = True
        elif isinstance(event, h2.events.ResponseReceived):
            pseudo, fields = _split(event.headers or [])
            response = self.responses[event.stream_id or 0]
            response.status, response.headers = int(pseudo.get(":status", "0")), fields
        elif isinstance(event, h2.events.InformationalResponseReceived):
            pseudo, fields = _split(event.headers or [])
            self.responses[event.stream_id or 0].informational.append(
                (int(pseudo.get(":status", "0")), fields))
        elif isinstance(event, h2.events.DataReceived):
            response = self.responses[event.stream_id or 0]
            response.body += event.data or b""
            self.conn.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id or 0)
        elif isinstance(event, h2.events.TrailersReceived):
            self.responses[event.stream_id or 0].trailers = _split(event.headers or [])[1]
        elif isinstance(event, h2.events.StreamEnded):
            self.ended.add(event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            self.responses.setdefault(event.stream_id or 0, H2Response()).reset = int(event.error_code or 0)
            self.ended.add(event.stream_id)
        elif isinstance(event, h2.events.PushedStreamReceived):
            pseudo, _ = _split(event.headers or [])
            pushed = self.responses[event.pushed_stream_id or 0] = H2Response()
            self.responses[event.parent_stream_id or 0].pushes.append((pseudo.get(":path", ""), pushed))
        elif isinstance(event, h2.events.ConnectionTerminated):
            raise EOFError("the host ended the HTTP/2 connection (GOAWAY)")

    def request(
        self, method: str, path: str, headers: Sequence[Tuple[str, str]] = (),
        body: Union[bytes, Sequence[bytes], None] = None, trailers: Sequence[Tuple[str, str]] = (),
    ) -> H2Response:
        stream_id = self.conn.get_next_available_stream_id()
        response = self.responses[stream_id] = H2Response()
        fields = [(":method", method), (":scheme", self.scheme), (":authority", self.authority),
                  (":path", path), *headers]
        self.conn.send_headers(stream_id, [(n.encode(), v.encode()) for n, v in fields],
                               end_stream=body is None)
        if body is not None:
            pieces = [body] if isinstance(body, bytes) else list(body)
            for piece in pieces:
                for start in range(0, len(piece), _FRAME):
                    self.conn.send_data(stream_id, piece[start : start + _FRAME])
            if trailers:
                self.conn.send_headers(stream_id, [(n.encode(), v.encode()) for n, v in trailers],
                                       end_stream=True)
            else:
                self.conn.end_stream(stream_id)
        self._flush()
        while not self._done(response, stream_id):
            self._pump()
        return response

    def _done(self, response: H2Response, stream_id: int) -> bool:
        if stream_id not in self.ended:
            return False
        return all(self._done(pushed, sid) for sid, pushed in self._pushed_ids(response))

    def _pushed_ids(self, response: H2Response) -> List[Tuple[int, H2Response]]:
        wanted = {id(pushed) for _, pushed in response.pushes}
        return [(sid, r) for sid, r in self.responses.items() if id(r) in wanted]
