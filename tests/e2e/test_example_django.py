"""examples/django, an unchanged Django project, served by the real server with its own
virtualenv (`--python`) through both of its entry points: `mysite.wsgi:application` with
`--interface wsgi` and `mysite.asgi:application` with `--interface asgi`. httpx drives it as a
browser would: the ModelForm with its CSRF token and redirect, an attachment of a few MB
checked by hash, a streamed response, the session, the admin (login, adding a note), the 404
page, static files served by WhiteNoise, and `--root-path`."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import httpx
import pytest

from e2e_server import ROOT, Server, stop_cleanly
from example_venvs import example_python

PROJECT = ROOT / "examples" / "django"
# wsgi first: a failure of the asgi server then surfaces at its own tests, not at the next ones.
ENTRY_POINTS = {"wsgi": "mysite.wsgi:application", "asgi": "mysite.asgi:application"}
USER, PASSWORD = "admin", "example-admin-password"

pytestmark = pytest.mark.usefixtures("server_built")


def prepare_site(directory: Path) -> Dict[str, str]:
    """A database with the tables and a superuser, and the static files collected, in
    `directory`, as the project's README has a user do; the environment that points the
    settings at them."""
    env = {
        "DJANGO_DB_PATH": str(directory / "db.sqlite3"),
        "DJANGO_MEDIA_ROOT": str(directory / "media"),
        "DJANGO_STATIC_ROOT": str(directory / "static"),
    }
    python = str(example_python("django"))
    steps = (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username", USER, "--email", "admin@example.com"],
    )
    for step in steps:
        done = subprocess.run([python, "manage.py", *step], cwd=PROJECT, capture_output=True, text=True,
                              timeout=300, env={**os.environ, **env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD})
        assert done.returncode == 0, f"manage.py {step[0]}:\n{done.stderr}"
    return env


def serve(log: Path, env: Dict[str, str], app: str, *options: str) -> Server:
    return Server(log, app=app, app_dir=PROJECT, python=str(example_python("django")), env=env,
                  options=options).start()


@pytest.fixture(scope="module", params=list(ENTRY_POINTS))
def interface(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def site(interface: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp(f"django-{interface}")
    server = serve(directory / "server.log", prepare_site(directory), ENTRY_POINTS[interface],
                   "--interface", interface)
    yield server
    stop_cleanly(server)


@pytest.fixture(scope="module")
def mounted_site(interface: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp(f"django-{interface}-mounted")
    server = serve(directory / "server.log", prepare_site(directory), ENTRY_POINTS[interface],
                   "--interface", interface, "--root-path", "/prefix")
    yield server
    stop_cleanly(server)


def browser(server: Server) -> httpx.Client:
    """A client that keeps cookies and, on its POSTs, sends the Origin a browser sends (which
    Django's CSRF check compares with the host); redirects are left to the test."""
    return httpx.Client(base_url=server.url, timeout=30, headers={"Origin": server.url})


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found is not None, f"no CSRF token in:\n{page.text[:2000]}"
    return found.group(1)


def element(page: httpx.Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', page.text)
    assert found is not None, f"no #{element_id} in:\n{page.text[:2000]}"
    return found.group(1)


def add_note(client: httpx.Client, prefix: str, title: str, **files: Tuple[str, bytes, str]) -> httpx.Response:
    form = client.get(f"{prefix}/new/")
    assert form.status_code == 200, form.text[:2000]
    return client.post(f"{prefix}/new/", data={"csrfmiddlewaretoken": csrf_token(form), "title": title,
                                                "text": "Written by the end-to-end tests."},
                       files=files or None)


def log_in_to_the_admin(client: httpx.Client, prefix: str) -> None:
    gate = client.get(f"{prefix}/admin/")
    assert gate.status_code == 302
    assert gate.headers["location"] == f"{prefix}/admin/login/?next={prefix}/admin/"
    page = client.get(gate.headers["location"])
    assert page.status_code == 200 and "csrftoken" in client.cookies
    login = client.post(gate.headers["location"], data={
        "csrfmiddlewaretoken": csrf_token(page), "username": USER, "password": PASSWORD,
        "next": f"{prefix}/admin/"})
    assert login.status_code == 302, login.text[:2000]
    assert login.headers["location"] == f"{prefix}/admin/" and "sessionid" in client.cookies


def test_the_note_form_checks_csrf_validates_and_redirects(site: Server) -> None:
    with browser(site) as client:
        form = client.get("/new/")
        token = csrf_token(form)
        forged = client.post("/new/", data={"title": "No token"})
        assert forged.status_code == 403

        invalid = client.post("/new/", data={"csrfmiddlewaretoken": token, "title": "x"})
        assert invalid.status_code == 200
        assert "A title needs at least 3 characters." in invalid.text

        saved = add_note(client, "", "Shopping list")
        assert saved.status_code == 302
        location = saved.headers["location"]
        assert re.fullmatch(r"/\d+/", location), location
        note = client.get(location)
        assert element(note, "title") == "Shopping list" and "Your note has been saved." in note.text
        assert "Your note has been saved." not in client.get(location).text  # shown once
        assert f'href="{location}">Shopping list</a>' in client.get("/").text


def test_an_attachment_of_a_few_megabytes_arrives_intact(site: Server) -> None:
    payload = os.urandom(4 * 1024 * 1024 + 77)
    expected = hashlib.sha256(payload).hexdigest()
    with browser(site) as client:
        saved = add_note(client, "", "With an attachment",
                         attachment=("random.bin", payload, "application/octet-stream"))
        assert saved.status_code == 302, saved.text[:2000]
        note = client.get(saved.headers["location"])
        assert element(note, "size") == str(len(payload)) and element(note, "sha256") == expected

        download = client.get(saved.headers["location"] + "attachment/")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert hashlib.sha256(download.content).hexdigest() == expected


def test_the_countdown_streams_line_by_line(site: Server) -> None:
    pieces: List[Tuple[float, bytes]] = []
    with browser(site) as client:
        with client.stream("GET", "/countdown/", params={"from": "5"}) as response:
            assert response.status_code == 200
            assert response.headers.get("transfer-encoding") == "chunked"
            for piece in response.iter_raw():
                pieces.append((time.monotonic(), piece))
    body = b"".join(piece for _, piece in pieces)
    assert body == b"5\n4\n3\n2\n1\nliftoff from /countdown/\n"
    # The view pauses 0.3 s after each line: the first lines arrive long before the last (a
    # buffered response would come in one go), and the first piece is not the whole.
    assert pieces[-1][0] - pieces[0][0] >= 1.0, pieces
    assert pieces[0][1].startswith(b"5\n") and b"liftoff" not in pieces[0][1], pieces


def test_the_session_persists_across_requests(site: Server) -> None:
    with browser(site) as client:
        assert [element(client.get("/"), "visits") for _ in range(3)] == ["1", "2", "3"]
        session_cookie = next(cookie for cookie in client.cookies.jar if cookie.name == "sessionid")
        assert session_cookie.has_nonstandard_attr("HttpOnly")
    with browser(site) as stranger:
        assert element(stranger.get("/"), "visits") == "1"


def test_the_admin_logs_in_and_adds_a_note(site: Server) -> None:
    with browser(site) as client:
        log_in_to_the_admin(client, "")
        index = client.get("/admin/")
        assert index.status_code == 200 and "Site administration" in index.text
        assert 'href="/admin/notes/note/"' in index.text

        form = client.get("/admin/notes/note/add/")
        assert form.status_code == 200
        added = client.post("/admin/notes/note/add/", data={
            "csrfmiddlewaretoken": csrf_token(form), "title": "Added in the admin", "text": "", "_save": "Save"})
        assert added.status_code == 302 and added.headers["location"] == "/admin/notes/note/", added.text[:2000]
        assert "Added in the admin" in client.get("/admin/notes/note/").text
        assert "Added in the admin" in client.get("/").text  # the site shows it too

        # The admin's own CSS, which WhiteNoise serves from STATIC_ROOT.
        assert 'href="/static/admin/css/base.css"' in index.text
        stylesheet = client.get("/static/admin/css/base.css")
        assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith("text/css")


def test_an_unknown_page_gets_the_sites_404_page(site: Server) -> None:
    with browser(site) as client:
        for path in ("/no/such/page/", "/999999/", "/static/admin/css/missing.css"):
            missing = client.get(path)
            assert missing.status_code == 404, path
            assert "<h1>Page not found</h1>" in missing.text, path


def test_reverse_and_static_carry_the_root_path(mounted_site: Server) -> None:
    with browser(mounted_site) as client:
        home = client.get("/prefix/")
        assert home.status_code == 200
        for link in ('href="/prefix/new/"', 'href="/prefix/admin/"', 'href="/prefix/static/notes/style.css"'):
            assert link in home.text, link
        assert client.get("/prefix/static/notes/style.css").status_code == 200

        saved = add_note(client, "/prefix", "Under a prefix")
        assert saved.status_code == 302 and re.fullmatch(r"/prefix/\d+/", saved.headers["location"])
        assert element(client.get(saved.headers["location"]), "title") == "Under a prefix"

        log_in_to_the_admin(client, "/prefix")
        admin = client.get("/prefix/admin/")
        assert 'href="/prefix/admin/notes/note/"' in admin.text
        assert 'href="/prefix/static/admin/css/base.css"' in admin.text
        assert client.get("/prefix/static/admin/css/base.css").status_code == 200
        with client.stream("GET", "/prefix/countdown/", params={"from": "1"}) as streamed:
            assert streamed.read() == b"1\nliftoff from /prefix/countdown/\n"


@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_auto_tells_each_entry_point_apart(entry_point: str, tmp_path: Path) -> None:
    server = serve(tmp_path / "server.log", prepare_site(tmp_path), ENTRY_POINTS[entry_point],
                   "--interface", "auto")
    try:
        with browser(server) as client:
            saved = add_note(client, "", f"Served by {entry_point} through auto")
            note = client.get(saved.headers["location"]) if saved.status_code == 302 else saved
    finally:
        stop_cleanly(server)
    assert saved.status_code == 302, saved.text[:2000]
    assert element(note, "title") == f"Served by {entry_point} through auto"


def test_a_failing_view_gets_the_sites_500_page_and_the_server_serves_on(site: Server) -> None:
    with browser(site) as client:
        saved = add_note(client, "", "Its attachment goes missing",
                         attachment=("lost.txt", b"soon gone", "text/plain"))
        assert saved.status_code == 302, saved.text[:2000]
        assert site.env is not None
        media = Path(site.env["DJANGO_MEDIA_ROOT"]) / "attachments"
        for stored in media.glob("lost*.txt"):
            stored.unlink()  # the file is gone from the disk, its note still names it
        failed = client.get(saved.headers["location"])
        assert failed.status_code == 500
        assert "<h1>Something went wrong</h1>" in failed.text
        assert "Traceback" not in failed.text and "FileNotFoundError" not in failed.text
        assert client.get("/").status_code == 200
    assert "FileNotFoundError" in site.log()  # Django logs the error on standard error
