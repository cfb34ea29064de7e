"""The WebSocket API without a server (spec 9.1, 9.3, 9.4): the offer and its accept
(MUST-WS-2), the accepted response, the close rules (MUST-WS-5) and the argument checks of the
socket-like objects, which reach the host's channel only when they pass."""

import asyncio

import pytest

import wsging
from wsging import (
    AsyncWebSocket,
    InvalidHeader,
    InvalidStatus,
    MutableHeaders,
    Request,
    Response,
    WebSocket,
    WebSocketClosed,
    WebSocketOffer,
    WebSocketResponse,
    WSGINGError,
)
from wsging.api.websocket import check_close, header_elements


def session(ws):
    pass


class RecordingChannel:
    """A host's channel that records what reached it."""

    subprotocol = "chat.v1"
    extensions = ["permessage-deflate"]
    close_code = None
    close_reason = None

    def __init__(self, incoming=()):
        self.calls = []
        self.incoming = list(incoming)

    def receive(self, timeout):
        self.calls.append(("receive", timeout))
        if not self.incoming:
            raise WebSocketClosed(1000, "done")
        return self.incoming.pop(0)

    def send(self, data, text, compress):
        self.calls.append(("send", data, text, compress))

    def ping(self, payload, timeout):
        self.calls.append(("ping", payload, timeout))
        return 0.5

    def close(self, code, reason):
        self.calls.append(("close", code, reason))

    async def areceive(self, timeout):
        return self.receive(timeout)

    async def asend(self, data, text, compress):
        self.send(data, text, compress)

    async def aping(self, payload, timeout):
        return self.ping(payload, timeout)

    async def aclose(self, code, reason):
        self.close(code, reason)


# -- the offer -------------------------------------------------------------------------------


def test_an_offer_tells_what_the_client_offered():
    offer = WebSocketOffer(["chat.v2", "chat.v1"], ["permessage-deflate; client_max_window_bits"])
    assert offer.subprotocols == ["chat.v2", "chat.v1"]
    assert offer.extensions == ["permessage-deflate; client_max_window_bits"]
    assert offer.transport == "h1-upgrade"
    offer.subprotocols.append("changed")  # a copy: the offer stays as the client made it
    assert offer.subprotocols == ["chat.v2", "chat.v1"]
    assert WebSocketOffer(transport="h2-connect").transport == "h2-connect"


@pytest.mark.parametrize(
    "args, error",
    [
        ({"transport": "h1"}, ValueError),
        ({"subprotocols": "chat"}, TypeError),  # one string, not a list of them
        ({"subprotocols": [b"chat"]}, TypeError),
        ({"extensions": [None]}, TypeError),
    ],
)
def test_an_offer_refuses_what_no_handshake_has(args, error):
    with pytest.raises(error):
        WebSocketOffer(**args)


def test_accept_makes_the_101_response_with_what_it_was_given():
    offer = WebSocketOffer(["chat.v1"])
    response = offer.accept(
        session,
        subprotocol="chat.v1",
        headers={"set-cookie": "sid=1"},
        compression=False,
        max_message_size=4096,
    )
    assert isinstance(response, WebSocketResponse) and isinstance(response, Response)
    assert response.status == 101
    assert isinstance(response.headers, MutableHeaders)
    assert response.headers.raw == [(b"set-cookie", b"sid=1")]
    assert response.body == b"" and response.trailers is None
    assert response.websocket is offer and response.session is session
    assert response.subprotocol == "chat.v1"
    assert response.compression is False and response.max_message_size == 4096
    assert Response.of(response) is response  # middleware using Response.of passes it on


def test_accept_defaults():
    response = WebSocketOffer().accept(session)
    assert response.subprotocol is None and response.compression is True
    assert response.max_message_size == 1_048_576
    assert response.headers.raw == []
    response.headers.add("x-layer", "1")  # a middleware may add to the handshake's fields
    assert response.headers.get("x-layer") == "1"


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"subprotocol": "chat.v3"}, ValueError),  # not offered
        ({"subprotocol": "CHAT.V1"}, ValueError),  # subprotocols are case-sensitive
        ({"max_message_size": 0}, ValueError),
        ({"max_message_size": -1}, ValueError),
        ({"max_message_size": 2**32}, ValueError),  # the link carries a u32
        ({"max_message_size": "1024"}, TypeError),
        ({"max_message_size": True}, TypeError),
        ({"headers": {"bad name": "x"}}, InvalidHeader),
        ({"headers": [("x-ok", "a\r\nb")]}, InvalidHeader),
    ],
)
def test_accept_checks_the_choice_when_it_is_made(kwargs, error):
    # MUST-WS-2
    with pytest.raises(error):
        WebSocketOffer(["chat.v1"]).accept(session, **kwargs)


def test_accept_refuses_a_session_that_is_not_callable():
    # MUST-WS-2
    with pytest.raises(TypeError):
        WebSocketOffer().accept("session")


def test_only_accept_makes_a_websocket_response():
    with pytest.raises(TypeError):
        WebSocketResponse(b"", 101)
    with pytest.raises(InvalidStatus):
        Response(b"", 101)  # Response's own check stays


