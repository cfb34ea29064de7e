"""The conformance application for ASGI servers (uvicorn, hypercorn, granian, daphne), through
`wsging.asgi.to_asgi`, which enters the application's lifespan on `lifespan.startup`."""

from wsging.conformance.app import app as ng_app

try:
    from wsging.asgi import to_asgi
except ImportError as exc:  # stated once, by the server that cannot load this module
    raise ImportError(f"wsging.asgi.to_asgi is not importable yet: {exc}") from exc

application = to_asgi(ng_app)
