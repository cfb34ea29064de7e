"""WebSocket sessions of a WSGI-NG application under uWSGI through `to_uwsgi` (uWSGI's own
`websocket_*` API as the spec 9 offer and session), driven by the websockets library against
`uwsgi --http-socket ... --http-websockets`; the echo itself is in test_wsgi_hosts.py."""
from __future__ import annotations

from typing import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from wsgi_hosts import Host, require_host


@pytest.fixture(scope="module", params=["sync", "async"])
def uwsgi_host(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    require_host("uwsgi")
    started = Host("uwsgi", f"uwsgi_{request.param}_wsgi.py", tmp_path_factory.mktemp("uwsgi-ws")).start()
    yield started
    started.stop()


def ws_url(host: Host, query: str = "") -> str:
    return f"ws://127.0.0.1:{host.port}/ws{query}"


def test_uwsgi_session_closes_with_its_code(uwsgi_host: Host) -> None:
    with connect(ws_url(uwsgi_host, "?close=4001"), open_timeout=10, close_timeout=10) as ws:
        ws.send("once")
        assert ws.recv(timeout=10) == "once"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    assert (ws.close_code, ws.close_reason) == (4001, "bye")


def test_uwsgi_session_that_fails_closes_with_1011(uwsgi_host: Host) -> None:
    with connect(ws_url(uwsgi_host, "?fail=1"), open_timeout=10, close_timeout=10) as ws:
        ws.send("once")
        assert ws.recv(timeout=10) == "once"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    assert ws.close_code == 1011
    assert "hosted-session-failure-marker" in uwsgi_host.log()


def test_uwsgi_session_with_a_subprotocol(uwsgi_host: Host) -> None:
    with connect(ws_url(uwsgi_host, "?protocol=chat"), subprotocols=["chat", "other"], open_timeout=10) as ws:
        assert ws.subprotocol == "chat"
        ws.send("hi")
        assert ws.recv(timeout=10) == "hi"


def test_a_client_close_ends_the_session_and_the_worker_serves_on(uwsgi_host: Host) -> None:
    for _ in range(3):  # each session ends and frees its thread
        with connect(ws_url(uwsgi_host), open_timeout=10, close_timeout=10) as ws:
            ws.send("ping")
            assert ws.recv(timeout=10) == "ping"
        # uWSGI answers a client's close with a close frame without a code
        assert ws.close_code == 1005
