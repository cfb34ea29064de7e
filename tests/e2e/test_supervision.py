"""Supervision as an operator sees it: signals to the whole process group, worker replacement
by request count and memory, the interpreter check, log lines, and what a SIGKILLed server
leaves behind. Every test drives the real server (`./wsging serve`)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

import httpx
import pytest

from e2e_server import APPS, LAUNCHER, Server, free_port, port_answers, wait_for

pytestmark = pytest.mark.usefixtures("server_built")

OPS_APP = "ops_app:app"


class GroupServer(Server):
    """A server started in a process group of its own, as a service manager runs it."""

    def start(self, timeout: float = 60) -> "GroupServer":
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.args, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(f"port {self.port} to answer", lambda: self._ready(), timeout)
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log()}")
        return port_answers(self.port)

    def kill_group(self, signum: int) -> None:
        os.killpg(self.pid, signum)


@pytest.fixture
def group_server(tmp_path: Path):
    started: List[GroupServer] = []

    def start(**kwargs: object) -> GroupServer:
        server = GroupServer(tmp_path / f"server-{len(started)}.log", **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server.start()

    yield start
    for server in started:
        if server.process is not None and server.process.poll() is None:
            try:
                server.kill_group(signal.SIGKILL)
            except ProcessLookupError:
                pass
            server.wait(10)


def test_sigterm_to_the_process_group_lets_in_flight_requests_finish(group_server) -> None:
    server = group_server(app=OPS_APP, options=["--graceful-timeout", "20"])
    workers = server.wait_for_workers(1)
    outcomes: Dict[int, object] = {}

    def slow(i: int) -> None:
        try:
            outcomes[i] = httpx.get(server.url + "/slow?ms=3000", timeout=30)
        except httpx.HTTPError as error:
            outcomes[i] = error

    clients = [threading.Thread(target=slow, args=(i,), daemon=True) for i in range(4)]
    for client in clients:
        client.start()
    wait_for("the slow requests to reach the worker",
             lambda: httpx.get(server.url + "/inflight", timeout=10).text == "4", timeout=15)

    server.kill_group(signal.SIGTERM)  # what systemd, `timeout` and `kill -- -PGID` send

    for client in clients:
        client.join(30)
    for i, outcome in outcomes.items():
        assert isinstance(outcome, httpx.Response) and outcome.status_code == 200, (i, outcome, server.log())
        assert outcome.text.startswith("slept "), outcome.text
    assert len(outcomes) == 4
    assert server.wait(30) == 0, server.log()
    log = server.log()
    assert "restarting" not in log and "exited with signal" not in log, log
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "wsging.worker" not in Path(f"/proc/{pid}/cmdline").read_text()


def test_a_worker_killed_during_shutdown_is_not_restarted(group_server) -> None:
    server = group_server(app=OPS_APP, options=["--graceful-timeout", "20"])
    (worker,) = server.wait_for_workers(1)
    done: Dict[str, object] = {}
    client = threading.Thread(target=lambda: done.update(
        r=_get(server.url + "/slow?ms=3000")), daemon=True)
    client.start()
    wait_for("the slow request", lambda: httpx.get(server.url + "/inflight", timeout=10).text == "1", timeout=15)
    server.signal(signal.SIGTERM)
    wait_for("shutdown to begin", lambda: "shutting down" in server.log(), timeout=10)
    os.kill(worker, signal.SIGKILL)
    assert server.wait(30) == 0, server.log()
    client.join(10)
    log = server.log()
    assert "restarting" not in log, log


def _get(url: str) -> object:
    try:
        return httpx.get(url, timeout=30)
    except httpx.HTTPError as error:
        return error


def test_max_requests_replaces_workers_without_a_failed_request(start_server) -> None:
    server = start_server(app=OPS_APP, options=["--max-requests", "25", "--max-requests-jitter", "5"])
    (first,) = server.wait_for_workers(1)
    seen: Dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def load() -> int:
        count = 0
        with httpx.Client(timeout=30) as client:
            while not stop.is_set() and count < 5000:
                response = client.get(server.url + "/pid")
                assert response.status_code == 200, (response.status_code, response.text)
                with lock:
                    seen[response.text] = seen.get(response.text, 0) + 1
                count += 1
        return count

    with ThreadPoolExecutor(8) as pool:
        clients = [pool.submit(load) for _ in range(8)]
        try:
            # A replacement takes over once it is up; the old worker serves until then.
            wait_for("three workers to have served", lambda: len(seen) >= 3, timeout=60)
        finally:
            stop.set()
        total = sum(client.result() for client in clients)  # raises if any request failed
    assert total == sum(seen.values())
    assert str(first) in seen
    log = server.log()
    limits = re.findall(r"^wsging: worker 1 \(pid \d+\) served (\d+) requests; replacing it", log, re.M)
    assert len(limits) >= 2 and all(25 <= int(n) <= 30 for n in limits), log
    assert "restarting" not in log and "exited with" not in log, log
    # The replaced workers exit once drained; the replacement of the last one may be starting.
    wait_for("the replaced workers to exit", lambda: len(server.worker_pids()) <= 2, timeout=20)


def test_worker_memory_ceiling_replaces_a_leaking_worker(start_server) -> None:
    server = start_server(app=OPS_APP, options=["--worker-max-memory", "150"])
    (leaky,) = server.wait_for_workers(1)
    slow = ThreadPoolExecutor(1).submit(_get, server.url + "/slow?ms=2500")
    wait_for("the slow request", lambda: httpx.get(server.url + "/inflight", timeout=10).text == "1", timeout=15)
    assert httpx.get(server.url + "/leak?mb=200", timeout=30).text == str(leaky)

    (replacement,) = server.wait_for_workers(1, exclude=[leaky], timeout=20)
    wait_for("new requests to reach the replacement",
             lambda: httpx.get(server.url + "/pid", timeout=10).text == str(replacement), timeout=20)
    # The leaking worker finished the request it had before it exited.
    answer = slow.result(30)
    assert isinstance(answer, httpx.Response) and answer.text == f"slept {leaky}", answer
    wait_for("the leaking worker to exit", lambda: leaky not in server.worker_pids(), timeout=20)
    log = server.log()
    assert re.search(rf"^wsging: worker 1 \(pid {leaky}\) uses \d+ MB of memory, above the 150 MB ceiling; "
                     r"replacing it", log, re.M), log
    assert "restarting" not in log, log


def old_python(tmp_path: Path) -> Path:
    """Python 3.8 when pyenv has one; else a stand-in that answers the version question as 3.8
    does and fails like an old interpreter on anything else."""
    for candidate in sorted(Path("/root/.pyenv/versions").glob("3.8.*/bin/python")):
        if os.access(candidate, os.X_OK):
            return candidate
    fake = tmp_path / "python3.8"
    fake.write_text("#!/bin/sh\ncase \"$*\" in *version_info*) printf 3.8.18;; *) echo 'SyntaxError' >&2; exit 1;; esac\n")
    fake.chmod(0o755)
    return fake


def test_an_interpreter_older_than_3_9_is_one_clear_line(tmp_path: Path) -> None:
    python = old_python(tmp_path)
    done = subprocess.run([str(LAUNCHER), "serve", OPS_APP, "--app-dir", str(APPS), "--bind",
                           f"127.0.0.1:{free_port()}", "--python", str(python)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(rf"wsging: error: {re.escape(str(python))} is Python 3\.8\.\d+; "
                        r"the workers need Python 3\.9 or newer \(pass another with --python\)", lines[0]), lines[0]


def test_supervision_lines_have_one_prefix_and_one_format(start_server) -> None:
    server = start_server(app=OPS_APP)
    worker = int(httpx.get(server.url + "/pid", timeout=30).text)  # up and serving
    os.kill(worker, signal.SIGKILL)
    server.wait_for_workers(1, exclude=[worker])
    wait_for("the restart line", lambda: "restarting" in server.log(), timeout=10)
    assert httpx.get(server.url + "/raise", timeout=30).status_code == 500
    wait_for("the application error line", lambda: "ops-app-failure" in server.log(), timeout=10)
    log = server.log()
    assert f"wsging: worker 1 (pid {worker}) exited with signal 9; restarting\n" in log, log
    assert "wsging: wsging:" not in log, log
    # The worker's lines have the server's format: the error line, then its traceback.
    assert re.search(r"^wsging: error: worker 1: .*\n(?:.*\n)*?RuntimeError: ops-app-failure$", log, re.M), log
    assert not re.search(r"^\d{4}-\d\d-\d\d ", log, re.M), "a line in another format"


def test_a_startup_error_from_the_worker_has_the_error_prefix() -> None:
    done = subprocess.run([str(LAUNCHER), "serve", "no_such_module_xyz:app", "--app-dir", str(APPS),
                           "--bind", f"127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("wsging: error: ") and "no_such_module_xyz" in lines[0], lines


def link_directories(pid: int) -> List[Path]:
    # The JVM's java.io.tmpdir: /tmp on Linux whatever TMPDIR says.
    return sorted(Path("/tmp").glob(f"wsging-{pid}-*"))


def test_a_sigkilled_servers_link_directory_is_removed_by_the_next_server(start_server, tmp_path: Path) -> None:
    killed = GroupServer(tmp_path / "killed.log", app=OPS_APP).start()
    worker = int(httpx.get(killed.url + "/pid", timeout=30).text)
    left = link_directories(killed.pid)
    assert len(left) == 1 and (left[0] / "link.sock").exists(), left
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(10)
    wait_for("the orphaned worker to exit (its link is gone)", lambda: not Path(f"/proc/{worker}").exists()
             or "wsging.worker" not in Path(f"/proc/{worker}/cmdline").read_text(errors="replace"), timeout=20)
    assert left[0].exists(), "SIGKILL leaves the directory behind"

    server = start_server(app=OPS_APP)
    httpx.get(server.url + "/pid", timeout=30)  # its workers are up: its link socket is bound
    assert not left[0].exists(), f"{left[0]} was not cleaned up by the next server"
    assert len(link_directories(server.pid)) == 1, "the running server's own directory stays"


def test_a_ceiling_below_a_fresh_workers_memory_is_said_once_not_replaced_forever(start_server) -> None:
    server = start_server(app=OPS_APP, options=["--worker-max-memory", "1"])
    first = int(httpx.get(server.url + "/pid", timeout=30).text)
    wait_for("the warning", lambda: "once started, above the 1 MB ceiling" in server.log(), timeout=10)
    # Several memory checks later, the same worker still serves.
    for _ in range(3):
        assert int(httpx.get(server.url + "/slow?ms=1000", timeout=30).text.split()[1]) == first
    log = server.log()
    assert re.search(rf"^wsging: worker 1 \(pid {first}\) uses \d+ MB once started, above the 1 MB ceiling: "
                     r"it is not replaced for its memory \(raise --worker-max-memory\)$", log, re.M), log
    assert "replacing it" not in log, log
