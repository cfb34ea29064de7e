"""A chat room for browsers: WebSocket where the connection can carry it, server-sent events
and POST where it cannot (spec 10.3 and 16.7).

Run it with:  ./wsging serve chat:app --app-dir examples/chat
and open http://127.0.0.1:8000/ in two windows; http://127.0.0.1:8000/?transport=sse forces
the fallback. With a certificate (`--certfile cert.pem --keyfile key.pem`, as in the README)
browsers load the page over HTTP/2: https://localhost:8000/.

    GET  /, /chat.js, /chat.css   the page (static/)
    GET  /transport               {"transport": "websocket" | "sse", "reason": ...}: what the page
                                  opens, from this connection's request.capabilities.websocket
                                  (?transport=sse forces "sse")
    GET  /ws                      the WebSocket (subprotocol chat.v1, same-origin pages only):
                                  the page sends {"name": ..., "text": ...} as JSON text and gets
                                  every message of the room as JSON
    GET  /events                  the fallback's stream of the same JSON (text/event-stream)
    POST /messages                the fallback's way to send one {"name": ..., "text": ...}

A member gets the recent history (the last 100 messages) when it joins, then every message
and the number of members whenever it changes. The room lives in the worker's memory: serve it
with one worker (the default).
"""

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs

import wsging
from room import Room, parse_message

STATIC = Path(__file__).resolve().parent / "static"
# The only files served: no part of a request path reaches the file system (spec 14.6).
# The page is never taken from a cache, so what it shows of its own load (the HTTP version)
# is about this load; the script and style sheet are revalidated on each use.
FILES = {
    "/": ("index.html", "text/html; charset=utf-8", "no-store"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8", "no-cache"),
    "/chat.css": ("chat.css", "text/css; charset=utf-8", "no-cache"),
}
ALLOWED = {"/transport": "GET", "/ws": "GET", "/events": "GET", "/messages": "POST"}
SUBPROTOCOL = "chat.v1"
MAX_POST = 8192
# An idle event stream gets a comment this often (seconds), so proxies do not time it out.
KEEPALIVE = 15

room = Room()


async def app(request):
    path, method = request.path, request.method
    if path in FILES and method in ("GET", "HEAD"):
        name, content_type, caching = FILES[path]
        return wsging.file_response(request, STATIC / name, {"cache-control": caching},
                                    content_type=content_type)
    if ALLOWED.get(path) == method:
        if path == "/transport":
            return choose_transport(request)
        if path == "/ws":
            return accept_websocket(request)
        if path == "/events":
            return event_stream(request)
        return await post_message(request)
    if path in FILES or path in ALLOWED:
        allow = "GET, HEAD" if path in FILES else ALLOWED[path]
        return wsging.Response("Method Not Allowed\n", status=405, headers={"allow": allow})
    return wsging.Response("Not Found\n", status=404)


def json_response(value):
    return wsging.Response(json.dumps(value), content_type="application/json",
                           headers={"cache-control": "no-store"})


def same_origin(request):
    """Whether the page that sent this request came from this very server: its `origin` is
    this request's scheme and host. A request without `origin` comes from no web page (curl,
    a script) and is let through; a cross-site page cannot leave the field out."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin.lower() == f"{request.scheme}://{request.headers.get('host', '')}".lower()


def choose_transport(request):
    forced = parse_qs(request.query_string.decode("latin-1")).get("transport")
    if forced not in (None, ["sse"]):
        return wsging.Response("transport=sse is the only transport a page can force\n", status=400)
    if forced:
        return json_response({"transport": "sse", "reason": "forced by ?transport=sse"})
    if not request.capabilities.websocket:
        # HTTP/1.0, an HTTP/2 connection without extended CONNECT (RFC 8441), a WSGI host...
        return json_response({"transport": "sse", "reason": f"this HTTP/{request.http_version} "
                              "connection carries no WebSocket"})
    return json_response({"transport": "websocket", "reason": f"this HTTP/{request.http_version} "
                          "connection carries WebSocket"})


def welcome(request, transport, via):
    """The first event a member gets: how it is connected, as the server sees it."""
    return json.dumps({"type": "welcome", "transport": transport, "via": via,
                       "http_version": request.http_version})


def accept_websocket(request):
    offer = request.websocket
    if offer is None:
        return wsging.Response("This is the chat's WebSocket: connect with a WebSocket handshake.\n",
                               status=426, headers={"upgrade": "websocket"})
    # Browsers let any site open a WebSocket to any server, with the user's cookies: only
    # pages of this origin may join (cross-site WebSocket hijacking, spec 14.5).
    if not same_origin(request):
        return wsging.Response("forbidden origin\n", status=403)
    if SUBPROTOCOL not in offer.subprotocols:
        return wsging.Response(f"use subprotocol {SUBPROTOCOL}\n", status=400)
    hello = welcome(request, "websocket", offer.transport)

    async def session(ws):
        member = room.join()
        delivering = asyncio.get_running_loop().create_task(deliver(hello, member, ws))
        try:
            async for message in ws:
                if not isinstance(message, str):
                    await ws.close(1003, "text messages only")
                    break
                try:
                    name, text = parse_message(message)
                except ValueError as error:
                    await ws.close(1008, str(error))
                    break
                room.say(name, text)
        finally:
            room.leave(member)
            delivering.cancel()

    return offer.accept(session, subprotocol=SUBPROTOCOL)


async def deliver(hello, member, ws):
    """The welcome, then the room's events, to one WebSocket until it closes. A member the
    room dropped for falling behind is closed; its page may join again."""
    try:
        await ws.send(hello)
        while True:
            event = await member.next_event()
            if event is None:
                await ws.close(1008, "too far behind")
                return
            await ws.send(event[1])
    except wsging.WebSocketClosed:
        pass  # the session's receiving loop ends on the same close


def event_stream(request):
    last_seen = request.headers.get("last-event-id", "0")
    if not (last_seen.isascii() and last_seen.isdigit()):
        return wsging.Response("last-event-id is an event id, a number\n", status=400)
    hello = welcome(request, "sse", "event-stream")

    async def events():
        # Joined here, not before returning: a response the client never gets is closed
        # without being iterated, and the member would never leave.
        member = room.join(after=int(last_seen))
        try:
            yield f"retry: 2000\ndata: {hello}\n\n"
            while True:
                try:
                    event = await member.next_event(timeout=KEEPALIVE)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event is None:
                    return  # dropped: the browser reconnects with Last-Event-ID and catches up
                event_id, data = event
                # Only history events carry an id: the browser sends back the last one it saw.
                yield f"id: {event_id}\ndata: {data}\n\n" if event_id else f"data: {data}\n\n"
        finally:
            # Also when the client leaves: the server cancels the stream where it awaits.
            room.leave(member)

    return wsging.Response(events(), content_type="text/event-stream",
                           headers={"cache-control": "no-store"})


async def post_message(request):
    if not same_origin(request):
        return wsging.Response("forbidden origin\n", status=403)
    if (request.content_length or 0) > MAX_POST:
        return wsging.Response(f"a message has at most {MAX_POST} bytes\n", status=413)
    body = await request.body.aread(MAX_POST + 1)
    if len(body) > MAX_POST:
        return wsging.Response(f"a message has at most {MAX_POST} bytes\n", status=413)
    try:
        name, text = parse_message(body)
    except ValueError as error:
        return wsging.Response(f"{error}\n", status=400)
    return json_response({"id": room.say(name, text)})
