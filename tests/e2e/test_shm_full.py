"""/dev/shm filling up after the server started (issue: "Under attack and faults", item 5).

/dev/shm is world-writable and often small (64 MB in a container): anyone can fill it. The
shared body memory file is sparse, so a page of it gets memory only when a body first passes
through; on a full tmpfs that first store is a SIGBUS, which killed the worker and made the JVM
throw InternalError for every body of 8 KiB or more. Each test runs the server in a private
mount namespace with a 2 MB tmpfs at /dev/shm, fills that tmpfs after start-up, and checks that
large bodies still come back intact both ways and that no worker died.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

import httpx
import pytest

from e2e_server import LAUNCHER, Server, wait_for

SIZES = [8 * 1024, 20 * 1000, 64 * 1024, 64 * 1024 + 1, 300 * 1000, 1024 * 1024]


def private_shm_launcher(tmp_path: Path) -> str:
    """A launcher that runs ./wsging in a new mount namespace with a 2 MB tmpfs at /dev/shm.
    unshare and the shell exec, so the server keeps the launcher's pid."""
    missing = [tool for tool in ("unshare", "nsenter", "mount") if shutil.which(tool) is None]
    problem = None
    if missing:
        problem = f"{', '.join(missing)} not installed"
    elif os.geteuid() != 0:
        problem = "a private mount namespace needs root"
    else:
        probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
        if probe.returncode != 0:
            problem = f"unshare -m is not permitted here: {probe.stderr.decode(errors='replace').strip()}"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    script = tmp_path / "wsging-small-shm"
    script.write_text(
        "#!/bin/sh\n"
        "exec unshare -m --propagation private sh -c "
        "'mount -t tmpfs -o size=2m,mode=1777 tmpfs /dev/shm && exec \"$0\" \"$@\"' "
        f"{LAUNCHER} \"$@\"\n"
    )
    script.chmod(0o755)
    return str(script)


def in_namespace(server: Server, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nsenter", "-t", str(server.pid), "-m", "--", *command],
                          capture_output=True, timeout=30)


def shared_mappings(pid: int) -> List[str]:
    with open(f"/proc/{pid}/maps") as maps:
        return sorted({line.split(None, 5)[5].strip() for line in maps if "/dev/shm/wsging-" in line})


def fill_shm(server: Server) -> None:
    in_namespace(server, "sh", "-c", "cat /dev/zero > /dev/shm/filler")  # ends with ENOSPC
    df = in_namespace(server, "df", "-k", "/dev/shm").stdout.decode()
    available_kib = int(df.splitlines()[-1].split()[3])
    assert available_kib == 0, df


def check_echo(server: Server, sizes: List[int], parallel: int) -> None:
    bodies = [os.urandom(size) for size in sizes]

    def one(body: bytes) -> None:
        with httpx.Client(timeout=60) as client:
            echoed = client.post(server.url + "/echo", content=body)
            digest = client.post(server.url + "/sha256", content=body)
        assert echoed.status_code == 200, (len(body), echoed.status_code, echoed.text[:200])
        assert hashlib.sha256(echoed.content).digest() == hashlib.sha256(body).digest(), len(body)
        assert digest.text == f"{hashlib.sha256(body).hexdigest()} {len(body)}", digest.text

    with ThreadPoolExecutor(parallel) as pool:
        for future in [pool.submit(one, body) for body in bodies]:
            future.result()


def test_large_bodies_still_work_once_dev_shm_is_full(start_server, tmp_path: Path) -> None:
    # Four slots each way: the file (512 KiB) fits the 2 MB tmpfs with the room the server
    # wants to spare, and the fill leaves every slot without pages.
    server = start_server(launcher=private_shm_launcher(tmp_path), options=["--shared-body-slots", "4"])
    (worker,) = server.wait_for_workers(1)
    wait_for("the worker to map the body file", lambda: len(shared_mappings(worker)) == 1, timeout=20)

    fill_shm(server)
    check_echo(server, SIZES * 3, parallel=4)

    assert server.worker_pids() == [worker], server.log()
    log = server.log()
    assert "exited with" not in log and "InternalError" not in log, log
    assert "bodies go through the link socket" in log, log


def test_slots_used_before_the_fill_keep_working(start_server, tmp_path: Path) -> None:
    server = start_server(launcher=private_shm_launcher(tmp_path), options=["--shared-body-slots", "4"])
    (worker,) = server.wait_for_workers(1)
    check_echo(server, SIZES, parallel=4)  # reserves (and uses) the slots while there is room

    fill_shm(server)
    check_echo(server, SIZES * 3, parallel=4)

    assert server.worker_pids() == [worker], server.log()
    assert "exited with" not in server.log(), server.log()
