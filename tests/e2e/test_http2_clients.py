"""HTTP/2 in clear text (h2c) with real, independent clients: curl (prior knowledge and
`Upgrade: h2c`), httpx, nghttp, h2load and the `h2` library, against the example application
and the HTTP/2 test application.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from conftest import require_tool
from e2e_server import ROOT, Server, stop_cleanly
from h2_client import H2Client
from h2_servers import run_tool, start


@pytest.fixture(scope="module")
def example(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(tmp_path_factory.mktemp("h2-example"), app="hello:app", app_dir=ROOT / "examples")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(tmp_path_factory.mktemp("h2-app"))
    yield server
    stop_cleanly(server)


def curl(*args: str, timeout: float = 30) -> tuple:
    """curl's body, and the HTTP version and status it reports (`-w`)."""
    done = run_tool([require_tool("curl"), "-sS", "--max-time", str(int(timeout)),
                     "-w", "\n@@%{http_version} %{http_code}@@", *args], timeout + 10)
    assert done.returncode == 0, f"curl failed ({done.returncode}): {done.stderr}"
    body, _, tail = done.stdout.rpartition("\n@@")
    version, status = tail.rstrip("@").split()
    return body, version, int(status), done.stderr


def test_curl_with_prior_knowledge_gets_http2_from_the_example(example: Server) -> None:
    body, version, status, _ = curl("--http2-prior-knowledge", f"{example.url}/")
    assert (version, status, body) == ("2", 200, "Hello, world!")


def test_curl_upgrade_h2c_switches_and_answers_on_http2(example: Server) -> None:
    body, version, status, log = curl("-v", "--http2", f"{example.url}/")
    assert "HTTP/1.1 101" in log, f"no 101 Switching Protocols:\n{log}"
    assert (version, status, body) == ("2", 200, "Hello, world!")


def test_curl_upgrade_h2c_with_a_post_body_echoes_it_over_http2(example: Server, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 64  # 16 KiB, binary
    upload = tmp_path / "payload.bin"
    upload.write_bytes(payload)
    done = run_tool([require_tool("curl"), "-sS", "-v", "--http2", "--max-time", "30", "--data-binary", f"@{upload}",
                     "-H", "content-type: application/x-test", "-o", str(tmp_path / "out"), "-w", "%{http_version}",
                     f"{example.url}/echo"], 40)
    assert done.returncode == 0, done.stderr
    assert "Upgrade: h2c" in done.stderr, "curl did not offer the upgrade"
    assert "HTTP/1.1 101" in done.stderr, f"the upgrade with a body was not accepted:\n{done.stderr}"
    assert done.stdout == "2"
    assert (tmp_path / "out").read_bytes() == payload


def test_curl_prior_knowledge_against_the_test_app_streams_trailers(server: Server) -> None:
    done = run_tool([require_tool("curl"), "-sS", "-v", "--http2-prior-knowledge", "--max-time", "30",
                     "-H", "te: trailers", f"{server.url}/trailers"], 40)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "first,second"
    digest = hashlib.sha256(b"first,second").hexdigest()
    assert f"x-body-sha256: {digest}" in done.stderr, f"curl saw no trailer:\n{done.stderr}"


def test_httpx_http2_many_requests_on_one_connection(example: Server) -> None:
    with httpx.Client(http1=False, http2=True, timeout=30) as client:
        for _ in range(20):
            response = client.get(f"{example.url}/")
            assert response.http_version == "HTTP/2"
            assert response.text == "Hello, world!"
        upload = b"z" * 300_000  # more than the default 64 KiB windows: flow control both ways
        echoed = client.post(f"{example.url}/echo", content=upload)
        assert echoed.http_version == "HTTP/2"
        assert echoed.content == upload
        missing = client.get(f"{example.url}/nope")
        assert missing.status_code == 404


def nghttp(*args: str) -> str:
    done = run_tool([require_tool("nghttp"), "-v", "--timeout=20", *args], 30)
    assert done.returncode == 0, f"nghttp failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_nghttp_shows_the_trailer_headers_frame_after_the_data(server: Server) -> None:
    out = nghttp("-H", "te: trailers", f"{server.url}/trailers")
    digest = hashlib.sha256(b"first,second").hexdigest()
    trailer_at = out.find(f"x-body-sha256: {digest}")
    assert trailer_at >= 0, f"no trailer in nghttp's output:\n{out}"
    first_data = out.find("recv DATA frame")
    assert 0 <= first_data < trailer_at, f"the trailer did not come after the body:\n{out}"
    # The trailer block is its own HEADERS frame, ending the stream (flags 0x05 = END_STREAM|END_HEADERS).
    headers_frames = re.findall(r"recv HEADERS frame <[^>]*flags=0x0(\d)", out)
    assert len(headers_frames) == 2 and headers_frames[-1] == "5", out


def test_nghttp_gets_103_early_hints_before_the_200(server: Server) -> None:
    out = nghttp(f"{server.url}/hints")
    hints = out.find(":status: 103")
    final = out.find(":status: 200")
    assert 0 <= hints < final, f"no 103 before the 200:\n{out}"
    assert "link: </style.css>; rel=preload; as=style" in out[hints:final]
    assert "hints sent" in out


def test_h2load_thousands_of_requests_none_failed(example: Server) -> None:
    done = run_tool([require_tool("h2load"), "-n", "4000", "-c", "4", "-m", "16", f"{example.url}/"], 120)
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored",
                      done.stdout)
    assert found, done.stdout
    total, started, finished, succeeded, failed, errored = map(int, found.groups())
    assert (total, finished, succeeded, failed, errored) == (4000, 4000, 4000, 0, 0), done.stdout
    assert re.search(r"status codes: 4000 2xx", done.stdout), done.stdout


