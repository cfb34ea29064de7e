"""A client that leaves: the application learns it without reading, is not cancelled while it
awaits wait_disconnected() (spec 11.1), and its
body reads and streamed responses stop at defined points (spec 6.2, 11.1)."""
from __future__ import annotations

import uuid

import pytest

from e2e_http import RawConnection
from e2e_outcomes import wait_for_outcome

H = b"Host: e2e\r\n"


def new_tag() -> str:
    return uuid.uuid4().hex[:12]


@pytest.mark.parametrize("request_body", [False, True], ids=["no body", "body already sent"])
def test_closed_connection_is_noticed_while_the_app_waits_and_the_app_finishes(main_server, request_body) -> None:
    tag = new_tag()
    with RawConnection(main_server.port) as conn:
        if request_body:
            conn.send(b"POST /wait-disconnect?tag=" + tag.encode() + b" HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello")
        else:
            conn.send(b"GET /wait-disconnect?tag=" + tag.encode() + b" HTTP/1.1\r\n" + H + b"\r\n")
        wait_for_outcome(main_server.port, tag, "waiting")
        # A reset: a FIN after the complete request would be a half-close, still answered (11.6).
        conn.abort()
    # The connection is closed: the app, which never read anything, learns it and runs to its end.
    wait_for_outcome(main_server.port, tag, "disconnected=True, finished")


def test_streamed_response_is_closed_at_its_yield_when_the_client_leaves(main_server) -> None:
    tag = new_tag()
    with RawConnection(main_server.port) as conn:
        conn.send(b"GET /endless?tag=" + tag.encode() + b" HTTP/1.1\r\n" + H + b"\r\n")
        head = conn.read_head()
        assert head.status == 200
        conn._fill()  # some body arrived: the generator is running
    wait_for_outcome(main_server.port, tag, "GeneratorExit at yield")


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_body_cut_short_makes_the_read_raise_client_disconnected(main_server, framing) -> None:
    tag = new_tag()
    with RawConnection(main_server.port) as conn:
        head = b"POST /read-body?tag=" + tag.encode() + b" HTTP/1.1\r\n" + H
        # The app must be running before the client leaves: a request whose client is gone
        # before it reaches the app is cancelled without calling it, which proves nothing here.
        if framing == "content-length":
            conn.send(head + b"Content-Length: 100\r\n\r\n")
            wait_for_outcome(main_server.port, tag, "reading")
            conn.send(b"x" * 10)
        else:
            conn.send(head + b"Transfer-Encoding: chunked\r\n\r\n")
            wait_for_outcome(main_server.port, tag, "reading")
            conn.send(b"a\r\n" + b"x" * 10 + b"\r\n64\r\nxyz")
    # Never a shorter body that looks complete (spec 6.2).
    wait_for_outcome(main_server.port, tag, "ClientDisconnected")
