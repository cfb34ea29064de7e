"""An unchanged Django project (tests/e2e/apps/django_site) served by the real server through
`wsging.wsgi.from_wsgi`: the admin login works end to end with httpx (CSRF cookie and token,
POST, 302 with the session cookie, the admin index). Django's Set-Cookie values start with a
space; every response that set a cookie used to be a 500."""
from __future__ import annotations

import os
import re
import subprocess
from typing import Iterator

import httpx
import pytest

from e2e_server import FRAMEWORKS_PYTHON, APPS, ROOT, Server, stop_cleanly

try:
    import django  # noqa: F401
except ImportError:
    if os.environ.get("CI") == "true":
        raise  # scripts/test installs it: under CI its absence is a failure
    pytest.skip("Django is not installed (scripts/test installs it)", allow_module_level=True)

USER, PASSWORD = "admin", "e2e-admin-password"


@pytest.fixture(scope="module")
def django_server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("django") / "db.sqlite3"
    env = dict(os.environ, WSGING_E2E_DJANGO_DB=str(database), DJANGO_SETTINGS_MODULE="django_site.settings",
               PYTHONPATH=str(APPS))
    setup = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0, interactive=False)\n"
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_superuser({USER!r}, 'admin@example.com', {PASSWORD!r})\n"
    )
    done = subprocess.run([FRAMEWORKS_PYTHON, "-c", setup], env=env, cwd=APPS,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    server = Server(tmp_path_factory.mktemp("django-server") / "server.log", app="django_admin_app:app",
                    env={"WSGING_E2E_DJANGO_DB": str(database)}, python=FRAMEWORKS_PYTHON).start()  # the workers inherit it
    yield server
    stop_cleanly(server)


def test_admin_login_end_to_end(django_server) -> None:
    with httpx.Client(base_url=django_server.url, timeout=30) as client:
        page = client.get("/admin/login/?next=/admin/")
        assert page.status_code == 200, django_server.log()
        assert "csrftoken" in client.cookies
        raw_cookie = page.headers["set-cookie"]
        assert raw_cookie.startswith("csrftoken=") and not raw_cookie.startswith(" ")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None, page.text[:2000]

        login = client.post(
            "/admin/login/?next=/admin/",
            data={"csrfmiddlewaretoken": token.group(1), "username": USER, "password": PASSWORD,
                  "next": "/admin/"},
            headers={"Referer": django_server.url + "/admin/login/"},
        )
        assert login.status_code == 302, login.text[:2000]
        assert login.headers["location"] == "/admin/"
        assert "sessionid" in client.cookies

        index = client.get("/admin/")
        assert index.status_code == 200
        assert "Site administration" in index.text
        assert "Log out" in index.text or "logout" in index.text


def test_admin_without_a_session_redirects_to_the_login(django_server) -> None:
    response = httpx.get(django_server.url + "/admin/", timeout=30)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/admin/login/")


def test_a_post_without_the_csrf_token_is_refused(django_server) -> None:
    response = httpx.post(django_server.url + "/admin/login/", data={"username": USER, "password": PASSWORD},
                          timeout=30)
    assert response.status_code == 403
