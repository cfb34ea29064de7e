"""`--interface`: WSGI and ASGI applications served as they are, and a mistaken kind named at
start-up instead of a 500 for every request."""
from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from e2e_server import APPS, LAUNCHER, Server, free_port, stop_cleanly

pytestmark = pytest.mark.usefixtures("server_built")


@pytest.mark.parametrize(
    "app, interface, expected",
    [
        ("interface_apps:wsgi_app", "wsgi", "wsgi GET /some/path"),
        ("interface_apps:wsgi_app", "auto", "wsgi GET /some/path"),
        ("interface_apps:wsgi_object", "auto", "wsgi object"),
        ("interface_apps:asgi_app", "asgi", "asgi GET /some/path"),
        ("interface_apps:asgi_app", "auto", "asgi GET /some/path"),
        ("interface_apps:asgi_by_plain_callable", "asgi", "asgi GET /some/path"),
        ("interface_apps:ng_app", "ng", "ng GET /some/path"),
        ("interface_apps:ng_app", "auto", "ng GET /some/path"),
    ],
)
def test_each_interface_is_served_as_it_is(tmp_path: Path, app: str, interface: str, expected: str) -> None:
    server = Server(tmp_path / "server.log", app=app, options=("--interface", interface)).start()
    try:
        response = httpx.get(f"{server.url}/some/path", timeout=10)
    finally:
        stop_cleanly(server)
    assert (response.status_code, response.text) == (200, expected)


def run(args: list) -> subprocess.CompletedProcess:
    return subprocess.run([str(LAUNCHER), "serve", *args, "--app-dir", str(APPS),
                           "--bind", f"127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_a_wsgi_application_served_as_wsgi_ng_is_named_at_start_up() -> None:
    done = run(["interface_apps:wsgi_app"])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("wsging: error: "), done.stderr
    assert "looks like a WSGI application; serve it with --interface wsgi" in lines[0]


def test_an_asgi_application_served_as_wsgi_ng_is_named_at_start_up() -> None:
    done = run(["interface_apps:asgi_app"])
    assert done.returncode == 2, done.stderr
    assert "looks like an ASGI application; serve it with --interface asgi" in done.stderr


def test_auto_refuses_a_callable_it_cannot_tell_apart() -> None:
    done = run(["interface_apps:ambiguous", "--interface", "auto"])
    assert done.returncode == 2, done.stderr
    assert "pass --interface ng or wsgi" in done.stderr


def test_an_unknown_interface_is_a_command_line_error() -> None:
    done = run(["interface_apps:wsgi_app", "--interface", "cgi"])
    assert done.returncode == 2
    assert done.stderr.strip() == "wsging: error: --interface: expected ng, wsgi, asgi or auto, got 'cgi'"


def test_a_framework_missing_from_the_workers_interpreter_names_python(tmp_path: Path) -> None:
    (tmp_path / "needs_framework.py").write_text("import a_framework_nobody_installed\napp = None\n")
    done = subprocess.run([str(LAUNCHER), "serve", "needs_framework:app", "--app-dir", str(tmp_path),
                           "--bind", f"127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "No module named 'a_framework_nobody_installed'" in done.stderr
    assert "--python" in done.stderr
