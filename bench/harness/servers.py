"""How each server under test is started, found and stopped.

Every server runs in a session of its own (so one signal reaches its whole process group), with
the benchmark apps' directory as working directory and on PYTHONPATH, bound to 127.0.0.1 on a
free port. Stopping sends SIGTERM to the group, then SIGKILL to the group and to any process of
the tree that left it; `stop_all` does this for whatever is still running when the harness ends,
fails or is interrupted.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from harness import procstats
from harness.certificate import Certificate, client_context

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BENCH_DIR.parent
APPS_DIR = BENCH_DIR / "apps"
VENV_BIN = BENCH_DIR / ".venv" / "bin"
DEFAULT_JAVA_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
SERVER_JAR = REPO_DIR / "server" / "target" / "wsging-server.jar"
HYPERCORN_CONFIG = Path(__file__).resolve().parent / "hypercorn.toml"
GUNICORN_THREADS = 8
HELLO = b"Hello, world!"


class ServerError(RuntimeError):
    """A server did not start, did not answer, or exited early."""


@dataclass(frozen=True)
class ServerSpec:
    """One server configuration under test; `argv(workers, port)` is its command line."""

    key: str
    name: str
    interface: str
    argv: Callable[[int, int], List[str]]
    is_wsging: bool = False
    extra_env: Dict[str, str] = field(default_factory=dict)
    # The options that make it serve TLS with a certificate; None: not measured over TLS here.
    tls_options: Optional[Callable[[Certificate], List[str]]] = None
    certificate: Optional[Certificate] = None  # set by `secured`: this start serves TLS
    # The command line serving another ASGI app (MODULE:ATTR in bench/apps), for an ASGI server.
    asgi_argv: Optional[Callable[[str], Callable[[int, int], List[str]]]] = None


# ---------------------------------------------------------------- command lines


def java_home() -> Path:
    return Path(os.environ.get("JAVA_HOME") or DEFAULT_JAVA_HOME)


def wsging_base() -> List[str]:
    """The documented launcher when it exists: it builds the jar when missing or stale, or runs
    the jar named by $BENCH_WSGING_JAR (to measure a given build); else that jar or the built
    one, run directly."""
    chosen = os.environ.get("BENCH_WSGING_JAR")
    launcher = REPO_DIR / "wsging"
    if launcher.is_file() and os.access(launcher, os.X_OK):
        if chosen:
            # The launcher runs that jar with its usual JVM flags instead of building.
            os.environ["WSGING_JAR"] = chosen
        return [str(launcher)]
    if chosen:
        return [str(java_home() / "bin" / "java"), "-jar", chosen]
    return [str(java_home() / "bin" / "java"), "-jar", str(SERVER_JAR)]


WSGING_APP = "wsging_app:app"


def _wsging(ceiling: bool, app: str = WSGING_APP, inline_sync: bool = False) -> Callable[[int, int], List[str]]:
    def argv(workers: int, port: int) -> List[str]:
        return wsging_base() + [
            "serve", app, "--app-dir", str(APPS_DIR),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--python", str(VENV_BIN / "python"),
        ] + (["--ceiling"] if ceiling else []) + (["--inline-sync"] if inline_sync else [])
    return argv


def _wsging_tls(certificate: Certificate) -> List[str]:
    return ["--certfile", str(certificate.cert), "--keyfile", str(certificate.key)]


def _granian_tls(certificate: Certificate) -> List[str]:
    return ["--ssl-certificate", str(certificate.cert), "--ssl-keyfile", str(certificate.key)]


def _uvicorn_tls(certificate: Certificate) -> List[str]:
    return ["--ssl-certfile", str(certificate.cert), "--ssl-keyfile", str(certificate.key)]


def _granian(interface: str, module: str) -> Callable[[int, int], List[str]]:
    def argv(workers: int, port: int) -> List[str]:
        return [str(VENV_BIN / "granian"), "--interface", interface, "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--loop", "uvloop",
                "--log-level", "warning", "--working-dir", str(APPS_DIR), f"{module}:app"]
    return argv


def _uvicorn_serving(app: str) -> Callable[[int, int], List[str]]:
    def argv(workers: int, port: int) -> List[str]:
        return [str(VENV_BIN / "uvicorn"), app, "--app-dir", str(APPS_DIR),
                "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--loop", "uvloop", "--http", "httptools", "--ws", "websockets",
                "--no-access-log", "--log-level", "warning"]
    return argv


_uvicorn = _uvicorn_serving("asgi_app:app")


def _granian_asgi_serving(app: str) -> Callable[[int, int], List[str]]:
    return _granian("asgi", app.split(":")[0])


def _hypercorn(workers: int, port: int) -> List[str]:
    return [str(VENV_BIN / "hypercorn"), "--config", str(HYPERCORN_CONFIG),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "uvloop", "--log-level", "warning", "asgi_app:app"]


def _gunicorn(workers: int, port: int) -> List[str]:
    return [str(VENV_BIN / "gunicorn"), "--worker-class", "gthread",
            "--threads", str(GUNICORN_THREADS), "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", "--chdir", str(APPS_DIR),
            "--log-level", "warning", "wsgi_app:app"]


SPECS: Dict[str, ServerSpec] = {spec.key: spec for spec in [
    ServerSpec("wsging", "wsging", "WSGI-NG", _wsging(ceiling=False), is_wsging=True,
               tls_options=_wsging_tls),
    ServerSpec("wsging-ceiling", "wsging --ceiling", "Java only, no Python",
               _wsging(ceiling=True), is_wsging=True),
    # Sync applications called on the worker's loop thread while they are fast (off by default:
    # see --inline-sync in `wsging serve --help`); measured on the rows served by a sync app.
    ServerSpec("wsging-inline", "wsging --inline-sync", "WSGI-NG, sync calls inline",
               _wsging(ceiling=False, inline_sync=True), is_wsging=True),
    ServerSpec("granian-rsgi", "granian", "RSGI", _granian("rsgi", "rsgi_app"),
               tls_options=_granian_tls),
    ServerSpec("granian-asgi", "granian", "ASGI", _granian("asgi", "asgi_app"),
               asgi_argv=_granian_asgi_serving),
    ServerSpec("granian-wsgi", "granian", "WSGI", _granian("wsgi", "wsgi_app")),
    ServerSpec("uvicorn", "uvicorn", "ASGI, uvloop + httptools", _uvicorn,
               tls_options=_uvicorn_tls, asgi_argv=_uvicorn_serving),
    ServerSpec("hypercorn", "hypercorn", "ASGI, uvloop", _hypercorn),
    ServerSpec("gunicorn", "gunicorn", f"WSGI, gthread x{GUNICORN_THREADS}", _gunicorn),
]}


def serving(spec: ServerSpec, app: str) -> ServerSpec:
    """A server spec that serves `app` (MODULE:ATTR in bench/apps) instead of its benchmark app:
    how wsging runs a row written for another interface, through a shim, and how an ASGI
    server runs a row's framework app (the FastAPI rows)."""
    if not spec.is_wsging:
        if spec.asgi_argv is None:
            raise ValueError(f"{spec.key} serves its own app; it cannot serve {app}")
        return replace(spec, argv=spec.asgi_argv(app))
    return replace(spec, argv=_wsging(ceiling=spec.key == "wsging-ceiling", app=app,
                                      inline_sync=spec.key == "wsging-inline"))


