"""ASGI frameworks served by the real server through `wsging.asgi.from_asgi` (spec 15.4): the
FastAPI example, a Starlette app and Django's ASGI handler as they are (`--interface asgi`), a
Quart app wrapped in code, each with its own virtualenv's interpreter (`--python`), driven with
curl, httpx and the websockets library."""
from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Iterator, List

import httpx
import pytest
import websockets

from conftest import require_tool
from e2e_server import ROOT, Server, stop_cleanly
from example_venvs import example_python, venv_python

FRAMEWORK_APPS = Path(__file__).resolve().parent / "apps" / "asgi_frameworks"


def frameworks_python() -> Path:
    """The interpreter of the Quart and Django apps' virtualenv (apps/asgi_frameworks)."""
    return venv_python(FRAMEWORK_APPS / "requirements.txt", "asgi-frameworks")


def _serve(tmp: Path, app: str, app_dir: Path, python: Path, interface: str = "asgi") -> Server:
    return Server(tmp / "server.log", app=app, app_dir=app_dir,
                  options=["--workers", "1", "--interface", interface], python=str(python)).start()


@pytest.fixture(scope="module")
def fastapi_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = _serve(tmp_path_factory.mktemp("fastapi"), "main:app", ROOT / "examples" / "fastapi",
                    example_python("fastapi"))
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def starlette_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = _serve(tmp_path_factory.mktemp("starlette"), "starlette_asgi_app:app", FRAMEWORK_APPS,
                    example_python("fastapi"))
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def django_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = _serve(tmp_path_factory.mktemp("django"), "django_asgi_app:app", FRAMEWORK_APPS,
                    frameworks_python())
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def quart_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = _serve(tmp_path_factory.mktemp("quart"), "quart_asgi_app:app", FRAMEWORK_APPS,
                    frameworks_python(), interface="ng")
    yield server
    stop_cleanly(server)


