"""The conformance kit against the real server: `./wsging serve wsging.conformance.app:app`,
graded by `python -m wsging.conformance` (run as a separate process, as any user runs it).
wsging must fail nothing and pass what it supports: trailers, 103, WebSocket, HTTP/2 (the h2
package of the test requirements makes the kit check the HTTP/2 rows)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from e2e_server import ROOT, Server, stop_cleanly


@pytest.fixture(scope="module")
def graded(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("conformance")
    server = Server(work / "server.log", app="wsging.conformance.app:app", app_dir=None).start()
    try:
        out = work / "results.json"
        # The kit is the package's own module: it runs from the source tree, like the workers.
        env = {**os.environ, "PYTHONPATH": str(ROOT / "python" / "src")}
        done = subprocess.run(
            [sys.executable, "-m", "wsging.conformance", server.url, "--json", str(out), "--host", "wsging"],
            env=env, capture_output=True, text=True, timeout=180,
        )
        results = json.loads(out.read_text())
    finally:
        stop_cleanly(server)
    return done, {row["id"]: row for row in results["results"]}


def test_the_kit_finds_no_failure(graded) -> None:
    done, rows = graded
    failures = {check_id: row["reason"] for check_id, row in rows.items() if row["grade"] == "fail"}
    assert failures == {}, done.stdout
    assert done.returncode == 0


@pytest.mark.parametrize("check_id", [
    "trailers.http1", "early_hints.http1", "body.request_trailers", "response.head_first",
    "disconnect.notice", "websocket.echo", "websocket.sync_session", "websocket.close",
    "websocket.subprotocol", "websocket.refusal", "http2.request", "http2.body",
    "http2.request_trailers", "http2.trailers", "http2.early_hints", "http2.push",
    "request.headers", "request.path", "lifespan.entered", "context.per_request",
])
def test_what_wsging_supports_passes(graded, check_id: str) -> None:
    _, rows = graded
    assert rows[check_id]["grade"] == "pass", rows[check_id]


def test_every_row_passes(graded) -> None:
    _, rows = graded
    assert {row["grade"] for row in rows.values()} == {"pass"}, {
        check_id: row for check_id, row in rows.items() if row["grade"] != "pass"}
