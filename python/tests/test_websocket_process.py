"""WebSocket in a real `python -m wsging.worker` process over a Unix socket (spec A.2, A.3):
the setting it announces, a session through the socket, the sync cap read from its
environment, and what an open session sees when the front end goes away."""

import textwrap
import time

import pytest

from link_frontend import FrontEnd
from wsging.worker import link

APP = textwrap.dedent(
    '''
    import os
    from wsging import Response, WebSocketClosed

    def app(request):
        if request.websocket is None:
            return Response("plain")

        def session(ws):
            try:
                for message in ws:
                    ws.send(message)
            except WebSocketClosed:
                pass
            finally:
                with open(os.path.join(os.path.dirname(__file__), "ended.txt"), "a") as f:
                    f.write(f"{ws.close_code}\\n")

        return request.websocket.accept(session)
    '''
)

OFFER = [
    (b"Upgrade", b"websocket"),
    (b"Connection", b"Upgrade"),
    (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    (b"Sec-WebSocket-Version", b"13"),
]


@pytest.fixture
def app_dir(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.fixture
def front():
    front = FrontEnd()
    yield front
    front.close()


def start(front, app_dir, **env):
    front.start_worker(app_dir, extra_env=env)
    front.accept()
    hello = front.next_frame()
    front.send(link.encode_hello(((link.SETTING_INITIAL_WINDOW, 65536),)))
    return dict(hello.settings)


def offer(front, stream):
    front.request(stream, path=b"/ws", headers=OFFER, flags=link.WEBSOCKET, capabilities=0x0A)


def test_a_session_through_a_real_worker_and_the_cap_from_its_environment(front, app_dir):
    settings = start(front, app_dir, WSGING_WS_SYNC_SESSIONS="1")
    assert settings[link.SETTING_WEBSOCKET] == 1
    offer(front, 1)
    assert isinstance(front.next_on(1), link.WsAcceptFrame)
    front.send(link.encode_ws_open(1, ""))
    front.send(link.encode_ws_message(1, "héllo".encode(), link.WS_TEXT))
    assert front.next_on(1) == link.WsMessageFrame(1, "héllo".encode(), link.WS_TEXT)

    offer(front, 3)  # a second sync session: past WSGING_WS_SYNC_SESSIONS=1 (MUST-WS-9)
    status, headers, _, _ = front.response(3)
    assert status == 503 and headers["retry-after"] == "1"

    front.send(link.encode_ws_close(1, 1000, "bye"))
    # The first session's place is free once its thread has returned: as a client told to
    # retry after a while, offer again until accepted.
    for stream in range(5, 205, 2):
        offer(front, stream)
        answer = front.next_on(stream)
        if isinstance(answer, link.WsAcceptFrame):
            break
        assert answer.status == 503
        front.next_on(stream)  # its body
        time.sleep(0.02)
    else:
        raise AssertionError("the place of the session that ended never came free")
    front.send(link.encode_ws_close(stream, 1006))

    front.send(link.encode_goaway(0, "done"))
    front.sock.close()
    front.sock = None
    assert front.process.wait(20) == 0
    log = front.process.stderr.read().decode()
    assert "wsging: worker 7: WebSocket session for GET /ws refused with 503" in log
    assert (app_dir / "ended.txt").read_text() == "1000\n"


def test_an_open_session_sees_1006_when_the_link_closes(front, app_dir):
    start(front, app_dir)
    offer(front, 1)
    front.next_on(1)
    front.send(link.encode_ws_open(1, ""))
    front.send(link.encode_ws_message(1, b"x"))
    front.next_on(1)
    front.send(link.encode_goaway(0, "shutting down"))
    front.sock.close()
    front.sock = None
    assert front.process.wait(20) == 0
    assert (app_dir / "ended.txt").read_text() == "1006\n"