# -- the request -----------------------------------------------------------------------------


def test_a_request_is_an_offer_only_with_one():
    assert Request().websocket is None
    offer = WebSocketOffer()
    request = Request(websocket=offer)
    assert request.websocket is offer
    assert request.replace(method="GET").websocket is offer
    assert request.replace(websocket=None).websocket is None
    assert Request().replace(websocket=offer).websocket is offer
    with pytest.raises(TypeError):
        Request(websocket="yes")


# -- close codes (MUST-WS-5) -----------------------------------------------------------------

ALLOWED = [1000, 1001, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999]
REFUSED = [0, 999, 1002, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]


@pytest.mark.parametrize("code", ALLOWED)
def test_an_application_may_close_with(code):
    assert check_close(code, "") == (code, "")


@pytest.mark.parametrize("code", REFUSED)
def test_an_application_may_not_close_with(code):
    with pytest.raises(ValueError):
        check_close(code, "")


@pytest.mark.parametrize("code", [True, 1000.0, "1000", None])
def test_a_close_code_is_an_int(code):
    with pytest.raises(TypeError):
        check_close(code, "")


def test_a_close_reason_is_at_most_123_utf8_bytes():
    assert check_close(1000, "x" * 123) == (1000, "x" * 123)
    with pytest.raises(ValueError):
        check_close(1000, "x" * 124)
    with pytest.raises(ValueError):
        check_close(1000, "é" * 62)  # 62 characters, 124 bytes
    with pytest.raises(TypeError):
        check_close(1000, b"bytes")


@pytest.mark.parametrize("code, reason", [(1005, ""), (1000, "x" * 124)])
def test_close_refuses_before_the_host_hears_of_it(code, reason):
    channel = RecordingChannel()
    with pytest.raises(ValueError):
        WebSocket(channel).close(code, reason)
    with pytest.raises(ValueError):
        asyncio.run(AsyncWebSocket(channel).close(code, reason))
    assert channel.calls == []


# -- the socket-like objects -----------------------------------------------------------------


def test_messages_reach_the_channel_as_bytes_with_their_kind():
    channel = RecordingChannel()
    ws = WebSocket(channel)
    ws.send("hé")
    ws.send(b"\x00\x01")
    ws.send(bytearray(b"ab"), compress=False)
    ws.send(memoryview(b"cd"), compress=True)
    assert channel.calls == [
        ("send", "hé".encode(), True, None),
        ("send", b"\x00\x01", False, None),
        ("send", b"ab", False, False),
        ("send", b"cd", False, True),
    ]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda ws: ws.send(42), TypeError),
        (lambda ws: ws.send({"a": 1}), TypeError),
        (lambda ws: ws.send("x", compress="no"), TypeError),
        (lambda ws: ws.ping(b"p" * 126), ValueError),
        (lambda ws: ws.ping("text"), TypeError),
        (lambda ws: ws.receive(timeout=-1), ValueError),
        (lambda ws: ws.receive(timeout="1"), TypeError),
        (lambda ws: ws.ping(timeout=-0.5), ValueError),
    ],
)
def test_bad_arguments_never_reach_the_channel(call, error):
    channel = RecordingChannel()
    with pytest.raises(error):
        call(WebSocket(channel))
    assert channel.calls == []


def test_ping_and_receive_pass_their_checked_arguments():
    channel = RecordingChannel(["m"])
    ws = WebSocket(channel)
    assert ws.ping(b"p" * 125, timeout=2) == 0.5
    assert ws.receive(timeout=1) == "m"
    assert channel.calls == [("ping", b"p" * 125, 2.0), ("receive", 1.0)]


def test_iteration_ends_with_the_close():
    assert list(WebSocket(RecordingChannel(["a", b"b"]))) == ["a", b"b"]

    async def collect():
        return [message async for message in AsyncWebSocket(RecordingChannel(["a", b"b"]))]

    assert asyncio.run(collect()) == ["a", b"b"]


def test_the_negotiated_facts_come_from_the_host():
    ws = WebSocket(RecordingChannel())
    assert ws.subprotocol == "chat.v1" and ws.extensions == ["permessage-deflate"]
    assert ws.close_code is None and ws.close_reason is None


def test_websocket_closed_carries_the_close():
    error = WebSocketClosed(1001, "going away")
    assert isinstance(error, WSGINGError)
    assert (error.code, error.reason) == (1001, "going away")
    assert wsging.errors.WebSocketClosed is WebSocketClosed
    assert WebSocketClosed().code == 1006


@pytest.mark.parametrize(
    "lines, elements",
    [
        (["chat.v1, chat.v2"], ["chat.v1", "chat.v2"]),
        (["chat.v1", "chat.v2,chat.v3"], ["chat.v1", "chat.v2", "chat.v3"]),
        ([" , a ,, "], ["a"]),
        (
            ['permessage-deflate; client_max_window_bits, x-ext; p="a,b"'],
            ["permessage-deflate; client_max_window_bits", 'x-ext; p="a,b"'],
        ),
        ([""], []),
    ],
)
def test_header_elements_split_repeated_comma_lists(lines, elements):
    assert header_elements(lines) == elements
