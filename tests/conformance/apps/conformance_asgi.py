"""The conformance application for ASGI servers (uvicorn, hypercorn, granian, daphne), through
`wsging.asgi.to_asgi`, which enters the application's lifespan on `lifespan.startup`."""

from wsging.conformance.app import app as ng_app

from wsging.asgi import to_asgi

application = to_asgi(ng_app)
