"""Applications of each interface, written without a framework, for `--interface`."""
from __future__ import annotations


def wsgi_app(environ, start_response):
    body = f"wsgi {environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class WsgiHandler:
    """Shaped like Django's WSGIHandler: a callable object."""

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"wsgi object"]


wsgi_object = WsgiHandler()


async def asgi_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = f"asgi {scope['method']} {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def ng_app(request):
    from wsging import Response

    return Response(f"ng {request.method} {request.path}")


def ambiguous(*args):
    raise AssertionError("never called: --interface auto cannot tell what this is")


def asgi_by_plain_callable(scope, receive, send):
    """An ASGI application written as a plain function that returns the coroutine (as some
    middleware is): --interface asgi serves it; auto, which needs a coroutine function, does not."""
    return asgi_app(scope, receive, send)
