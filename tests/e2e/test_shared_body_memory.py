"""Shared body memory (spec A.2) through the real server: bodies of every size come back intact
whether they travel through shared slots, the socket, or both when slots run out; the file is
mapped by both processes and its name does not outlive the handshake."""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import httpx
import pytest

from e2e_server import Server, wait_for

SHM = Path("/dev/shm")
# Around the 8 KiB threshold and the 64 KiB slot size, and bodies spanning many slots.
SIZES = [1, 8 * 1024 - 1, 8 * 1024, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 300 * 1000, 3 * 1024 * 1024]


def shared_mappings(pid: int) -> List[str]:
    """The wsging body files `pid` has mapped (their names are removed once both mapped them)."""
    with open(f"/proc/{pid}/maps") as maps:
        return sorted({line.split(None, 5)[5].strip() for line in maps
                       if "/dev/shm/wsging-" in line})


def names_left(server: Server) -> List[str]:
    return sorted(p.name for p in SHM.glob(f"wsging-{server.pid}-*"))


def echo_all(server: Server, sizes: List[int], parallel: int) -> None:
    bodies = [os.urandom(size) for size in sizes]

    def one(body: bytes) -> None:
        with httpx.Client(timeout=60) as client:
            response = client.post(server.url + "/echo", content=body)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).digest() == hashlib.sha256(body).digest(), len(body)

    with ThreadPoolExecutor(parallel) as pool:
        for future in [pool.submit(one, body) for body in bodies]:
            future.result()


# Without /dev/shm the server simply sends bodies over the socket; CI machines have it.
pytestmark = pytest.mark.skipif(not SHM.is_dir() and os.environ.get("CI") != "true",
                                reason="no /dev/shm on this system")


@pytest.mark.parametrize("slots", [None, "1", "0"], ids=["default-slots", "one-slot", "off"])
def test_echo_of_every_size_is_intact(start_server, slots) -> None:
    options = [] if slots is None else ["--shared-body-slots", slots]
    server = start_server(options=options)
    (worker,) = server.wait_for_workers(1)
    # One slot shared by eight requests at once forces the fall-back to DATA in between.
    echo_all(server, SIZES * 2, parallel=8)
    if slots == "0":
        assert shared_mappings(worker) == [] and shared_mappings(server.pid) == []
    else:
        mapped = shared_mappings(worker)
        assert len(mapped) == 1 and mapped[0].endswith("(deleted)"), mapped
        assert shared_mappings(server.pid) == mapped
    assert names_left(server) == []


def test_a_replaced_worker_gets_a_fresh_file_and_no_name_is_left(start_server) -> None:
    server = start_server()
    (first,) = server.wait_for_workers(1)
    echo_all(server, [100 * 1024], parallel=1)
    old = shared_mappings(first)
    os.kill(first, 9)
    (second,) = server.wait_for_workers(1, exclude=[first])
    wait_for("the new worker's mapping", lambda: shared_mappings(second) or None, 30)
    echo_all(server, [100 * 1024, 5000], parallel=2)
    assert shared_mappings(second) != old
    assert names_left(server) == []
    assert server.stop() == 0
    assert names_left(server) == []
