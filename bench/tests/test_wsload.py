"""bench/wsload (the Go WebSocket client) against an independent server, the `websockets`
library: echoes are counted and checked, idle connections are held, and the harness parses what
it prints."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from websockets.asyncio.server import serve

from harness.load import WSLOAD, parse_wsclient
from harness.wsidle import Outcome, render

WSLOAD_DIR = Path(__file__).resolve().parent.parent / "wsload"


@pytest.fixture(scope="module")
def wsload() -> Path:
    """The client bench/run builds; built here when it is missing or older than its source."""
    if not WSLOAD.exists() or (WSLOAD_DIR / "main.go").stat().st_mtime > WSLOAD.stat().st_mtime:
        go = next((p for p in ("/usr/local/go/bin/go", "/usr/bin/go") if os.path.exists(p)), None)
        if go is None:
            message = "Go is not installed (bench/run builds wsload with it)"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        subprocess.run([go, "build", "-o", str(WSLOAD), "."], cwd=WSLOAD_DIR, check=True)
    return WSLOAD


@pytest.fixture(scope="module")
def echo_server() -> Iterator[dict]:
    """A `websockets` echo server on a thread; `seen` counts the connections it accepted."""
    state: dict = {"seen": 0}
    ready = threading.Event()
    loop = asyncio.new_event_loop()

    async def echo(ws) -> None:
        state["seen"] += 1
        async for message in ws:
            await ws.send(message)

    async def main() -> None:
        async with serve(echo, "127.0.0.1", 0, compression=None) as server:
            state["port"] = server.sockets[0].getsockname()[1]
            state["stop"] = loop.create_future()
            ready.set()
            await state["stop"]

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield state
    loop.call_soon_threadsafe(state["stop"].set_result, None)
    thread.join(10)


def test_echo_counts_checked_round_trips(wsload: Path, echo_server: dict) -> None:
    done = subprocess.run([str(wsload), "echo", f"ws://127.0.0.1:{echo_server['port']}/ws",
                           "-connections", "4", "-duration", "1", "-warmup", "0.2", "-size", "300"],
                          capture_output=True, text=True, timeout=30, check=True)
    result = parse_wsclient(done.stdout)
    assert result.requests > 100
    assert result.errors == 0, done.stdout + done.stderr
    assert result.p50_ms is not None and result.p50_ms > 0


def test_a_refused_handshake_is_a_failed_connection(wsload: Path) -> None:
    # Port 9 (discard) is closed here: every connection fails and is counted, none hangs.
    done = subprocess.run([str(wsload), "echo", "ws://127.0.0.1:9/ws", "-connections", "3",
                           "-duration", "0.5", "-warmup", "0"],
                          capture_output=True, text=True, timeout=30, check=True)
    result = parse_wsclient(done.stdout)
    assert result.requests == 0 and result.errors == 3


def test_idle_holds_its_connections_until_stdin_closes(wsload: Path, echo_server: dict) -> None:
    before = echo_server["seen"]
    client = subprocess.Popen([str(wsload), "idle", f"ws://127.0.0.1:{echo_server['port']}/ws",
                               "-connections", "50"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert client.stdout is not None
        assert client.stdout.readline() == "WS_IDLE_READY 50\n"
        # The client counts a connection once its handshake is answered; the server's handler
        # for the last ones may run a moment later.
        deadline = time.monotonic() + 5
        while echo_server["seen"] - before < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert echo_server["seen"] - before == 50
        assert client.poll() is None
    finally:
        client.stdin.close()  # type: ignore[union-attr]
        assert client.wait(20) == 0


def test_idle_report_renders_per_connection_memory() -> None:
    text = render([Outcome("wsging", 100, 100, 80.0, 90.0, 102.4, True),
                   Outcome("other", 100, 40, 50.0, 51.0, 25.6, False, "only 40 of 100 connections opened")])
    assert "| wsging | 100 / 100 | 80 | 90 | 102.4 KiB | yes |" in text
    assert "| other (failed: only 40 of 100 connections opened) | 40 / 100 | 50 | 51 | 25.6 KiB | no |" in text
