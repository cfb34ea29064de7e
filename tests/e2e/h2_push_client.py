"""The HTTP/2 client of the push and priority tests: the e2e HTTP/2 client
(h2_client.py) that also keeps the streams the server promises (PUSH_PROMISE), and
sends raw frames the `h2` library does not know (RFC 9218 PRIORITY_UPDATE)."""
from __future__ import annotations

import struct
from typing import Dict, List, Optional

import h2.events

from h2_client import H2Client, StreamRecord, as_text

PRIORITY_UPDATE = 0x10


def priority_update(prioritized: int, value: bytes, on_stream: int = 0) -> bytes:
    """An RFC 9218 §7.1 PRIORITY_UPDATE frame."""
    payload = struct.pack(">I", prioritized) + value
    return struct.pack(">I", len(payload))[1:] + bytes((PRIORITY_UPDATE, 0)) + struct.pack(">I", on_stream) + payload


class PushClient(H2Client):
    """The e2e HTTP/2 client that also keeps promised streams: `promises` maps each promised
    stream id to its request fields, `promised_on` to its parent stream."""

    def __init__(self, port: int, settings: Optional[Dict[int, int]] = None, timeout: float = 10) -> None:
        self.promises: Dict[int, Dict[str, str]] = {}
        self.promised_on: Dict[int, int] = {}
        super().__init__(port, timeout=timeout, settings=settings)
        if settings:
            self.wait("the server's SETTINGS ack", lambda: self.settings_acked > 0)

    @property
    def answers(self) -> Dict[int, StreamRecord]:
        return self.streams

    def send_raw(self, frame: bytes) -> None:
        self.flush()
        self.sock.sendall(frame)

    def next_stream_id(self) -> int:
        return self.conn.get_next_available_stream_id()

    def pushed(self, timeout: Optional[float] = None) -> List[StreamRecord]:
        """The responses of every promised stream, in promise order, each to its end."""
        return [self.response(stream_id, timeout) for stream_id in sorted(self.promises)]

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.PushedStreamReceived):
            self.promises[event.pushed_stream_id] = dict(as_text(event.headers))
            self.promised_on[event.pushed_stream_id] = event.parent_stream_id
            self.streams[event.pushed_stream_id] = StreamRecord()
        else:
            super()._handle(event)


def still_serves(port: int, path: str = "/priority") -> None:
    """A fresh connection gets an answer: the server survived and serves others."""
    with PushClient(port) as client:
        assert client.get(path).status == 200
