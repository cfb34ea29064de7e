"""Testing applications in-process, through the real worker path (see TestClient)."""

from .client import TestClient, TestResponse, TestStream
from .websocket import TestWebSocket

__all__ = ["TestClient", "TestResponse", "TestStream", "TestWebSocket"]
