"""Applications for tests/e2e/test_file_ranges.py: parts of files, Range and conditional
requests, and explicit content types, as an async application (`app`), a sync one
(`sync_app`) and a Flask one through `from_wsgi` (`flask_app`).

Files are served by name from the directory in WSGING_E2E_FILES (names with '/' or a leading
'.' are refused).
"""
from __future__ import annotations

import os
from urllib.parse import parse_qs

from flask import Flask, send_file
from flask import request as flask_request

from wsging import FileResponse, Response, file_response
from wsging.wsgi import from_wsgi

FILES = os.environ.get("WSGING_E2E_FILES", "")


def _path(name: str) -> str:
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"bad file name {name!r}")
    return os.path.join(FILES, name)


def _handle(request) -> Response:
    query = {k: v[0] for k, v in parse_qs(request.query_string.decode("ascii")).items()}
    try:
        path = _path(query.get("name", ""))
    except ValueError as exc:
        return Response(f"{exc}\n", status=400)
    if request.path == "/file":
        return file_response(request, path, {"cache-control": "max-age=60", "x-extra": "dropped-on-304"})
    if request.path == "/slice":
        length = int(query["length"]) if "length" in query else None
        return FileResponse(path, offset=int(query.get("offset", "0")), length=length)
    if request.path == "/slice-then-truncate":
        response = FileResponse(path, offset=int(query["offset"]), length=int(query["length"]))
        with open(path, "r+b") as file:
            file.truncate(int(query["offset"]) + int(query["length"]) - 1)
        return response
    if request.path == "/slice-then-replace":
        response = FileResponse(path, offset=int(query["offset"]), length=int(query["length"]))
        with open(path + ".new", "wb") as file:
            file.write(b"replaced content" * 1000)
        os.replace(path + ".new", path)
        return response
    if request.path == "/typed":
        return FileResponse(path, headers={"content-type": "application/x-explicit"})
    return Response("no such route\n", status=404)


async def app(request) -> Response:
    return _handle(request)


def sync_app(request) -> Response:
    return _handle(request)


flask = Flask(__name__)


@flask.get("/send")
def send():
    return send_file(_path(flask_request.args["name"]), mimetype="application/x-explicit", conditional=True)


flask_app = from_wsgi(flask)
