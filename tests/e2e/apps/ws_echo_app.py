"""WebSocket sessions (spec 9) for tests/e2e/test_websocket_autobahn.py and
tests/e2e/test_websocket_clients.py.

Offers, by path (a `tag` query parameter names what a session records for /outcome):

  /               async echo, each message with its type; compression, 16 MiB messages (the
                  largest Autobahn|Testsuite sends, in its 9.x cases)
  /sync           the same echo as a sync session (`def session(ws)`, a thread of its own)
  /default        echo accepted with every default (1 MiB messages)
  /plain          echo with compression=False
  /info           first sends what was negotiated and offered as JSON, then echoes
                  (`compression=0`: accepted with compression=False)
  /choose         like /info, accepting the subprotocol named by `subprotocol`; one the client
                  did not offer makes `accept` raise ValueError, so the client gets 500
  /refuse         refused with an ordinary 403 response
  /close          the session closes with `code` and `reason`
  /raise          the session raises
  /return         the session returns at once
  /ping           the session pings the client and sends the round trip's type and value
  /flood          the session sends `mib` MiB in 64 KiB messages, then "done"
  /hold           the session takes no message until /release; then it counts the bytes it
                  receives until the text "end" and sends the count
  /together       `count` sessions of one tag wait for each other, send "together", then echo
                  (`sync=1`: sync sessions, each in its own thread)

Ordinary requests: /outcome?tag= answers what the sessions of that tag recorded, /release?tag=
releases a /hold session; any other path answers 200, so a plain request shows the server
still serves. Run it with one worker: the records are this process's memory.
"""
from __future__ import annotations

import asyncio
import json
import threading
from typing import Dict, Optional
from urllib.parse import parse_qs

from wsging import Response, WebSocketClosed

MIB = 1024 * 1024
AUTOBAHN_MAX_MESSAGE = 16 * MIB  # cases 9.1.6 and 9.2.6 echo one 16 MiB message
PIECE = bytes(range(256)) * 256  # 64 KiB
WAIT = 30  # seconds a session waits for a release or its peers before giving up

_outcomes: Dict[str, str] = {}
_released: Dict[str, asyncio.Event] = {}
_gathered: Dict[str, asyncio.Event] = {}
_arrived: Dict[str, int] = {}
_barriers: Dict[str, threading.Barrier] = {}
_barriers_lock = threading.Lock()


def _record(tag: Optional[str], what: str) -> None:
    if tag:
        _outcomes[tag] = what


def _closed(tag: Optional[str], ws) -> None:
    _record(tag, f"closed {ws.close_code} {ws.close_reason}")


def _event(events: Dict[str, asyncio.Event], tag: str) -> asyncio.Event:
    event = events.get(tag)
    if event is None:
        event = events[tag] = asyncio.Event()
    return event


def _echo(tag: Optional[str]):
    async def session(ws) -> None:
        async for message in ws:
            await ws.send(message)
        _closed(tag, ws)

    return session


def _sync_echo(tag: Optional[str]):
    def session(ws) -> None:
        for message in ws:
            ws.send(message)
        _closed(tag, ws)

    return session


def _info(request, tag: Optional[str]):
    offer = request.websocket

    async def session(ws) -> None:
        await ws.send(json.dumps({
            "subprotocol": ws.subprotocol,
            "extensions": ws.extensions,
            "offered_subprotocols": offer.subprotocols,
            "offered_extensions": offer.extensions,
            "transport": offer.transport,
        }))
        await _echo(tag)(ws)

    return session


def _close(code: int, reason: str, tag: Optional[str]):
    async def session(ws) -> None:
        await ws.close(code, reason)
        _closed(tag, ws)

    return session


async def _raise(ws) -> None:
    raise RuntimeError("this session fails on purpose")


async def _return(ws) -> None:
    return None


