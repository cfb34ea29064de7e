"""ASGI shims (spec 15.4): `to_asgi` hosts a WSGI-NG application in any ASGI 3 server
(uvicorn, hypercorn, granian's ASGI mode, daphne)."""

from .ng_on_asgi import to_asgi

__all__ = ["to_asgi"]
