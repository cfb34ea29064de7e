"""--inline-sync with the real server: fast sync calls run on the worker's loop thread, and a
handler that blocks sends the calls after it back to the thread pool, so concurrent requests
are served concurrently again."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from e2e_server import Server, stop_cleanly


@pytest.fixture(params=[False, True], ids=["pool", "inline"])
def sync_server(request, server_built: None, tmp_path):
    options = ["--workers", "1"] + (["--inline-sync"] if request.param else [])
    server = Server(tmp_path / "server.log", app="inline_sync_app:app", options=options).start()
    yield request.param, server
    stop_cleanly(server)


def test_where_a_sync_app_runs(sync_server) -> None:
    inline, server = sync_server
    with httpx.Client(timeout=10) as client:
        places = {client.get(server.url + "/").text for _ in range(20)}
    assert places == ({"loop"} if inline else {"pool"})


def test_blocking_handlers_still_run_concurrently(sync_server) -> None:
    inline, server = sync_server
    url = server.url + "/sleep"

    # One client made before the clock starts: each httpx.get() would build a client and its
    # TLS context first, about 0.1 s of CPU apiece, which the ten threads take turns at.
    with httpx.Client(timeout=20, limits=httpx.Limits(max_connections=10)) as client:

        def get(_: int) -> int:
            return client.get(url).status_code

        # With --inline-sync the first two slow calls run one after the other on the loop
        # thread (0.4 s), then the pool takes the rest side by side; 10 calls one after the
        # other take 2 s.
        started = time.monotonic()
        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(get, range(10)))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 10
    assert elapsed < 1.5, f"10 concurrent 0.2 s requests took {elapsed:.2f} s"
    # after the slow calls the pool serves, and the server answers at once
    with httpx.Client(timeout=10) as client:
        assert client.get(server.url + "/").text == "pool"
