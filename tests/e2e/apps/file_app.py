"""FileResponse applications for tests/e2e/test_file_bodies.py: the same routes as an async
application (`app`) and a sync one (`sync_app`, run in the worker's thread pool).

Files are served by name from the directory in WSGING_E2E_FILES (names with '/' or a leading
'.' are refused). Some routes change the file after the response was made, before the server
sends it, to show what the front end does with a file that is no longer the one opened.
"""
from __future__ import annotations

import os
from urllib.parse import parse_qs

from wsging import FileResponse, Response

FILES = os.environ.get("WSGING_E2E_FILES", "")


def _name(request) -> str:
    values = parse_qs(request.query_string.decode("ascii")).get("name")
    name = values[0] if values else ""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"bad file name {name!r}")
    return name


def _replace(path: str) -> None:
    """Another file under the same name (a new inode; the old one lives on while it is open)."""
    with open(path + ".new", "wb") as new:
        new.write(b"replaced content")
    os.replace(path + ".new", path)


def _truncate(path: str) -> None:
    with open(path, "r+b") as file:
        file.truncate(os.fstat(file.fileno()).st_size // 2)


_CHANGES = {
    "/file": None,
    "/file-then-replace": _replace,
    "/file-then-truncate": _truncate,
    "/file-then-delete": os.unlink,
}


def _handle(request) -> Response:
    if request.path == "/pid":
        return Response(str(os.getpid()))
    if request.path not in _CHANGES:
        return Response("no such route\n", status=404)
    try:
        path = os.path.join(FILES, _name(request))
    except ValueError as exc:
        return Response(f"{exc}\n", status=400)
    response = FileResponse(path)
    change = _CHANGES[request.path]
    if change is not None:
        change(path)
    return response


async def app(request) -> Response:
    return _handle(request)


def sync_app(request) -> Response:
    return _handle(request)
