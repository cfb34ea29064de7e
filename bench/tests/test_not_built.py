"""How the harness tells a wsging feature that is not built from a failure: TLS from the usage
text before a start, HTTP/2 from the running server's answer to the connection preface."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest

from harness import features
from harness.main import make_plan, measure, parse_args
from harness.rows import ROWS
from harness.servers import SPECS, RunningServer, ServerSpec

USAGE_WITH_TLS = """usage: wsging serve MODULE:ATTR [options]

options:
  --bind HOST:PORT        address to listen on; repeatable
  --certfile PEM          certificate (and its chain) to serve TLS with
  --keyfile PEM           its private key
"""
USAGE_WITHOUT_TLS = """usage: wsging serve MODULE:ATTR [options]

options:
  --bind HOST:PORT        address to listen on; repeatable
  --ceiling               benchmark aid: Java answers itself (no --certfile here)
"""


def test_usage_lists_an_option_only_at_the_start_of_a_line() -> None:
    assert not features.usage_lacks(USAGE_WITH_TLS, "--certfile")
    assert not features.usage_lacks(USAGE_WITH_TLS, "--keyfile")
    assert features.usage_lacks(USAGE_WITHOUT_TLS, "--certfile")  # mentioned, not listed
    assert features.usage_lacks(USAGE_WITH_TLS, "--cert")


def test_tls_missing_reads_the_servers_own_usage(tmp_path: Path) -> None:
    for name, usage, expected in [("with", USAGE_WITH_TLS, None),
                                  ("without", USAGE_WITHOUT_TLS, "lists no --certfile")]:
        launcher = tmp_path / name
        launcher.write_text(f"#!/bin/sh\ncat <<'END'\n{usage}END\n")
        launcher.chmod(0o755)
        found = features.tls_missing([str(launcher)])
        assert found is None if expected is None else expected in found


class Http1Only:
    """A server that answers anything, the HTTP/2 preface too, with an HTTP/1.1 400."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def http1_only() -> Iterator[Http1Only]:
    server = Http1Only()
    yield server
    server.listener.close()


def as_running(spec: ServerSpec, port: int) -> RunningServer:
    class Stub(RunningServer):
        def __init__(self) -> None:  # addressing only: the server is the fixture's
            self.spec, self.port, self.workers = spec, port, 1
    return Stub()


def test_wsging_without_h2c_is_not_built_a_peer_without_it_failed(http1_only: Http1Only,
                                                                 tmp_path: Path) -> None:
    h2 = next(row for row in ROWS if row.key == "h2-get")
    plan = make_plan(parse_args(["--rows", "h2-get", "--duration", "1", "--warmup", "0"]))
    mine = measure(h2, as_running(SPECS["wsging"], http1_only.port), plan, 1, tmp_path,
                   tmp_path / "file")
    assert mine.result is None and mine.failure is None
    assert mine.not_built == "answered the HTTP/2 connection preface with HTTP/1.x: " \
                             "HTTP/1.1 400 Bad Request"
    peer = measure(h2, as_running(SPECS["granian-rsgi"], http1_only.port), plan, 1, tmp_path,
                   tmp_path / "file")
    assert peer.not_built is None and "HTTP/1.x" in (peer.failure or "")
