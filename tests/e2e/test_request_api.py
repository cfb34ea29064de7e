"""The request API through the real server: --root-path, request.state, lifespan through
middleware, async detection, capabilities a middleware hides, wait_disconnected and a client's
half-close (spec 4.1, 5.1, 10.1, 11.1, 11.4, 11.6, 12.3)."""
from __future__ import annotations

import socket
import subprocess
import uuid

import httpx
import pytest

from e2e_http import RawConnection
from e2e_outcomes import wait_for_outcome
from e2e_server import FRAMEWORKS_PYTHON, APPS, LAUNCHER, Server, stop_cleanly

H = b"Host: e2e\r\n"


def new_tag() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def stack_server(server_built: None, tmp_path_factory: pytest.TempPathFactory):
    """A sync class layer over a functools.wraps layer over an async app with a sync lifespan."""
    server = Server(tmp_path_factory.mktemp("stack") / "server.log", app="request_api_app:stack", app_dir=APPS,
                    python=FRAMEWORKS_PYTHON).start()
    yield server
    stop_cleanly(server)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (bounded by the socket timeout)."""
    data = b""
    while True:
        piece = sock.recv(65536)
        if not piece:
            return data
        data += piece


# -- mount prefix (5.1, 15.2) -----------------------------------------------------------------


def test_flask_url_for_behind_root_path(start_server) -> None:
    server = start_server(app="request_api_app:mounted", app_dir=APPS, options=["--root-path", "/app/"],
                          python=FRAMEWORKS_PYTHON)
    hello = httpx.get(server.url + "/app/hello")
    assert hello.status_code == 200, hello.text
    assert hello.text == "url_for=/app/hello script_root=/app path=/hello"
    ng = httpx.get(server.url + "/app/ng")
    assert ng.text == "root_path=/app path=/app/ng"  # path keeps the prefix (ASGI's rule)
    outside = httpx.get(server.url + "/hello")  # not under the mount: the whole path is PATH_INFO
    assert outside.text == "url_for=/hello script_root= path=/hello"


@pytest.mark.parametrize("prefix", ["app", "/a%2Fb", "/a?b"])
def test_a_root_path_that_is_no_path_prefix_is_refused(server_built: None, prefix: str) -> None:
    done = subprocess.run(
        [str(LAUNCHER), "serve", "request_api_app:mounted", "--app-dir", str(APPS), "--root-path", prefix],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("wsging: error: --root-path: the prefix "), done.stderr


def test_without_root_path_nothing_is_mounted(start_server) -> None:
    server = start_server(app="request_api_app:mounted", app_dir=APPS, python=FRAMEWORKS_PYTHON)
    assert httpx.get(server.url + "/ng").text == "root_path= path=/ng"
    assert httpx.get(server.url + "/app/hello").status_code == 404


# -- lifespan through middleware, async detection (4.1, 11.4) -------------------------------


def test_lifespan_below_middleware_runs_off_the_loop(stack_server) -> None:
    response = httpx.get(stack_server.url + "/lifespan")
    assert response.status_code == 200, response.text
    assert response.text.startswith("started thread=wsging-lifespan")
    assert response.text.endswith("loop=none")


def test_sync_layer_returning_a_coroutine_is_awaited(stack_server) -> None:
    for path in ("/x", "/y"):
        response = httpx.get(stack_server.url + path)
        assert response.status_code == 200 and response.text == "inner " + path
    log = stack_server.log()
    assert log.count("is sync but returned coroutine: awaiting it on the event loop") == 1, log
    assert "Internal Server Error" not in log


def test_functools_wraps_wrapper_of_an_async_app_is_called_as_async(start_server) -> None:
    server = start_server(app="request_api_app:wrapped_app", app_dir=APPS, python=FRAMEWORKS_PYTHON)
    for _ in range(2):
        response = httpx.get(server.url + "/lifespan")
        assert response.status_code == 200 and response.text.startswith("started"), response.text
    assert "awaiting it on the event loop" not in server.log()  # classified async at load


# -- request.state, capabilities (12.3, 10.1) -------------------------------------------------


def test_state_set_by_each_layer_reaches_the_app(stack_server) -> None:
    for _ in range(2):  # per request: the second starts empty again
        response = httpx.get(stack_server.url + "/state")
        assert response.text == "[('layer.class', 'seen'), ('layer.function', 'seen')]"


def test_a_layer_hides_one_capability_and_keeps_the_others(stack_server) -> None:
    with RawConnection(stack_server.port) as conn:
        conn.send(b"GET /capabilities HTTP/1.1\r\n" + H + b"TE: trailers\r\n\r\n")
        response = conn.read_response()
    assert response.status == 200
    assert response.body == b"early_hints=False response_trailers=True sent=False"
    assert response.interim == []


# -- wait_disconnected (11.1) -----------------------------------------------------------------


def test_wait_disconnected_returns_false_when_the_response_completes(stack_server) -> None:
    tag = new_tag()
    assert httpx.get(stack_server.url + "/watch", params={"tag": tag}).text == "watched"
    wait_for_outcome(stack_server.port, tag, "returned left=False")


def test_wait_disconnected_returns_true_when_the_client_resets(stack_server) -> None:
    tag = new_tag()
    with RawConnection(stack_server.port) as conn:
        conn.send(b"GET /leave?tag=" + tag.encode() + b" HTTP/1.1\r\n" + H + b"\r\n")
        wait_for_outcome(stack_server.port, tag, "waiting")
        conn.abort()
    wait_for_outcome(stack_server.port, tag, "returned left=True")


# -- half-close (11.6) ------------------------------------------------------------------------


def test_response_to_a_client_that_shut_down_its_sending_side(stack_server) -> None:
    with socket.create_connection(("127.0.0.1", stack_server.port), timeout=10) as sock:
        sock.sendall(b"GET /half HTTP/1.1\r\n" + H + b"\r\n")
        sock.shutdown(socket.SHUT_WR)
        data = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data
    assert data.endswith(b"\r\n\r\ninner /half")


def test_pipelined_requests_are_all_answered_after_the_half_close(stack_server) -> None:
    tag = new_tag()
    with socket.create_connection(("127.0.0.1", stack_server.port), timeout=10) as sock:
        sock.sendall(
            b"GET /gate?tag=" + tag.encode() + b" HTTP/1.1\r\n" + H + b"\r\n"
            + b"GET /second HTTP/1.1\r\n" + H + b"\r\n"
        )
        sock.shutdown(socket.SHUT_WR)
        # The first response waits until the FIN has reached the server; another client opens it.
        assert httpx.get(stack_server.url + "/open", params={"tag": tag}).text == "opened"
        data = read_until_closed(sock)
    assert data.count(b"HTTP/1.1 200 OK\r\n") == 2, data
    assert b"through the gate /gate" in data and data.endswith(b"inner /second")


def test_half_close_in_the_middle_of_a_body_gets_no_response(stack_server) -> None:
    with socket.create_connection(("127.0.0.1", stack_server.port), timeout=10) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 10\r\n\r\nabc")
        sock.shutdown(socket.SHUT_WR)
        assert read_until_closed(sock) == b""  # the request cannot complete: the client is gone