def _curl(*args: str) -> bytes:
    done = subprocess.run([require_tool("curl"), "-sS", "--max-time", "20", *args], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def _echo_ws(url: str, messages: List[str]) -> List[str]:
    async def talk() -> List[str]:
        answers = []
        async with websockets.connect(url, open_timeout=10) as ws:
            for message in messages:
                await ws.send(message)
                answers.append(await asyncio.wait_for(ws.recv(), 10))
        return answers

    return asyncio.run(talk())


# -- FastAPI --------------------------------------------------------------------------------------


def test_fastapi_json_and_path_parameters(fastapi_server: Server) -> None:
    with httpx.Client(base_url=fastapi_server.url, timeout=10) as client:
        root = client.get("/")
        assert root.status_code == 200 and root.json() == {"message": "Hello, world!"}
        assert root.headers["content-type"] == "application/json"
        assert root.headers["content-length"] == str(len(root.content))
        assert client.get("/items/42", params={"q": "x"}).json() == {"item_id": 42, "q": "x"}
        invalid = client.get("/items/not-a-number")
        assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["path", "item_id"]
        created = client.post("/items", json={"name": "pen", "price": 1.5, "tags": ["a"]})
        assert created.json() == {"name": "pen", "total": 3.0, "tags": ["a"]}
        assert client.get("/nowhere").status_code == 404


def test_fastapi_form_upload_with_curl(fastapi_server: Server, tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"\x00\x01" * 300_000)
    answer = json.loads(_curl("-F", "note=hello", "-F", f"file=@{upload}", fastapi_server.url + "/upload"))
    assert answer == {"note": "hello", "filename": "upload.bin", "size": 600_000}


def test_fastapi_streaming_response_arrives_line_by_line(fastapi_server: Server) -> None:
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", fastapi_server.url + "/stream", params={"count": 20}) as response:
            assert response.headers.get("transfer-encoding") == "chunked"
            chunks = response.iter_raw()
            first = next(chunks)
            rest = b"".join(chunks)
    assert first.startswith(b"line 0\n")
    assert first + rest == b"".join(b"line %d\n" % i for i in range(20))


def test_fastapi_websocket_echo(fastapi_server: Server) -> None:
    url = fastapi_server.url.replace("http://", "ws://") + "/ws"
    assert _echo_ws(url, ["one", "two"]) == ["echo: one", "echo: two"]


def test_fastapi_lifespan_state_reaches_requests(fastapi_server: Server) -> None:
    assert httpx.get(fastapi_server.url + "/state", timeout=10).json() == {"started": "yes", "greeting": "Hello"}


def test_fastapi_over_http2(fastapi_server: Server) -> None:
    body = _curl("--http2-prior-knowledge", fastapi_server.url + "/items/7")
    assert json.loads(body) == {"item_id": 7, "q": None}


# -- Starlette ------------------------------------------------------------------------------------


def test_starlette_file_response_goes_by_pathsend(starlette_server: Server) -> None:
    scope = httpx.get(starlette_server.url + "/scope", timeout=10).json()
    assert "http.response.pathsend" in scope["extensions"]
    assert scope["client"][0] == "127.0.0.1" and scope["http_version"] == "1.1"
    head = _curl("-D", "-", "-o", "/dev/null", starlette_server.url + "/file").lower()
    assert b"content-length: 1048576" in head and b"x-stamp: middleware" in head
    body = _curl(starlette_server.url + "/file")
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(bytes(range(256)) * 4096).hexdigest()


def test_starlette_background_task_runs_after_the_response(starlette_server: Server) -> None:
    with httpx.Client(base_url=starlette_server.url, timeout=10) as client:
        response = client.get("/background", params={"tag": "t1"})
        assert response.text == "later" and response.headers["x-stamp"] == "middleware"
        deadline = time.monotonic() + 10
        while "t1" not in client.get("/done").json():
            assert time.monotonic() < deadline, "the background task did not run"
            time.sleep(0.05)


def test_starlette_sync_endpoint_runs_in_anyio_thread_pool(starlette_server: Server) -> None:
    with httpx.Client(base_url=starlette_server.url, timeout=10) as client:
        for _ in range(3):
            response = client.get("/sync")
            assert response.status_code == 200 and response.headers["x-stamp"] == "middleware"
            assert response.text and response.text != "MainThread"


# -- Django ---------------------------------------------------------------------------------------


def test_django_asgi_handler(django_server: Server) -> None:
    answer = httpx.get(django_server.url + "/?q=1", headers={"User-Agent": "e2e"}, timeout=10).json()
    assert answer == {"framework": "django", "method": "GET", "path": "/", "scheme": "http",
                      "host": f"127.0.0.1:{django_server.port}", "q": "1", "user_agent": "e2e"}


def test_django_echo_of_a_large_body_with_curl(django_server: Server, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 8192  # 2 MiB
    upload = tmp_path / "payload.bin"
    upload.write_bytes(payload)
    body = _curl("--data-binary", f"@{upload}", "-H", "Content-Type: application/octet-stream",
                 django_server.url + "/echo")
    assert body == payload


def test_django_streaming_response(django_server: Server) -> None:
    assert _curl(django_server.url + "/stream") == b"django 0\ndjango 1\ndjango 2\n"


# -- Quart ----------------------------------------------------------------------------------------


def test_quart_json_echo_and_stream(quart_server: Server) -> None:
    with httpx.Client(base_url=quart_server.url, timeout=10) as client:
        index = client.get("/", params={"q": "z"}).json()
        assert index == {"framework": "quart", "method": "GET", "path": "/", "query": "z", "started": True}
        assert client.post("/echo", content=b"x" * 100_000).content == b"x" * 100_000
    assert _curl(quart_server.url + "/stream") == b"quart 0\nquart 1\nquart 2\n"


def test_quart_websocket(quart_server: Server) -> None:
    url = quart_server.url.replace("http://", "ws://") + "/ws"
    assert _echo_ws(url, ["a", "b"]) == ["quart: a", "quart: b"]
