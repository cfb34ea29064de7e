"""A first WSGI-NG application.

Run it with:  ./wsging serve hello:app --app-dir examples

    GET  /          -> Hello, world!
    POST /echo      -> the request body, streamed back as it arrives
    GET  /client    -> the client address the application sees
    GET  /trailers  -> ok, with the response trailer `x-trailer: yes` where the client can get it
    GET  /ws        -> a WebSocket that sends every message back: text as text, binary as
                       binary (426 to a request that is not a WebSocket handshake)

Every GET route answers HEAD too: the server sends the same head without the body.
"""

from wsging import Response


def app(request):
    # The same response serves GET and HEAD: for HEAD the server sends only its head.
    reading = request.method in ("GET", "HEAD")

    if reading and request.path == "/":
        return Response("Hello, world!")

    if request.method == "POST" and request.path == "/echo":
        # A generator body is sent chunk by chunk, and each chunk of the request is read only
        # when the previous one has gone out: memory stays flat whatever the upload size.
        def echo():
            for chunk in request.body:
                yield chunk

        content_type = request.headers.get("content-type", "application/octet-stream")
        return Response(echo(), content_type=content_type)

    if reading and request.path == "/client":
        host, port = request.client or ("unknown", 0)
        return Response(f"{host}:{port}")

    if reading and request.path == "/trailers":
        # Trailers reach the client only where the connection carries them: HTTP/2, or
        # HTTP/1.1 when the request said `TE: trailers` (never on a HEAD).
        if request.capabilities.response_trailers:
            return Response("ok", trailers={"x-trailer": "yes"})
        return Response("ok")

    if reading and request.path == "/ws":
        # request.websocket is the offer when this request is a WebSocket handshake. Accepting
        # it returns the response that starts the session; the server does the framing.
        if request.websocket is None:
            return Response("/ws is a WebSocket: connect with a WebSocket handshake.", status=426,
                            headers={"upgrade": "websocket"})
        return request.websocket.accept(echo_messages)

    return Response("Not Found", status=404)


async def echo_messages(ws):
    # An async session runs on the worker's event loop and holds no thread while it waits.
    # Messages come whole, str for text and bytes for binary; iteration ends at the close.
    async for message in ws:
        await ws.send(message)
