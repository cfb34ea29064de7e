"""The ASGI hosts (uvicorn, hypercorn, granian, daphne) serving WSGI-NG applications through
`wsging.asgi.to_asgi`, as real processes from target/venv-hosts (scripts/lib/hosts.sh builds
it from tests/hosts/requirements.txt). Each host listens on a free 127.0.0.1 port; the tests
drive it with real clients (httpx, curl, the websockets library, the h2 library).

A host missing from target/venv-hosts fails its tests under CI=true and skips them elsewhere.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
HOSTS_BIN = ROOT / "target" / "venv-hosts" / "bin"
APPS = Path(__file__).resolve().parent / "apps"
HOSTS = ("uvicorn", "hypercorn", "granian", "daphne")
KINDS = ("async", "sync")
DEFAULT_TEST_TIMEOUT = 120


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TEST_TIMEOUT))


def missing(message: str) -> None:
    """A test without what it needs fails under CI=true, else skips."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_host(name: str) -> Path:
    path = HOSTS_BIN / name
    if not os.access(path, os.X_OK):
        missing(f"{name} is not installed in {HOSTS_BIN.parent} (scripts/lib/hosts.sh builds it)")
    return path


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (scripts/test installs it)")
    assert path is not None
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, written as PEM files."""

    def __init__(self, directory: Path) -> None:
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256())
        )
        self.cert = directory / "cert.pem"
        self.key = directory / "key.pem"
        self.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))


class Host:
    """One host process serving `apps/ng_apps.py`'s `{kind}_asgi`."""

    def __init__(self, name: str, kind: str, directory: Path,
                 certificate: Optional[Certificate] = None) -> None:
        self.name = name
        self.kind = kind
        self.port = free_port()
        self.certificate = certificate
        self.scheme = "https" if certificate else "http"
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.ws_url = f"{'wss' if certificate else 'ws'}://127.0.0.1:{self.port}"
        self.log = directory / f"{name}-{kind}.log"
        self.lifespan_exit = directory / f"{name}-{kind}.lifespan-exit"
        self.process: Optional["subprocess.Popen[bytes]"] = None

    def command(self) -> List[str]:
        exe = str(require_host(self.name))
        app = f"ng_apps:{self.kind}_asgi"
        port = str(self.port)
        cert = self.certificate
        if self.name == "uvicorn":
            tls = ["--ssl-certfile", str(cert.cert), "--ssl-keyfile", str(cert.key)] if cert else []
            return [exe, app, "--host", "127.0.0.1", "--port", port, "--lifespan", "on", *tls]
        if self.name == "hypercorn":
            tls = ["--certfile", str(cert.cert), "--keyfile", str(cert.key)] if cert else []
            return [exe, app, "--bind", f"127.0.0.1:{port}", *tls]
        if self.name == "granian":
            tls = ["--ssl-certificate", str(cert.cert), "--ssl-keyfile", str(cert.key)] if cert else []
            return [exe, "--interface", "asgi", "--host", "127.0.0.1", "--port", port, *tls, app]
        if self.name == "daphne":
            if cert:
                endpoint = f"ssl:{port}:interface=127.0.0.1:privateKey={cert.key}:certKey={cert.cert}"
                return [exe, "-e", endpoint, app]
            return [exe, "-b", "127.0.0.1", "-p", port, app]
        raise ValueError(self.name)

    def start(self, probe: bool = True) -> "Host":
        """Started once it answers GET /caps; with `probe` False, once its port accepts
        connections, so that the application has served no request yet."""
        env = dict(os.environ)
        env["PYTHONPATH"] = f"{ROOT / 'python' / 'src'}{os.pathsep}{APPS}"
        env["WSGING_TEST_LIFESPAN_EXIT"] = str(self.lifespan_exit)
        env.pop("CI", None)
        out = open(self.log, "wb")
        self.process = subprocess.Popen(self.command(), cwd=APPS, env=env, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited at start:\n{self.log_text()}")
            try:
                if probe:
                    httpx.get(self.url + "/caps", timeout=2, verify=False)
                else:
                    socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                return self
            except (httpx.HTTPError, OSError):
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"{self.name} did not answer within 30 s:\n{self.log_text()}")

    def stop(self) -> Optional[int]:
        process = self.process
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
            raise AssertionError(f"{self.name} did not stop within 15 s of SIGTERM")

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15, verify=False, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return Certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def start_host(tmp_path: Path) -> Iterator[Callable[..., Host]]:
    """Starts hosts private to one test; each is stopped at teardown."""
    started: List[Host] = []

    def start(name: str, kind: str = "async", certificate: Optional[Certificate] = None,
              probe: bool = True) -> Host:
        host = Host(name, kind, tmp_path, certificate)
        started.append(host)
        return host.start(probe)

    yield start
    for host in started:
        host.stop()


@pytest.fixture(scope="module", params=[(h, k) for h in HOSTS for k in KINDS],
                ids=[f"{h}-{k}" for h in HOSTS for k in KINDS])
def host(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """Every host with the async and the sync application, over clear-text HTTP/1.1."""
    name, kind = request.param
    require_host(name)
    started = Host(name, kind, tmp_path_factory.mktemp(f"{name}-{kind}")).start()
    yield started
    started.stop()
