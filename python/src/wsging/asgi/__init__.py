"""ASGI shims (spec 15.4): `from_asgi` runs an ASGI 3 application on a WSGI-NG server or inside
WSGI-NG middleware."""

from .asgi_on_ng import from_asgi

__all__ = ["from_asgi"]
