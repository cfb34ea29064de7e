"""A first WSGI-NG application.

Run it with:  ./wsging serve hello:app --app-dir examples

    GET  /        -> Hello, world!
    POST /echo    -> the request body, streamed back as it arrives
    GET  /client  -> the client address the application sees
"""

from wsging import Response


def app(request):
    if request.method == "GET" and request.path == "/":
        return Response("Hello, world!")

    if request.method == "POST" and request.path == "/echo":
        # A generator body is sent chunk by chunk, and each chunk of the request is read only
        # when the previous one has gone out: memory stays flat whatever the upload size.
        def echo():
            for chunk in request.body:
                yield chunk

        content_type = request.headers.get("content-type", "application/octet-stream")
        return Response(echo(), content_type=content_type)

    if request.method == "GET" and request.path == "/client":
        host, port = request.client or ("unknown", 0)
        return Response(f"{host}:{port}")

    return Response("Not Found", status=404)
