"""A small Flask application, served by wsging through `from_wsgi` (spec 15)."""
from __future__ import annotations

import hashlib

from flask import Flask, Response, jsonify, request

from wsging.wsgi import from_wsgi

flask_app = Flask(__name__)


@flask_app.get("/")
def hello():
    return "Hello from Flask!"


@flask_app.get("/json/<name>")
def greet(name):
    return jsonify(name=name, q=request.args.get("q"), agent=request.headers.get("User-Agent"))


@flask_app.post("/upload")
def upload():
    data = request.get_data()
    return jsonify(size=len(data), sha256=hashlib.sha256(data).hexdigest())


@flask_app.get("/stream")
def stream():
    return Response((f"line {i}\n" for i in range(5)), mimetype="text/plain")


@flask_app.get("/fail")
def fail():
    raise RuntimeError("flask-failure-marker")


app = from_wsgi(flask_app)
