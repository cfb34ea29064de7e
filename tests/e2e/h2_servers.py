"""What the HTTP/2 test modules share: the server they start and the tools they run."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import pytest

from e2e_server import ROOT, Server, wait_for
from h2_client import H2Client

H2_APP = "h2_app:app"

# Where scripts/test installs h2spec (go install with GOBIN here).
TOOLS_BIN = ROOT / "target" / "tools" / "bin"


def require_project_tool(name: str) -> str:
    """A tool scripts/test installs into target/tools/bin (or found on PATH); missing: fails
    under CI=true, else skips."""
    local = TOOLS_BIN / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found is not None:
        return found
    message = f"{name} is not installed (scripts/test installs it into {TOOLS_BIN})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")


def start(log_dir: Path, options: Sequence[str] = (), app: str = H2_APP, app_dir: Optional[Path] = None) -> Server:
    kwargs = {} if app_dir is None else {"app_dir": app_dir}
    return Server(log_dir / "server.log", app=app, options=list(options), **kwargs).start()  # type: ignore[arg-type]


def still_serves(server: Server, path: str = "/") -> None:
    """A fresh HTTP/2 connection gets an answer: the server survived and serves others."""
    with H2Client(server.port, timeout=10) as client:
        record = client.get(path)
        assert record.status == 200, f"a fresh connection got {record.status}"


def read_text(server: Server, path: str) -> str:
    """A small answer from the server over its own HTTP/2 connection (for the observing routes)."""
    with H2Client(server.port, timeout=10) as client:
        record = client.get(path)
    assert record.status == 200, f"{path} answered {record.status}"
    return record.data.decode()


def wait_text(server: Server, path: str, expected: Callable[[str], bool], timeout: float = 10) -> str:
    """Polls `path` until its body satisfies `expected`."""
    last = [""]

    def probe() -> Optional[str]:
        last[0] = read_text(server, path)
        return last[0] if expected(last[0]) else None

    try:
        return wait_for(f"{path} to say what the test expects", probe, timeout, interval=0.1)
    except AssertionError as failure:
        raise AssertionError(f"{failure}; it last said {last[0]!r}") from None


def run_tool(args: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)


def steady(probe: Callable[[], int], pause: float = 0.5) -> int:
    """A counter read twice `pause` apart, asserted unchanged (a producer that has stopped)."""
    first = probe()
    time.sleep(pause)
    second = probe()
    assert first == second, f"the counter still moves: {first} then {second}"
    return second
