"""How each host serves the conformance application: one entry per host, so a new host is one
more entry. Every host runs one application process (the kit reads back, in a later request,
what an earlier one recorded) on a free 127.0.0.1 port, and is stopped with SIGTERM.

WSGI containers serve apps/conformance_wsgi.py (`to_wsgi`; uWSGI apps/conformance_uwsgi.py,
`to_uwsgi`), ASGI servers apps/conformance_asgi.py (`to_asgi`); all import `wsging` from
python/src."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
HOSTS_VENV = ROOT / "target" / "venv-hosts"
HOSTS_BIN = HOSTS_VENV / "bin"
WORK = ROOT / "target" / "conformance"

# mod_wsgi gets a virtualenv of its own, on the system's Python (scripts/lib/hosts.sh):
# Apache's children run as nobody when started by root, and cannot read a Python under /root.
MOD_WSGI_EXPRESS = ROOT / "target" / "venv-modwsgi" / "bin" / "mod_wsgi-express"

Command = Callable[[int, Path], List[str]]


class Host(NamedTuple):
    name: str
    interface: str  # "wsging", "wsgi" (to_wsgi, to_uwsgi) or "asgi" (to_asgi)
    executable: Path  # what must exist for the host to run
    command: Command  # argv for a port and a scratch directory
    note: str  # how it is run, for docs/conformance.md


def _bin(name: str) -> Path:
    return HOSTS_BIN / name


def _mod_wsgi_user() -> List[str]:
    """Apache refuses to serve as root: its children and the daemon process then run as
    nobody (python/src and the apps must be readable by all, as they are in a checkout)."""
    return ["--user", "nobody", "--group", "nogroup"] if os.geteuid() == 0 else []


HOSTS: List[Host] = [
    Host("wsging", "wsging", ROOT / "wsging",
         lambda port, work: [str(ROOT / "wsging"), "serve", "wsging.conformance.app:app",
                             "--bind", f"127.0.0.1:{port}", "--app-dir", str(APPS)],
         "`./wsging serve wsging.conformance.app:app`"),
    Host("gunicorn", "wsgi", _bin("gunicorn"),
         lambda port, work: [str(_bin("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--chdir", str(APPS), "conformance_wsgi:application"],
         "gunicorn, sync worker, `to_wsgi`"),
    Host("gunicorn-gthread", "wsgi", _bin("gunicorn"),
         lambda port, work: [str(_bin("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--worker-class", "gthread", "--threads", "4",
                             "--chdir", str(APPS), "conformance_wsgi:application"],
         "gunicorn, gthread worker (4 threads), `to_wsgi`"),
    Host("uwsgi", "wsgi", _bin("uwsgi"),
         lambda port, work: [str(_bin("uwsgi")), "--http-socket", f"127.0.0.1:{port}",
                             "--wsgi-file", str(APPS / "conformance_uwsgi.py"), "--processes", "1",
                             "--threads", "4", "--enable-threads", "--need-app", "--die-on-term",
                             "--master", "--http-keepalive", "--http-websockets"],
         "`uwsgi --http-socket --http-websockets` (1 process, 4 threads), `to_uwsgi`"),
    Host("mod_wsgi", "wsgi", MOD_WSGI_EXPRESS,
         lambda port, work: [str(MOD_WSGI_EXPRESS), "start-server",
                             str(APPS / "conformance_wsgi.py"), "--host", "127.0.0.1",
                             "--port", str(port), "--processes", "1", "--threads", "5",
                             "--server-root", str(work / "mod_wsgi"),
                             "--python-path", str(package_source()),
                             "--chunked-request", "--include-file", str(APPS / "mod_wsgi.conf"),
                             "--log-to-terminal", *_mod_wsgi_user()],
         "`mod_wsgi-express start-server` (1 process, 5 threads), `to_wsgi`"),
    Host("uvicorn", "asgi", _bin("uvicorn"),
         lambda port, work: [str(_bin("uvicorn")), "--host", "127.0.0.1", "--port", str(port),
                             "--app-dir", str(APPS), "--lifespan", "on", "--ws", "wsproto",
                             "conformance_asgi:application"],
         "uvicorn (wsproto for WebSocket), `to_asgi`"),
    Host("hypercorn", "asgi", _bin("hypercorn"),
         lambda port, work: [str(_bin("hypercorn")), "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "conformance_asgi:application"],
         "hypercorn, `to_asgi`"),
    Host("granian", "asgi", _bin("granian"),
         lambda port, work: [str(_bin("granian")), "--interface", "asgi", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1", "--working-dir", str(APPS),
                             "conformance_asgi:application"],
         "granian `--interface asgi`, `to_asgi`"),
    Host("daphne", "asgi", _bin("daphne"),
         lambda port, work: [str(_bin("daphne")), "-b", "127.0.0.1", "-p", str(port),
                             "conformance_asgi:application"],
         "daphne, `to_asgi`"),
]

BY_NAME: Dict[str, Host] = {host.name: host for host in HOSTS}


class HostUnavailable(Exception):
    """The host cannot be run here; the message says why (it is that host's result)."""


def kit_python() -> str:
    """The interpreter that runs the kit: the hosts' virtualenv has h2, for the HTTP/2 rows."""
    candidate = HOSTS_BIN / "python"
    return str(candidate) if candidate.exists() else sys.executable


def unavailable_reason(host: Host) -> Optional[str]:
    if not host.executable.exists():
        return f"{host.executable} is not installed (scripts/conformance installs it)"
    return None


def package_source() -> Path:
    """Where the hosts import `wsging` from: python/src, or the directory named by
    WSGING_CONFORMANCE_SOURCE (to grade another copy of the package)."""
    return Path(os.environ.get("WSGING_CONFORMANCE_SOURCE") or ROOT / "python" / "src")


def host_env() -> Dict[str, str]:
    env = dict(os.environ)
    paths = [str(package_source()), str(APPS)]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class RunningHost:
    """A host process serving the conformance application; a context manager."""

    def __init__(self, host: Host, log_path: Path, timeout: float = 90) -> None:
        self.host = host
        self.port = free_port()
        self.work = WORK / f"{host.name}-{self.port}"
        self.work.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.timeout = timeout
        self.process: Optional["subprocess.Popen[bytes]"] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "RunningHost":
        reason = unavailable_reason(self.host)
        if reason is not None:
            raise HostUnavailable(reason)
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self.host.command(self.port, self.work), cwd=str(self.work), env=host_env(),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.timeout
        while not _answers(self.port):
            if self.process.poll() is not None:
                self._cleanup()
                raise HostUnavailable(f"{self.host.name} exited with status {self.process.returncode} before serving")
            if time.monotonic() > deadline:
                self.__exit__()
                raise HostUnavailable(f"{self.host.name} did not listen within {self.timeout:.0f} s")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc_info: object) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            # The whole session: Apache, uWSGI's master and gunicorn's arbiter have children.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
