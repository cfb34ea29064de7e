"""The application's lifespan under each ASGI host: entered before the first request (a sync
one in a thread other than the loop's, spec 11.4), exited at shutdown. uvicorn, hypercorn and
granian run the lifespan protocol; daphne runs none, so to_asgi enters it itself before the
first request and exits it when the process ends."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict

import httpx
import pytest

from conftest import KINDS, Host


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["uvicorn", "hypercorn", "granian", "daphne"])
def test_lifespan_entered_and_exited(start_host: Callable[..., Host], name: str, kind: str) -> None:
    host = start_host(name, kind)
    with host.client() as client:
        state = client.get("/lifespan").json()
    assert state["entered"] is True and state["kind"] == kind and state["entries"] == 1
    if kind == "sync":
        assert state["thread"].startswith("wsging-lifespan")
    assert not host.lifespan_exit.exists()
    assert host.stop() is not None
    assert host.lifespan_exit.read_text() == "exited\n", host.log_text()


@pytest.mark.parametrize("kind", KINDS)
def test_daphne_first_requests_wait_for_one_entry(start_host: Callable[..., Host], kind: str) -> None:
    """Requests sent together to a daphne that has served none all find the lifespan entered
    (it takes a second), and it is entered once."""
    host = start_host("daphne", f"slow_{kind}", probe=False)

    def lifespan(_: int) -> Dict[str, Any]:
        response = httpx.get(host.url + "/lifespan", timeout=15)
        assert response.status_code == 200
        return dict(response.json())

    with ThreadPoolExecutor(4) as pool:
        states = list(pool.map(lifespan, range(4)))
    assert all(state["entered"] is True and state["entries"] == 1 for state in states), states
    assert host.stop() is not None
    assert host.lifespan_exit.read_text() == "exited\n", host.log_text()


def test_daphne_failed_startup_answers_500(start_host: Callable[..., Host]) -> None:
    """daphne cannot be told not to serve: to_asgi answers every request 500 (MUST-LIFE-2),
    without the reason, which goes to the log."""
    host = start_host("daphne", "failing")
    with host.client() as client:
        response = client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error\n"
    assert "database unreachable" in host.log_text()


@pytest.mark.parametrize("name", ["uvicorn", "hypercorn", "granian"])
def test_failed_startup_stops_the_host(tmp_path: Path, name: str) -> None:
    """lifespan.startup.failed carries the reason; the host does not serve (MUST-LIFE-2)."""
    host = Host(name, "failing", tmp_path)
    with pytest.raises(AssertionError, match="exited at start"):
        host.start()
    assert "database unreachable" in host.log_text()
