"""The application's lifespan under each ASGI host that runs the lifespan protocol (uvicorn,
hypercorn, granian): entered before the first request (a sync one in a thread other than the
loop's, spec 11.4), exited at shutdown. daphne runs no lifespan: there it is never entered."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from conftest import KINDS, Host


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["uvicorn", "hypercorn", "granian", "daphne"])
def test_lifespan_entered_and_exited(start_host: Callable[..., Host], name: str, kind: str) -> None:
    host = start_host(name, kind)
    with host.client() as client:
        state = client.get("/lifespan").json()
    if name == "daphne":
        assert state == {"entered": False, "thread": None}
        host.stop()
        assert not host.lifespan_exit.exists()
        return
    assert state["entered"] is True and state["kind"] == kind
    if kind == "sync":
        assert state["thread"].startswith("wsging-lifespan")
    assert not host.lifespan_exit.exists()
    assert host.stop() is not None
    assert host.lifespan_exit.read_text() == "exited\n", host.log_text()


@pytest.mark.parametrize("name", ["uvicorn", "hypercorn", "granian"])
def test_failed_startup_stops_the_host(tmp_path: Path, name: str) -> None:
    """lifespan.startup.failed carries the reason; the host does not serve (MUST-LIFE-2)."""
    host = Host(name, "failing", tmp_path)
    with pytest.raises(AssertionError, match="exited at start"):
        host.start()
    assert "database unreachable" in host.log_text()
