"""Bad command lines: one `wsging: ...` line on stderr, exit status 2, never a Java stack trace."""
from __future__ import annotations

import socket
import subprocess
from typing import List

import pytest

from e2e_server import APPS, LAUNCHER, free_port

pytestmark = pytest.mark.usefixtures("server_built")


def run(args: List[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(LAUNCHER), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def assert_one_line_error(done: subprocess.CompletedProcess, mentions: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, f"exit {done.returncode}; stderr:\n{done.stderr}"
    assert len(lines) == 1 and lines[0].startswith("wsging: "), f"stderr:\n{done.stderr}"
    assert mentions in lines[0], f"{mentions!r} not named in: {lines[0]}"
    assert "Exception" not in done.stderr and "at org." not in done.stderr


@pytest.mark.parametrize("app", ["e2e_app", "e2e_app:", ":app", "e2e_app:app:extra", "not a module:app"])
def test_malformed_module_attr(app: str) -> None:
    done = run(["serve", app, "--app-dir", str(APPS), "--bind", f"127.0.0.1:{free_port()}"])
    assert_one_line_error(done, app)


@pytest.mark.parametrize(
    "app, named",
    [("no_such_module_anywhere:app", "no_such_module_anywhere"),  # missing module
     ("e2e_app:missing_attribute", "missing_attribute"),  # missing attribute
     ("e2e_app:NOT_CALLABLE", "NOT_CALLABLE")],  # attribute that is not callable
)
def test_application_that_cannot_load(app: str, named: str) -> None:
    done = run(["serve", app, "--app-dir", str(APPS), "--bind", f"127.0.0.1:{free_port()}"])
    assert_one_line_error(done, named)


def test_application_whose_lifespan_fails() -> None:
    # Each worker enters the lifespan before serving; when that fails nothing is served (spec 11.4).
    done = run(["serve", "e2e_app:app_with_failing_lifespan", "--app-dir", str(APPS),
                "--bind", f"127.0.0.1:{free_port()}"])
    assert_one_line_error(done, "e2e-lifespan-failure")


def test_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(["serve", "e2e_app:app", "--app-dir", str(APPS), "--bind", f"127.0.0.1:{port}"])
    assert_one_line_error(done, str(port))


def test_python_that_does_not_exist() -> None:
    done = run(["serve", "e2e_app:app", "--app-dir", str(APPS), "--bind", f"127.0.0.1:{free_port()}",
                "--python", "/nonexistent/bin/python"])
    assert_one_line_error(done, "/nonexistent/bin/python")


def test_help_shows_every_option() -> None:
    done = run(["--help"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: wsging serve MODULE:ATTR"), done.stdout
    for option in ("--bind", "--workers", "--app-dir", "--python", "--worker-timeout", "--graceful-timeout"):
        assert option in done.stdout, option


def test_no_arguments_shows_usage() -> None:
    done = run([])
    assert done.returncode == 2
    assert "usage: wsging serve MODULE:ATTR" in done.stderr, done.stderr
    assert "Exception" not in done.stderr and "at org." not in done.stderr
