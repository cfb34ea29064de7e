"""Fixtures that run the real server (`./wsging serve`) with real worker processes.

Every server listens on a free 127.0.0.1 port, is stopped with SIGTERM at teardown, and must
then exit with status 0 (a clean, graceful shutdown is part of what every test checks).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, List

import pytest

from e2e_server import ROOT, Server, stop_cleanly

if TYPE_CHECKING:
    from tls_certs import TestPki

# Every test is bounded; the slowest (100 MB uploads) take a few seconds on 2 cores.
DEFAULT_TEST_TIMEOUT = 120


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TEST_TIMEOUT))


def require_tool(name: str) -> str:
    """The path of a command-line tool; a test without it fails under CI=true, else skips."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (scripts/test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> "TestPki":
    """A test CA with server and client certificates (tls_certs.TestPki), made once."""
    from tls_certs import TestPki  # cryptography, for the TLS tests only

    return TestPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def server_built() -> None:
    """Builds the jar and the worker venv once, with the launcher's own steps, before any timing starts."""
    prepare = (
        '. scripts/lib/env.sh && wsging_find_jdk && wsging_build_server_if_stale "$PWD" '
        '&& wsging_ensure_venv "$PWD"'
    )
    done = subprocess.run(["bash", "-c", prepare], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.exit(f"cannot build the server:\n{done.stderr[-4000:]}", returncode=1)


@pytest.fixture(scope="session")
def main_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The e2e app with default options and one worker; tests must leave it serving."""
    server = Server(tmp_path_factory.mktemp("main") / "server.log").start()
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="session")
def example_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """examples/hello.py, a sync application (runs in the worker's thread pool)."""
    server = Server(tmp_path_factory.mktemp("example") / "server.log", app="hello:app", app_dir=ROOT / "examples").start()
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="session")
def limits_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Short head timeout, small body limit and --debug, for the limit and error tests."""
    options = ["--header-timeout", "1", "--max-body-size", "1024", "--debug"]
    server = Server(tmp_path_factory.mktemp("limits") / "server.log", options=options).start()
    yield server
    stop_cleanly(server)


@pytest.fixture
def start_server(server_built: None, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts servers private to one test; each is stopped (and must exit 0) at teardown."""
    started: List[Server] = []

    def start(**kwargs: object) -> Server:
        server = Server(tmp_path / f"server-{len(started)}.log", **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server.start()

    yield start
    for server in started:
        stop_cleanly(server)
