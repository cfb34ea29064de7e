"""ASGI shims (spec 15.4): `from_asgi` runs an ASGI 3 application on a WSGI-NG server or inside
WSGI-NG middleware; `to_asgi` hosts a WSGI-NG application in any ASGI 3 server (uvicorn,
hypercorn, granian's ASGI mode, daphne)."""

from .asgi_on_ng import from_asgi
from .ng_on_asgi import to_asgi

__all__ = ["from_asgi", "to_asgi"]
