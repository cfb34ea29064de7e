"""The README's first command serves examples/hello.py; curl reuses one connection for two requests."""
from __future__ import annotations

from curl_helpers import transfers
from e2e_http import RawConnection
from e2e_server import LAUNCHER, ROOT


def _two_requests_one_connection(url: str) -> None:
    results, log = transfers([url, url])
    assert [(body, status) for body, status, _ in results] == [(b"Hello, world!", 200)] * 2
    # One connection for both: the second transfer opened none and curl says it reused it.
    assert [connects for _, _, connects in results] == [1, 0], log
    assert "Re-using existing connection" in log, log


def test_readme_command_serves_hello_over_one_kept_alive_connection(start_server) -> None:
    # Exactly as the README says, from the repository root: `./wsging serve hello:app --app-dir examples`.
    # The relative --app-dir resolves against the caller's directory.
    server = start_server(app="hello:app", app_dir="examples", cwd=ROOT, launcher="./wsging")
    _two_requests_one_connection(server.url + "/")


def test_launcher_works_from_another_directory(start_server) -> None:
    # From examples/ itself, without --app-dir: MODULE resolves against the caller's directory.
    server = start_server(app="hello:app", app_dir=None, cwd=ROOT / "examples", launcher=str(LAUNCHER))
    _two_requests_one_connection(server.url + "/")


def test_example_echo_and_client_address(example_server) -> None:
    results, log = transfers(["--data-binary", "ping", "-H", "Content-Type: text/x-test", example_server.url + "/echo"])
    assert [(body, status) for body, status, _ in results] == [(b"ping", 200)]
    assert "content-type: text/x-test" in log.lower(), log
    with RawConnection(example_server.port) as conn:
        conn.send(b"GET /client HTTP/1.1\r\nHost: e2e\r\n\r\n")
        assert conn.read_response().body.decode() == f"127.0.0.1:{conn.local_port}"