def test_the_app_sees_an_http2_request_as_the_spec_says(server: Server) -> None:
    with H2Client(server.port) as client:
        record = client.get("/inspect/a?b=c", headers=[("cookie", "a=1"), ("x-custom", "v"), ("cookie", "b=2"),
                                                        ("cookie", "c=3")], authority="example.test:8443")
        assert record.status == 200
        seen = json.loads(bytes(record.data))
        posted = client.request("/inspect/p", method="POST", body=b"hello", headers=[("content-length", "5")])
        with_length = json.loads(bytes(client.response(posted).data))
        streamed = client.request("/inspect/s", method="POST", body=b"no length")
        without_length = json.loads(bytes(client.response(streamed).data))
    assert seen["http_version"] == "2"
    assert (seen["method"], seen["path"], seen["query_string"]) == ("GET", "/inspect/a", "b=c")
    names = [name for name, _ in seen["headers"]]
    assert all(name == name.lower() and not name.startswith(":") for name in names), names
    headers = seen["headers"]
    assert [value for name, value in headers if name == "host"] == ["example.test:8443"]
    # Cookie crumbs (RFC 9113 §8.2.3): delivered as received or joined with "; ", in order.
    assert "; ".join(value for name, value in headers if name == "cookie") == "a=1; b=2; c=3"
    assert ["x-custom", "v"] in headers
    assert seen["content_length"] == 0  # END_STREAM on the HEADERS: no body
    assert with_length["content_length"] == 5
    assert without_length["content_length"] is None


def test_grpc_style_unary_call_gets_its_status_in_trailers(server: Server) -> None:
    message = b"hello grpc"
    frame = struct.pack(">BI", 0, len(message)) + message
    with H2Client(server.port) as client:
        stream = client.request("/grpc.Echo/Upper", method="POST", body=frame,
                                headers=[("content-type", "application/grpc"), ("te", "trailers")])
        record = client.response(stream)
    assert record.status == 200
    assert record.header("content-type") == "application/grpc"
    assert record.trailers is not None, "no trailers: gRPC has no status without them"
    assert dict(record.trailers).get("grpc-status") == "0", record.trailers
    compressed, length = struct.unpack(">BI", bytes(record.data[:5]))
    assert (compressed, length, bytes(record.data[5:])) == (0, len(message), message.upper())


def test_concurrent_streams_of_one_connection_run_concurrently(server: Server) -> None:
    count = 10
    tag = f"together-{time.monotonic_ns()}"
    started = time.monotonic()
    with H2Client(server.port, timeout=20) as client:
        streams = [client.request(f"/barrier?n={count}&tag={tag}") for _ in range(count)]
        records = [client.response(stream, timeout=20) for stream in streams]
    elapsed = time.monotonic() - started
    assert [(r.status, bytes(r.data)) for r in records] == [(200, b"together")] * count
    assert elapsed < 8, f"the streams took {elapsed:.1f} s: they did not wait at the barrier together"
