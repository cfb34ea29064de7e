"""WebSocket (spec 9, RFC 6455, RFC 7692) against the real server, driven by the websockets
library's clients and, for what no client sends, a raw socket. The sessions are
apps/ws_echo_app.py's (its docstring lists the routes); what a session saw is read back from
its /outcome route.

Every bad input is followed by a fresh connection that must still be served.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import ssl
import struct
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, List, Optional

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from e2e_http import RawConnection, RawResponse
from e2e_server import PeakMemory, Server, stop_cleanly, wait_for
from tls_certs import TestPki

MIB = 1024 * 1024
PIECE = 64 * 1024
# What may pile up between a session and a client that does not read (or a client and a session
# that does not receive) before the sender blocks: the kernel's socket buffers on loopback (a
# few MiB each way; under 4 MiB was seen), the server's windows (64 KiB per session, spec 9.4)
# and the client's queue. Far below the 128 MiB the tests try to push through.
MAX_IN_FLIGHT = 24 * MIB
MAX_GROWTH_MIB = 48  # resident growth of the server or its worker while a sender is blocked


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("ws-clients") / "server.log", app="ws_echo_app:app",
               options=["--graceful-timeout", "5"]).start()
    yield s
    stop_cleanly(s)


@pytest.fixture(scope="module")
def tls_server(server_built: None, pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("wss") / "server.log", app="ws_echo_app:app",
               options=pki.server_options("--graceful-timeout", "5")).start()
    yield s
    stop_cleanly(s)


def url(server: Server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def open_session(server: Server, path: str, **options: object) -> ClientConnection:
    options.setdefault("open_timeout", 10)
    options.setdefault("close_timeout", 10)
    return connect(url(server, path), **options)  # type: ignore[arg-type]


def new_tag() -> str:
    return uuid.uuid4().hex


def outcome(server: Server, tag: str) -> str:
    response = httpx.get(f"{server.url}/outcome", params={"tag": tag}, timeout=10)
    assert response.status_code == 200, response
    return response.text


def wait_outcome(server: Server, tag: str, expected: Callable[[str], bool], timeout: float = 15) -> str:
    seen = [""]

    def probe() -> Optional[str]:
        seen[0] = outcome(server, tag)
        return seen[0] if expected(seen[0]) else None

    try:
        return wait_for(f"the session of {tag} to record what the test expects", probe, timeout, interval=0.1)
    except AssertionError as failure:
        raise AssertionError(f"{failure}; it recorded {seen[0]!r}") from None


def still_serves(server: Server) -> None:
    """The server answers a plain request and echoes on a fresh WebSocket connection."""
    response = httpx.get(f"{server.url}/", timeout=10)
    assert response.status_code == 200 and response.text == "ws_echo_app serves\n", response
    with open_session(server, "/") as ws:
        ws.send("still serving")
        assert ws.recv(timeout=10) == "still serving"


def closed_by_server(ws: ClientConnection) -> ConnectionClosed:
    """Waits for the server's close: the ConnectionClosed that the next recv raises."""
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None, f"the server sent no close frame: {closed.value!r}"
    return closed.value


def steady(what: str, probe: Callable[[], int], pause: float = 1.0, timeout: float = 20) -> int:
    """A counter that has stopped moving: the same value twice, `pause` apart."""
    last = [probe()]

    def settled() -> Optional[int]:
        time.sleep(pause)
        value = probe()
        if value == last[0]:
            return value
        last[0] = value
        return None

    return wait_for(f"{what} to stop moving", settled, timeout, interval=0)


# ---- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/sync"], ids=["async-session", "sync-session"])
def test_text_and_binary_messages_come_back_with_their_type(server: Server, path: str) -> None:
    messages: List[object] = ["hello", "héllo ✓ 𝄞", "", b"\x00\xff binary", b""]
    with open_session(server, path) as ws:
        for message in messages:
            ws.send(message)  # type: ignore[arg-type]
            echoed = ws.recv(timeout=10)
            assert type(echoed) is type(message) and echoed == message


