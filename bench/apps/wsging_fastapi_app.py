"""The FastAPI benchmark app on wsging, through wsging.asgi.from_asgi."""

from __future__ import annotations

from wsging.asgi import from_asgi

from fastapi_app import app as asgi_app

app = from_asgi(asgi_app)
