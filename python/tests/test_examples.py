"""examples/hello.py, through the test client."""

import importlib.util
from pathlib import Path

from wsging.testing import TestClient

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello.py"


def load_hello():
    spec = importlib.util.spec_from_file_location("hello_example", HELLO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def test_hello_routes():
    with TestClient(load_hello()) as client:
        hello = client.get("/")
        assert (hello.status, hello.text) == (200, "Hello, world!")
        assert hello.headers["content-type"] == "text/plain; charset=utf-8"
        assert client.get("/client").text == "testclient:50000"
        assert client.get("/missing").status == 404
        assert client.post("/").status == 404


def test_hello_echo_streams_any_size():
    payload = bytes(range(256)) * 8192  # 2 MiB, sent in pieces of unknown total length
    with TestClient(load_hello()) as client:
        response = client.post("/echo", body=(payload[i : i + 100000] for i in range(0, len(payload), 100000)))
        assert response.status == 200 and response.body == payload
        assert "content-length" not in response.headers
