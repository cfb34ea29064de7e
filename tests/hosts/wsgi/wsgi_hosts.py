"""Starting WSGI containers (gunicorn, uWSGI, mod_wsgi) on a free port around an application
file of apps/, and waiting until they answer. The containers come from target/venv-hosts
(tests/hosts/requirements.txt); mod_wsgi from target/venv-modwsgi (requirements-modwsgi.txt),
built against the system Python, whose files an unprivileged Apache child can read
(scripts/lib/hosts.sh)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[3]
APPS = Path(__file__).resolve().parent / "apps"
SOURCE = ROOT / "python" / "src"
HOSTS_BIN = ROOT / "target" / "venv-hosts" / "bin"
MODWSGI_BIN = ROOT / "target" / "venv-modwsgi" / "bin"
APACHE = Path("/usr/sbin/apache2")

# host name -> what it needs, for the message when it is missing
NEEDS: Dict[str, List[Path]] = {
    "gunicorn-sync": [HOSTS_BIN / "gunicorn"],
    "gunicorn-gthread": [HOSTS_BIN / "gunicorn"],
    "uwsgi": [HOSTS_BIN / "uwsgi"],
    "mod_wsgi": [MODWSGI_BIN / "mod_wsgi-express", APACHE],
}


def require_host(name: str) -> None:
    """A test without its host fails under CI=true, else skips."""
    missing = [str(path) for path in NEEDS[name] if not path.exists()]
    if missing:
        message = f"{name} is not installed ({', '.join(missing)}; scripts/lib/hosts.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def command(name: str, app_file: str, port: int, server_root: Path) -> List[str]:
    address = f"127.0.0.1:{port}"
    module = app_file[: -len(".py")] + ":application"
    if name.startswith("gunicorn"):
        worker = ["--worker-class", "gthread", "--threads", "4"] if name == "gunicorn-gthread" else []
        return [str(HOSTS_BIN / "gunicorn"), "--bind", address, "--workers", "1", *worker,
                "--chdir", str(APPS), module]
    if name == "uwsgi":
        # --lazy-apps: each worker imports the file (and enters the lifespan) itself;
        # --enable-threads: to_wsgi's private loop thread runs async applications.
        return [str(HOSTS_BIN / "uwsgi"), "--http-socket", address, "--wsgi-file", str(APPS / app_file),
                "--pythonpath", str(APPS), "--master", "--processes", "1", "--threads", "4",
                "--enable-threads", "--lazy-apps", "--http-websockets", "--die-on-term"]
    user = ["--user", "nobody", "--group", "nogroup"] if os.geteuid() == 0 else []
    return [str(MODWSGI_BIN / "mod_wsgi-express"), "start-server", str(APPS / app_file),
            "--host", "127.0.0.1", "--port", str(port), "--python-path", str(SOURCE),
            "--python-path", str(APPS), "--server-root", str(server_root), "--log-to-terminal",
            "--httpd-executable", str(APACHE), "--processes", "1", "--threads", "4",
            "--locale", "C.UTF-8", "--chunked-request", *user]


class Host:
    """One container process group serving `app_file`; its output goes to a log file."""

    def __init__(self, name: str, app_file: str, workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        # mod_wsgi's server root holds files its unprivileged processes read: a directory
        # every user can search, unlike pytest's private ones.
        self.server_root = Path(tempfile.mkdtemp(prefix=f"wsgi-host-{name}-"))
        self.server_root.chmod(0o755)
        self.args = command(name, app_file, self.port, self.server_root)
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Host":
        env = {**os.environ, "PYTHONPATH": f"{SOURCE}:{APPS}"}
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.args, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{self.name} did not answer within {timeout} s:\n{self.log()}")
            time.sleep(0.05)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the container's process group (master and workers), SIGKILL after
        `timeout`."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        try:  # Apache's children outlive a master stopped by a signal for a moment
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._log.close()
        shutil.rmtree(self.server_root, ignore_errors=True)
