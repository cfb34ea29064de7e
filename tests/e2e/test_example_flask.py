"""examples/flask, an unchanged Flask project, served by the real server with `--interface wsgi`
and its own virtualenv (`--python`), driven with httpx as a browser would drive it: the form
with its redirect, a multipart upload checked by hash, a streamed response, cookies and the
signed session, the JSON endpoint, the error pages, and `--root-path`."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Iterator, List, Tuple

import httpx
import pytest

from e2e_server import LAUNCHER, ROOT, Server, free_port, stop_cleanly
from example_venvs import example_python

PROJECT = ROOT / "examples" / "flask"

pytestmark = pytest.mark.usefixtures("server_built")


def serve(log: Path, *options: str) -> Server:
    return Server(log, app="app:app", app_dir=PROJECT, python=str(example_python("flask")),
                  options=options).start()


@pytest.fixture(scope="module")
def site(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve(tmp_path_factory.mktemp("flask-example") / "server.log", "--interface", "wsgi")
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def mounted_site(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve(tmp_path_factory.mktemp("flask-mounted") / "server.log",
                   "--interface", "wsgi", "--root-path", "/prefix")
    yield server
    stop_cleanly(server)


def browser(server: Server) -> httpx.Client:
    """A client that keeps cookies, as a browser does, and leaves redirects to the test."""
    return httpx.Client(base_url=server.url, timeout=30)


def element(page: httpx.Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', page.text)
    assert found is not None, f"no #{element_id} in:\n{page.text[:2000]}"
    return found.group(1)


def test_the_contact_form_redirects_after_a_valid_post(site: Server) -> None:
    with browser(site) as client:
        form = client.get("/contact")
        assert form.status_code == 200 and 'action="/contact"' in form.text

        invalid = client.post("/contact", data={"name": "", "email": "nobody", "message": "short"})
        assert invalid.status_code == 400
        assert "Please tell us your name." in invalid.text
        assert "That does not look like an email address." in invalid.text
        assert 'value="nobody"' in invalid.text  # what was typed comes back to be corrected

        sent = client.post("/contact", data={"name": "Ada", "email": "ada@example.com",
                                             "message": "Hello from the end-to-end tests."})
        assert sent.status_code == 302 and sent.headers["location"] == "/contact/thanks"
        thanks = client.get(sent.headers["location"])
        assert thanks.status_code == 200
        assert "Thank you, Ada: your message has been received." in thanks.text
        # The flashed message lives in the session for one page only.
        assert "Thank you, Ada" not in client.get("/contact/thanks").text


def test_a_few_megabytes_upload_arrives_intact(site: Server) -> None:
    payload = os.urandom(5 * 1024 * 1024 + 321)
    with browser(site) as client:
        result = client.post("/upload", files={"file": ("random.bin", payload, "application/octet-stream")})
    assert result.status_code == 200, result.text[:2000]
    assert element(result, "name") == "random.bin"
    assert element(result, "size") == str(len(payload))
    assert element(result, "sha256") == hashlib.sha256(payload).hexdigest()


def test_an_upload_without_a_file_is_refused(site: Server) -> None:
    with browser(site) as client:
        refused = client.post("/upload", files={"file": ("", b"", "application/octet-stream")})
    assert refused.status_code == 400 and "Choose a file to upload." in refused.text


def test_the_countdown_streams_line_by_line(site: Server) -> None:
    pieces: List[Tuple[float, bytes]] = []
    with browser(site) as client:
        with client.stream("GET", "/countdown", params={"from": "5"}) as response:
            assert response.status_code == 200
            assert response.headers.get("transfer-encoding") == "chunked"
            for piece in response.iter_raw():
                pieces.append((time.monotonic(), piece))
    body = b"".join(piece for _, piece in pieces)
    assert body == b"5\n4\n3\n2\n1\nliftoff from /countdown\n"
    # The app sleeps 0.3 s after each line: the first lines arrive long before the last (a
    # buffered response would come in one go), and the first piece is not the whole.
    assert pieces[-1][0] - pieces[0][0] >= 1.0, pieces
    assert pieces[0][1].startswith(b"5\n") and b"liftoff" not in pieces[0][1], pieces


def test_the_session_and_cookies_persist_across_requests(site: Server) -> None:
    with browser(site) as client:
        assert element(client.get("/"), "visits") == "1"
        assert element(client.get("/"), "visits") == "2"
        session_cookie = next(cookie for cookie in client.cookies.jar if cookie.name == "session")
        assert session_cookie.has_nonstandard_attr("HttpOnly")

        login = client.post("/login", data={"username": "alice"})
        assert login.status_code == 302 and login.headers["location"] == "/"
        home = client.get("/")
        assert element(home, "greeting") == "Hello, alice!" and element(home, "visits") == "3"

        chosen = client.get("/theme/dark")
        assert chosen.status_code == 302 and "theme=dark" in chosen.headers["set-cookie"]
        assert element(client.get("/"), "theme") == "dark"

        assert client.post("/logout").status_code == 302
        home = client.get("/")
        assert element(home, "greeting").startswith("Hello, visitor.")
        assert element(home, "visits") == "5"  # logging out keeps the rest of the session

        # The session is signed: a cookie changed by the client is not believed.
        client.cookies.set("session", client.cookies["session"][:-2] + "xx", domain="127.0.0.1")
        assert element(client.get("/"), "visits") == "1"

    with browser(site) as stranger:  # another browser starts its own session
        assert element(stranger.get("/"), "visits") == "1"


def test_the_json_endpoint(site: Server) -> None:
    with browser(site) as client:
        counted = client.post("/api/wordcount", json={"text": "the quick brown fox"})
        assert counted.status_code == 200 and counted.headers["content-type"] == "application/json"
        assert counted.json() == {"words": 4, "characters": 19, "longest": "quick"}
        refused = client.post("/api/wordcount", content=b"not json", headers={"content-type": "application/json"})
        assert refused.status_code == 400 and "error" in refused.json()


def test_an_unknown_page_gets_the_sites_404_page(site: Server) -> None:
    with browser(site) as client:
        for path in ("/no/such/page", "/theme/purple"):
            missing = client.get(path)
            assert missing.status_code == 404
            assert missing.headers["content-type"].startswith("text/html")
            assert "<h1>Page not found</h1>" in missing.text


def test_a_failing_view_gets_the_sites_500_page_and_the_server_serves_on(site: Server) -> None:
    with browser(site) as client:
        failed = client.get("/boom")
        assert failed.status_code == 500
        assert "<h1>Something went wrong</h1>" in failed.text
        assert "Traceback" not in failed.text and "fails on purpose" not in failed.text
        assert client.get("/").status_code == 200


def test_url_for_links_and_redirects_carry_the_root_path(mounted_site: Server) -> None:
    with browser(mounted_site) as client:
        home = client.get("/prefix/")
        assert home.status_code == 200
        for link in ('href="/prefix/contact"', 'href="/prefix/upload"', 'href="/prefix/login"',
                     'href="/prefix/static/style.css"', "POST /prefix/api/wordcount"):
            assert link in home.text, link
        stylesheet = client.get("/prefix/static/style.css")
        assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith("text/css")

        sent = client.post("/prefix/contact", data={"name": "Ada", "email": "ada@example.com",
                                                    "message": "Hello from under a prefix."})
        assert sent.status_code == 302 and sent.headers["location"] == "/prefix/contact/thanks"
        assert "Thank you, Ada" in client.get(sent.headers["location"]).text

        login = client.post("/prefix/login", data={"username": "bob"})
        assert login.headers["location"] == "/prefix/"
        assert element(client.get("/prefix/"), "greeting") == "Hello, bob!"
        with client.stream("GET", "/prefix/countdown", params={"from": "1"}) as streamed:
            assert streamed.read() == b"1\nliftoff from /countdown\n"


def test_auto_tells_that_the_project_is_a_wsgi_application(tmp_path: Path) -> None:
    server = serve(tmp_path / "server.log", "--interface", "auto")
    try:
        with browser(server) as client:
            home = client.get("/")
            contact = client.post("/contact", data={"name": "Ada", "email": "ada@example.com",
                                                    "message": "Served as --interface auto."})
    finally:
        stop_cleanly(server)
    assert home.status_code == 200 and element(home, "visits") == "1"
    assert contact.status_code == 302 and contact.headers["location"] == "/contact/thanks"


def test_without_python_the_start_up_names_the_option() -> None:
    # The default worker interpreter (.venv) has no Flask: a user who forgot --python is told.
    done = subprocess.run([str(LAUNCHER), "serve", "app:app", "--app-dir", str(PROJECT), "--interface", "wsgi",
                           "--bind", f"127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=ROOT)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("wsging: error: "), done.stderr
    assert "No module named 'flask'" in lines[0] and "--python" in lines[0], lines[0]
