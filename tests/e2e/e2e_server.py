"""Starting and observing the real server (`./wsging serve`) and its worker processes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, List, Mapping, Optional, Sequence, TypeVar, Union

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "wsging"
APPS = Path(__file__).resolve().parent / "apps"
# The test environment's interpreter, which has Flask and Django: the apps that import them are
# served with `--python` pointing at it, as their users do with their own virtualenv (the
# default worker interpreter, .venv, has none of them).
FRAMEWORKS_PYTHON = sys.executable

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], Optional[T]], timeout: float, interval: float = 0.05) -> T:
    """Polls `probe` until it returns something other than None or False; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def children(pid: int) -> List[int]:
    """Direct children of a process, from /proc (every thread's list: the JVM forks from many)."""
    found: List[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found.extend(int(child) for child in listing.read().split())
        except FileNotFoundError:
            continue
    return sorted(set(found))


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as raw:
            return raw.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def status_kib(pid: int, field: str) -> int:
    """A `VmRSS`/`VmHWM`-style line of /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no {field}")


class PeakMemory:
    """Peak resident memory of one process over a block, relative to its resident size at entry.

    The kernel's high-water mark (VmHWM) is reset at entry by writing 5 to clear_refs (Linux
    4.0+), so an earlier, larger peak cannot hide growth inside the block.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.growth_mib = 0.0

    def __enter__(self) -> "PeakMemory":
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as clear:
                clear.write("5")
        except OSError:
            pass  # not permitted: VmHWM then starts from the older peak, which only makes us stricter
        self.start_kib = status_kib(self.pid, "VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth_mib = (status_kib(self.pid, "VmHWM") - self.start_kib) / 1024


class Server:
    """One `./wsging serve` process on a free 127.0.0.1 port, with its output in a log file."""

    def __init__(
        self,
        log_path: Path,
        app: str = "e2e_app:app",
        options: Sequence[str] = (),
        app_dir: Union[str, Path, None] = APPS,
        cwd: Path = ROOT,
        launcher: str = str(LAUNCHER),
        env: Optional[Mapping[str, str]] = None,
        python: Optional[str] = None,
    ) -> None:
        self.port = free_port()
        # Extra environment for the server and, through it, its workers (and so the app).
        self.env = None if env is None else {**os.environ, **env}
        self.log_path = log_path
        args = [launcher, "serve", app, "--bind", f"127.0.0.1:{self.port}", *options]
        if app_dir is not None:
            args += ["--app-dir", str(app_dir)]
        if python is not None:
            args += ["--python", python]
        self.args = args
        self.cwd = cwd
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid  # the launcher execs java, so this is the server itself

    def start(self, timeout: float = 60) -> "Server":
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self.args, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT,
        )

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log()}")
            return port_answers(self.port)

        wait_for(f"port {self.port} to answer", ready, timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]

    def worker_pids(self) -> List[int]:
        return [child for child in children(self.pid) if "wsging.worker" in cmdline(child)]

    def wait_for_workers(self, count: int, exclude: Sequence[int] = (), timeout: float = 30) -> List[int]:
        """Waits until `count` workers run, none of them in `exclude` (replaced ones)."""

        def ready() -> Optional[List[int]]:
            pids = [pid for pid in self.worker_pids() if pid not in exclude]
            return pids if len(pids) >= count else None

        return wait_for(f"{count} worker process(es)", ready, timeout)

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.returncode is not None:
                self._log.close()

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit status; kills the server and its workers if it does not exit."""
        assert self.process is not None
        if self.process.poll() is None:
            workers = self.worker_pids()
            self.signal(signal.SIGTERM)
            try:
                return self.wait(timeout)
            except subprocess.TimeoutExpired:
                for pid in [self.pid, *workers]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.wait(10)
                raise AssertionError(f"server did not exit {timeout} s after SIGTERM:\n{self.log()}")
        return self.process.returncode


def stop_cleanly(server: Server) -> None:
    """Stops a fixture's server; a server that does not exit 0 after SIGTERM fails the test."""
    status = server.stop()
    assert status == 0, f"server exited with {status} after SIGTERM:\n{server.log()}"