@pytest.mark.parametrize("path", ["/default", "/sync"], ids=["async-default-limit", "sync-session"])
def test_one_mib_messages_travel_both_ways(server: Server, path: str) -> None:
    """1 MiB is the default max_message_size (9.3): a message of exactly that size passes."""
    binary = os.urandom(MIB)
    text = ("wsging ✓ " * (MIB // 11 + 1)).encode()[:MIB].decode("utf-8", "ignore")
    with open_session(server, path, max_size=None) as ws:
        ws.send(binary)
        assert ws.recv(timeout=30) == binary
        ws.send(text)
        assert ws.recv(timeout=30) == text


def test_a_message_over_max_message_size_closes_with_1009_seen_by_both(server: Server) -> None:
    tag = new_tag()
    with open_session(server, f"/default?tag={tag}", max_size=None) as ws:
        ws.send(b"x" * (MIB + 1))
        assert closed_by_server(ws).rcvd.code == 1009  # type: ignore[union-attr]
    wait_outcome(server, tag, lambda seen: seen.startswith("closed 1009"))
    still_serves(server)


def test_invalid_utf8_text_closes_with_1007_seen_by_both(server: Server) -> None:
    tag = new_tag()
    with open_session(server, f"/?tag={tag}") as ws:
        ws.send(b"valid, then \xff\xfe", text=True)
        assert closed_by_server(ws).rcvd.code == 1007  # type: ignore[union-attr]
    wait_outcome(server, tag, lambda seen: seen.startswith("closed 1007"))
    still_serves(server)


# ---- the handshake: subprotocols, refusal, compression ------------------------------------------


def test_the_chosen_subprotocol_is_returned_and_seen_by_the_session(server: Server) -> None:
    with open_session(server, "/choose?subprotocol=chat.v2", subprotocols=["chat.v1", "chat.v2"]) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.response.headers["Sec-WebSocket-Protocol"] == "chat.v2"
        info = json.loads(ws.recv(timeout=10))
    assert info["subprotocol"] == "chat.v2"
    assert info["offered_subprotocols"] == ["chat.v1", "chat.v2"]
    assert info["transport"] == "h1-upgrade"


def test_no_subprotocol_chosen_sends_none(server: Server) -> None:
    with open_session(server, "/info", subprotocols=["chat.v1"]) as ws:
        assert ws.subprotocol is None
        assert "Sec-WebSocket-Protocol" not in ws.response.headers
        info = json.loads(ws.recv(timeout=10))
    assert info["subprotocol"] is None and info["offered_subprotocols"] == ["chat.v1"]


@pytest.mark.parametrize("offered", [["chat.v1"], []], ids=["another-offered", "none-offered"])
def test_a_subprotocol_not_offered_makes_accept_raise_and_the_client_gets_500(server: Server, offered: List[str]) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_session(server, "/choose?subprotocol=chat.v9", subprotocols=offered or None)
    assert refused.value.response.status_code == 500
    still_serves(server)


def test_a_refusal_is_the_app_s_ordinary_response_with_its_body(server: Server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_session(server, "/refuse")
    response = refused.value.response
    assert response.status_code == 403
    assert response.body == b"refused by the application\n"
    assert response.headers["x-refused"] == "yes"
    assert "Sec-WebSocket-Accept" not in response.headers
    still_serves(server)


def test_an_offer_from_another_origin_reaches_the_app(server: Server) -> None:
    """MUST-ORIGIN-1: without an operator's origin check, the application decides."""
    with open_session(server, "/", origin="https://elsewhere.example") as ws:  # type: ignore[arg-type]
        ws.send("from elsewhere")
        assert ws.recv(timeout=10) == "from elsewhere"


def negotiated(extensions: List[str]) -> bool:
    return any(entry.split(";")[0].strip() == "permessage-deflate" for entry in extensions)


def test_compression_is_negotiated_when_the_app_allows_it(server: Server) -> None:
    with open_session(server, "/info") as ws:
        assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
        info = json.loads(ws.recv(timeout=10))
        compressible = "the same words again and again " * 20000
        ws.send(compressible)
        assert ws.recv(timeout=10) == compressible
    assert negotiated(info["extensions"]), info
    assert any(entry.startswith("permessage-deflate") for entry in info["offered_extensions"]), info


@pytest.mark.parametrize("path, client_compression", [("/info?compression=0", "deflate"), ("/info", None)],
                         ids=["app-says-no", "client-does-not-offer"])
def test_no_compression_when_the_app_or_the_client_says_no(server: Server, path: str,
                                                           client_compression: Optional[str]) -> None:
    with open_session(server, path, compression=client_compression) as ws:
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        info = json.loads(ws.recv(timeout=10))
        ws.send("plain")
        assert ws.recv(timeout=10) == "plain"
    assert info["extensions"] == []


# ---- close codes -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/sync"], ids=["async-session", "sync-session"])
def test_the_client_s_close_code_reaches_the_session(server: Server, path: str) -> None:
    tag = new_tag()
    with open_session(server, f"{path}?tag={tag}") as ws:
        ws.send("before closing")
        assert ws.recv(timeout=10) == "before closing"
        ws.close(4000, "client done")
    wait_outcome(server, tag, lambda seen: seen == "closed 4000 client done")


def test_the_session_s_close_code_reaches_the_client(server: Server) -> None:
    tag = new_tag()
    with open_session(server, f"/close?code=4001&reason=bye&tag={tag}") as ws:
        close = closed_by_server(ws).rcvd
    assert close is not None and (close.code, close.reason) == (4001, "bye")
    wait_outcome(server, tag, lambda seen: seen.startswith("closed 4001"))


def test_a_session_that_raises_closes_with_1011_and_its_traceback_is_logged(server: Server) -> None:
    with open_session(server, "/raise") as ws:
        assert closed_by_server(ws).rcvd.code == 1011  # type: ignore[union-attr]
    wait_for("the session's traceback in the log",
             lambda: "this session fails on purpose" in server.log_path.read_text(errors="replace"), 10)
    still_serves(server)


def test_a_session_that_returns_closes_with_1000(server: Server) -> None:
    with open_session(server, "/return") as ws:
        assert closed_by_server(ws).rcvd.code == 1000  # type: ignore[union-attr]


# ---- pings ---------------------------------------------------------------------------------------


def test_the_server_answers_the_client_s_ping(server: Server) -> None:
    with open_session(server, "/") as ws:
        assert ws.ping(b"are you there").wait(10), "no pong within 10 s"
        ws.send("after the ping")
        assert ws.recv(timeout=10) == "after the ping"


def test_the_session_s_ping_returns_the_round_trip_as_a_float(server: Server) -> None:
    with open_session(server, "/ping") as ws:
        answer = json.loads(ws.recv(timeout=15))
        ws.send("after the app's ping")
        assert ws.recv(timeout=10) == "after the app's ping"
    assert answer["type"] == "float", answer
    assert 0 <= answer["rtt"] < 10, answer


# ---- backpressure (MUST-WS-10) -------------------------------------------------------------------


def sent_so_far(server: Server, tag: str) -> int:
    seen = outcome(server, tag)
    assert seen.startswith("sent "), f"the flood recorded {seen!r}"
    return int(seen.split()[1])


def test_a_client_that_does_not_read_blocks_the_session_s_send_with_bounded_memory(server: Server) -> None:
    tag, flood = new_tag(), 128 * MIB
    worker = server.wait_for_workers(1)[0]
    with PeakMemory(server.pid) as java, PeakMemory(worker) as python:
        # max_queue=1: the client stops reading its socket as soon as one frame waits in it.
        with open_session(server, f"/flood?mib={flood // MIB}&tag={tag}", max_queue=1, max_size=None,
                          compression=None) as ws:
            wait_outcome(server, tag, lambda seen: seen.startswith("sent "))
            blocked_at = steady("the session's sending", lambda: sent_so_far(server, tag))
            assert blocked_at <= MAX_IN_FLIGHT, f"{blocked_at} bytes left the session for a client that reads nothing"
            received = 0
            while True:
                message = ws.recv(timeout=30)
                if message == "done":
                    break
                assert message == bytes(range(256)) * 256
                received += len(message)
    assert received == flood
    assert outcome(server, tag) == f"done {flood}"
    assert java.growth_mib < MAX_GROWTH_MIB, f"java grew by {java.growth_mib:.1f} MiB"
    assert python.growth_mib < MAX_GROWTH_MIB, f"the worker grew by {python.growth_mib:.1f} MiB"


def test_a_client_that_sends_fast_meets_backpressure_while_the_session_does_not_receive(server: Server) -> None:
    tag, total = new_tag(), 128 * MIB
    piece = os.urandom(PIECE)
    sent = [0]
    worker = server.wait_for_workers(1)[0]
    with PeakMemory(server.pid) as java, PeakMemory(worker) as python:
        with open_session(server, f"/hold?tag={tag}", compression=None) as ws:
            wait_outcome(server, tag, lambda seen: seen == "holding")

            def send_all() -> None:
                while sent[0] < total:
                    ws.send(piece)  # blocks once the server stops reading
                    sent[0] += len(piece)
                ws.send("end")

            with ThreadPoolExecutor(1) as pool:
                sending = pool.submit(send_all)
                blocked_at = steady("the client's sending", lambda: sent[0])
                assert not sending.done()
                assert blocked_at <= MAX_IN_FLIGHT, f"the server took {blocked_at} bytes the session did not receive"
                httpx.get(f"{server.url}/release", params={"tag": tag}, timeout=10).raise_for_status()
                sending.result(timeout=60)
            assert ws.recv(timeout=30) == str(total)
    assert outcome(server, tag) == f"received {total}"
    assert java.growth_mib < MAX_GROWTH_MIB, f"java grew by {java.growth_mib:.1f} MiB"
    assert python.growth_mib < MAX_GROWTH_MIB, f"the worker grew by {python.growth_mib:.1f} MiB"


# ---- handshakes the server answers itself (9.1) ----------------------------------------------------

KEY = base64.b64encode(b"sixteen byte key").decode()


def handshake(path: str = "/", *, method: str = "GET", key: Optional[str] = KEY, version: str = "13",
              upgrade: Optional[str] = "websocket", body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: Upgrade"]
    if upgrade is not None:
        lines.append(f"Upgrade: {upgrade}")
    if key is not None:
        lines.append(f"Sec-WebSocket-Key: {key}")
    lines.append(f"Sec-WebSocket-Version: {version}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def answer(server: Server, request: bytes) -> RawResponse:
    with RawConnection(server.port) as conn:
        conn.send(request)
        return conn.read_response()


def test_another_version_gets_426_naming_version_13(server: Server) -> None:
    response = answer(server, handshake(version="8"))
    assert response.status == 426, response
    assert response.header("sec-websocket-version") == "13"
    still_serves(server)


@pytest.mark.parametrize("request_bytes", [
    pytest.param(handshake(key=None), id="no-key"),
    pytest.param(handshake(key=base64.b64encode(b"too short").decode()), id="key-not-16-bytes"),
    pytest.param(handshake(key="not base64 at all!!"), id="key-not-base64"),
    pytest.param(handshake(method="POST"), id="not-get"),
    pytest.param(handshake(body=b"a body"), id="with-a-body"),
])
def test_a_malformed_handshake_gets_400_from_the_server(server: Server, request_bytes: bytes) -> None:
    response = answer(server, request_bytes)
    assert response.status == 400, response
    assert response.header("sec-websocket-accept") is None
    still_serves(server)


def test_a_request_without_upgrade_websocket_is_an_ordinary_request(server: Server) -> None:
    response = answer(server, handshake(upgrade=None))
    assert response.status == 200 and response.body == b"ws_echo_app serves\n", response


def test_an_unmasked_client_frame_fails_the_connection_with_1002(server: Server) -> None:
    """RFC 6455 5.1: a server MUST close the connection on a frame that is not masked."""
    with RawConnection(server.port) as conn:
        conn.send(handshake())
        head = conn.read_head(final=False)  # 101 is the final answer here
        assert head.status == 101, head
        conn.send(b"\x81\x05hello")  # FIN + text, no mask bit
        received = conn.buffer
        try:
            while True:
                data = conn.sock.recv(65536)
                if not data:
                    break
                received += data
        except ConnectionResetError:
            pass
    assert received[:1] == b"\x88", f"no close frame first: {received[:20]!r}"
    assert struct.unpack("!H", received[2:4])[0] == 1002
    still_serves(server)


# ---- TLS, and many sessions --------------------------------------------------------------------------


def test_wss_over_tls_echoes_with_compression(tls_server: Server, pki: TestPki) -> None:
    context = ssl.create_default_context(cafile=str(pki.ca.cert_path))
    with connect(f"wss://localhost:{tls_server.port}/info", ssl=context, open_timeout=10, max_size=None) as ws:
        info = json.loads(ws.recv(timeout=10))
        message = os.urandom(MIB)
        ws.send(message)
        assert ws.recv(timeout=30) == message
    assert negotiated(info["extensions"]) and info["transport"] == "h1-upgrade"


@pytest.mark.parametrize("sync", [False, True], ids=["async-sessions", "sync-sessions"])
def test_ten_sessions_run_at_once(server: Server, sync: bool) -> None:
    """The route's sessions wait for each other before they answer: all ten must be open and
    running together, not one after another."""
    tag, count = new_tag(), 10
    path = f"/together?count={count}&tag={tag}" + ("&sync=1" if sync else "")

    def one(index: int) -> List[str]:
        with open_session(server, path) as ws:
            seen = [ws.recv(timeout=30)]
            for n in range(5):
                ws.send(f"session {index} message {n}")
                seen.append(ws.recv(timeout=10))
            return seen

    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(one, range(count), timeout=60))
    for index, seen in enumerate(results):
        assert seen == ["together"] + [f"session {index} message {n}" for n in range(5)]
    still_serves(server)


def test_the_server_took_every_bad_input_without_an_unhandled_exception(server: Server) -> None:
    found = [line for line in server.log_path.read_text(errors="replace").splitlines()
             if "reached at the tail of the pipeline" in line]
    assert not found, f"{len(found)} unhandled exception(s), the first: {found[0]}"
    still_serves(server)


# ---- shutdown (9.5) ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/sync"], ids=["async-session", "sync-session"])
def test_shutdown_closes_open_sessions_with_1001_after_the_graceful_timeout(start_server, path: str) -> None:
    server = start_server(app="ws_echo_app:app", options=["--graceful-timeout", "1"])
    with open_session(server, path) as ws:
        ws.send("before the shutdown")
        assert ws.recv(timeout=10) == "before the shutdown"
        server.signal(signal.SIGTERM)
        assert closed_by_server(ws).rcvd.code == 1001  # type: ignore[union-attr]
    assert server.wait(30) == 0, server.log()