def secured(spec: ServerSpec, certificate: Certificate) -> ServerSpec:
    """The same server serving TLS only, with `certificate`, on its port."""
    tls_options = spec.tls_options
    if tls_options is None:
        raise ValueError(f"{spec.key} is not measured over TLS")
    plain = spec.argv

    def argv(workers: int, port: int) -> List[str]:
        return plain(workers, port) + tls_options(certificate)

    return replace(spec, argv=argv, certificate=certificate)


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, timeout_s: float,
         context: Optional[ssl.SSLContext]) -> Tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s) \
        if context is None else \
        http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout_s, context=context)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


_running: List["RunningServer"] = []


class RunningServer:
    def __init__(self, spec: ServerSpec, workers: int, log_path: Path, env: Dict[str, str]) -> None:
        self.spec = spec
        self.workers = workers
        self.port = free_port()
        self.log_path = log_path
        argv = spec.argv(workers, self.port)
        full_env = dict(os.environ, **env, **spec.extra_env)
        full_env["PYTHONPATH"] = str(APPS_DIR)
        full_env.setdefault("JAVA_HOME", str(java_home()))
        full_env["WSGING_HOME"] = str(REPO_DIR)
        with log_path.open("ab") as log:
            log.write(("$ " + " ".join(argv) + "\n").encode())
            log.flush()
            self.process = subprocess.Popen(argv, cwd=APPS_DIR, env=full_env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        _running.append(self)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def tls(self) -> bool:
        return self.spec.certificate is not None

    def url(self, path: str, scheme: Optional[str] = None) -> str:
        """The URL of `path`: http or https as this start serves, or the scheme given."""
        chosen = scheme or ("https" if self.tls else "http")
        return f"{chosen}://127.0.0.1:{self.port}{path}"

    def client_context(self, alpn: Tuple[str, ...] = ("http/1.1",)) -> Optional[ssl.SSLContext]:
        """A TLS client context trusting this start's certificate, or None on cleartext."""
        certificate = self.spec.certificate
        return None if certificate is None else client_context(certificate, alpn)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout_s: float) -> float:
        """Polls GET /plaintext (over HTTP/1.1, with TLS on a TLS start) until it answers
        "Hello, world!"; returns the seconds it took."""
        context = self.client_context()
        started = time.monotonic()
        deadline = started + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.spec.key} exited with {self.process.returncode} while "
                                  f"starting (log: {self.log_path.name})\n{self.log_tail()}")
            try:
                status, body = _get(self.port, "/plaintext", 2.0, context)
                if status == 200 and body == HELLO:
                    return time.monotonic() - started
                last = f"status {status}, body {body[:60]!r}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.1)
        raise ServerError(f"{self.spec.key} was not ready within {timeout_s:.0f}s, last: {last} "
                          f"(log: {self.log_path.name})\n{self.log_tail()}")

    def stop(self, grace_s: float = 10.0) -> None:
        if self in _running:
            _running.remove(self)
        tree = procstats.tree_of(self.pid)
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(self.pid, signal.SIGKILL)
        for pid in tree:  # descendants that started a session of their own
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    for server in list(_running):
        server.stop(grace_s=3.0)
