"""The FastAPI application of main.py as a WSGI-NG application, for `./wsging serve ng:app`."""

from wsging.asgi import from_asgi

from main import app as asgi_app

app = from_asgi(asgi_app)
