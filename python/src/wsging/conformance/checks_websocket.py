"""Checks of WebSocket over HTTP/1.1 (spec 9): echo of text and binary messages by async and
sync sessions, close codes both ways, the subprotocol, and a refusal with an HTTP response.
A host without WebSocket degrades when the offer reaches the application as an ordinary
request with `capabilities.websocket` False (spec 10.3)."""

from __future__ import annotations

import json
from typing import Sequence, Union

from .check import Check
from .endpoints_session import CLOSE_CODE, CLOSE_REASON, SUBPROTOCOL
from .http1 import Http1Response
from .results import CheckFailed, Outcome, degraded, expect, passed
from .target import Target
from .websocket_client import WebSocketClient, handshake

__all__ = ["CHECKS"]

NO_WEBSOCKET = "websocket False: the offer reached the application as an ordinary request"


class _NoWebSocket(Exception):
    """The host did not carry the offer as one, and said so consistently."""


def _fallback(response: Http1Response) -> None:
    """Raises _NoWebSocket when the application saw an ordinary request with the capability
    False (its 426 fallback); anything else is a failure."""
    expect(response.status == 426, f"the offer was answered {response.status}, not 101")
    try:
        facts = json.loads(response.body)
    except ValueError:
        facts = {}
    expect(facts.get("offer") is False, "the offer was answered with 426 by someone else than the application")
    expect(facts.get("capability") is False,
           "capabilities.websocket is True but the handshake was not an offer (MUST-CAP-1)")
    raise _NoWebSocket()


def _open(target: Target, query: str = "", subprotocols: Sequence[str] = ()) -> WebSocketClient:
    connection = target.connect()
    try:
        result: Union[WebSocketClient, Http1Response] = handshake(
            connection, target.path("/ws" + query), subprotocols)
    except BaseException:
        connection.close()
        raise
    if isinstance(result, Http1Response):
        connection.close()
        _fallback(result)
    assert isinstance(result, WebSocketClient)
    return result


def _echo(target: Target, query: str) -> Outcome:
    try:
        client = _open(target, query)
    except _NoWebSocket:
        return degraded(NO_WEBSOCKET)
    try:
        for message in ("h\u00e9llo", bytes(range(256)), "x" * 70_000):
            client.send(message)
            echo = client.receive()
            expect(echo == message and type(echo) is type(message),
                   f"a {type(message).__name__} message came back as {type(echo).__name__} or changed")
        client.send_close(1000)
        expect(client.receive() is None, "the close frame the client sent was not answered (MUST-WS-4)")
        if client.close_code == 1005 and target.wsgi_container():
            return degraded("the container answered the client's close frame itself, without "
                            "echoing its code (RFC 6455 5.5.1 allows it); the session saw 1005")
        expect(client.close_code == 1000, "the close frame the client sent was not answered with 1000 (MUST-WS-4)")
    finally:
        client.close()
    return passed()


def echo_async(target: Target) -> Outcome:
    return _echo(target, "")


def echo_sync(target: Target) -> Outcome:
    return _echo(target, "?session=sync")


def close_code(target: Target) -> Outcome:
    try:
        client = _open(target)
    except _NoWebSocket:
        return degraded(NO_WEBSOCKET)
    try:
        client.send("close")
        expect(client.receive() is None, "the session's close did not arrive as a close frame")
        expect(client.close_code == CLOSE_CODE,
               f"the close frame said {client.close_code}, not {CLOSE_CODE}")
        client.send_close(CLOSE_CODE)
    finally:
        client.close()
    if client.close_reason == CLOSE_REASON:
        return passed()
    expect(client.close_reason == "" and target.asgi_server(),
           f"the close frame's reason was {client.close_reason!r}, not {CLOSE_REASON!r}")
    return degraded("the close frame carried the code without its reason: the ASGI server drops "
                    "websocket.close's reason (spec 10.2)")


def subprotocol(target: Target) -> Outcome:
    try:
        client = _open(target, subprotocols=["conf.v1", SUBPROTOCOL])
    except _NoWebSocket:
        return degraded(NO_WEBSOCKET)
    try:
        expect(client.subprotocol == SUBPROTOCOL,
               f"Sec-WebSocket-Protocol is {client.subprotocol!r}, not the one accepted")
        client.send("ok")
        expect(client.receive() == "ok", "no echo on the session with a subprotocol")
        client.send_close(1000)
    finally:
        client.close()
    return passed()


def refusal(target: Target) -> Outcome:
    connection = target.connect()
    try:
        result = handshake(connection, target.path("/ws?refuse=1"))
    finally:
        connection.close()
    if isinstance(result, WebSocketClient):
        raise CheckFailed("a refused offer was answered 101")
    if result.status == 426:
        try:
            _fallback(result)
        except _NoWebSocket:
            return degraded(NO_WEBSOCKET)
    expect(result.status == 403, f"a refusal with 403 reached the client as {result.status}")
    if result.body == b"refused by the application":
        return passed()
    return degraded("the refusal's status arrived without its body (the host has no way to send it)")


CHECKS = [
    Check("websocket.echo", "WebSocket: async session, text and binary", "9.4", echo_async),
    Check("websocket.sync_session", "WebSocket: sync session", "9.3", echo_sync),
    Check("websocket.close", "WebSocket: close code and reason", "9.4", close_code),
    Check("websocket.subprotocol", "WebSocket: subprotocol", "9.3", subprotocol),
    Check("websocket.refusal", "WebSocket: refusal with an HTTP response", "9.1", refusal),
]
