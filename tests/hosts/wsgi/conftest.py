"""Fixtures for the WSGI-container suite: each test gets a container (gunicorn with sync and
gthread workers, uWSGI, mod_wsgi) serving the sync or the async form of apps/hosted_app.py
through `to_wsgi` (`to_uwsgi` under uWSGI), one container per module and parameter."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from wsgi_hosts import Host, require_host

HOSTS = ["gunicorn-sync", "gunicorn-gthread", "uwsgi", "mod_wsgi"]
KINDS = ["sync", "async"]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(120))


@pytest.fixture(scope="session")
def shared_dir() -> Iterator[Path]:
    """A directory every user can read, for files a container's unprivileged processes open
    (mod_wsgi's daemon runs as nobody when the tests run as root)."""
    path = Path(tempfile.mkdtemp(prefix="wsgi-hosts-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module", params=[(h, k) for h in HOSTS for k in KINDS], ids=lambda p: f"{p[0]}-{p[1]}")
def host(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    name, kind = request.param
    require_host(name)
    app_file = f"uwsgi_{kind}_wsgi.py" if name == "uwsgi" else f"{kind}_wsgi.py"
    workdir = tmp_path_factory.mktemp(f"{name}-{kind}")
    started = Host(name, app_file, workdir).start()
    started.kind = kind
    yield started
    started.stop()