async def _ping(ws) -> None:
    rtt = await ws.ping(b"from the app", timeout=10)
    await ws.send(json.dumps({"type": type(rtt).__name__, "rtt": rtt}))
    async for message in ws:
        await ws.send(message)


def _flood(mib: int, tag: Optional[str]):
    async def session(ws) -> None:
        sent = 0
        try:
            for _ in range(mib * MIB // len(PIECE)):
                await ws.send(PIECE)
                sent += len(PIECE)
                _record(tag, f"sent {sent}")
            await ws.send("done")
            _record(tag, f"done {sent}")
            async for _ in ws:
                pass
        except WebSocketClosed as closed:
            _record(tag, f"send failed after {sent} with {closed.code}")

    return session


def _hold(tag: str):
    async def session(ws) -> None:
        _record(tag, "holding")
        await asyncio.wait_for(_event(_released, tag).wait(), WAIT)
        received = 0
        while True:
            message = await ws.receive(timeout=WAIT)
            if message == "end":
                break
            received += len(message)
        _record(tag, f"received {received}")
        await ws.send(str(received))
        async for _ in ws:
            pass

    return session


def _together(count: int, tag: str):
    async def session(ws) -> None:
        _arrived[tag] = _arrived.get(tag, 0) + 1
        if _arrived[tag] >= count:
            _event(_gathered, tag).set()
        await asyncio.wait_for(_event(_gathered, tag).wait(), WAIT)
        await ws.send("together")
        await _echo(None)(ws)

    return session


def _sync_together(count: int, tag: str):
    with _barriers_lock:
        barrier = _barriers.setdefault(tag, threading.Barrier(count, timeout=WAIT))

    def session(ws) -> None:
        barrier.wait()  # every session of the tag runs at once, each in its own thread
        ws.send("together")
        _sync_echo(None)(ws)

    return session


def _session_for(request, path: str, query: Dict[str, str]) -> Optional[Response]:
    tag = query.get("tag")
    offer = request.websocket
    if path == "/":
        return offer.accept(_echo(tag), compression=True, max_message_size=AUTOBAHN_MAX_MESSAGE)
    if path == "/sync":
        return offer.accept(_sync_echo(tag), compression=True, max_message_size=AUTOBAHN_MAX_MESSAGE)
    if path == "/default":
        return offer.accept(_echo(tag))
    if path == "/plain":
        return offer.accept(_echo(tag), compression=False, max_message_size=AUTOBAHN_MAX_MESSAGE)
    if path == "/info":
        return offer.accept(_info(request, tag), compression=query.get("compression") != "0")
    if path == "/choose":
        return offer.accept(_info(request, tag), subprotocol=query["subprotocol"])
    if path == "/refuse":
        return Response("refused by the application\n", status=403, headers={"x-refused": "yes"})
    if path == "/close":
        return offer.accept(_close(int(query["code"]), query.get("reason", ""), tag))
    if path == "/raise":
        return offer.accept(_raise)
    if path == "/return":
        return offer.accept(_return)
    if path == "/ping":
        return offer.accept(_ping)
    if path == "/flood":
        return offer.accept(_flood(int(query["mib"]), tag), compression=False)
    if path == "/hold":
        return offer.accept(_hold(query["tag"]), compression=False)
    if path == "/together":
        count, together_tag = int(query["count"]), query["tag"]
        if query.get("sync") == "1":
            return offer.accept(_sync_together(count, together_tag))
        return offer.accept(_together(count, together_tag))
    return None


async def app(request) -> Response:
    query = {name: values[-1] for name, values in parse_qs(request.query_string.decode("ascii")).items()}
    if request.websocket is not None:
        answer = _session_for(request, request.path, query)
        return answer if answer is not None else Response("no such WebSocket route\n", status=404)
    if request.path == "/outcome":
        return Response(_outcomes.get(query.get("tag", ""), ""))
    if request.path == "/release":
        _event(_released, query["tag"]).set()
        return Response("released\n")
    return Response("ws_echo_app serves\n")
