"""HTTP/2 over TLS: ALPN picks h2 for clients that offer it, on the port HTTP/1.1 over TLS uses.

Driven by curl, httpx (HTTP/2 extra), nghttp, h2load and openssl s_client; the app
(apps/tls_app.py) echoes `request.tls` as JSON, serves a file and streams large bodies.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import ssl
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from conftest import require_tool
from e2e_server import Server, stop_cleanly
from tls_certs import TestPki

FILE_SIZE = 3 * 1024 * 1024 + 77  # many DATA frames and TLS records, and an odd tail


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "big.bin"
    path.write_bytes(os.urandom(FILE_SIZE))
    return path


@pytest.fixture(scope="module")
def server(server_built: None, pki: TestPki, big_file: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("tls-h2") / "server.log", app="tls_app:app",
               options=pki.server_options("--ca-certs", str(pki.ca.cert_path), "--cert-reqs", "optional"),
               env={"WSGING_E2E_FILE": str(big_file)}).start()
    yield s
    stop_cleanly(s)


def https(server: Server, path: str = "/tls") -> str:
    return f"https://localhost:{server.port}{path}"


def trusting(pki: TestPki) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki.ca.cert_path))


def curl(pki: TestPki, *args: str) -> subprocess.CompletedProcess:
    """curl over TLS trusting the test CA; stdout ends with a line holding the HTTP version."""
    return subprocess.run([require_tool("curl"), "-sS", "--cacert", str(pki.ca.cert_path),
                           "-w", "\\n%{http_version}", *args], capture_output=True, timeout=60)


def test_curl_over_tls_gets_http2_by_alpn(server: Server, pki: TestPki) -> None:
    done = curl(pki, "-v", "--http2", https(server))
    assert done.returncode == 0, done.stderr.decode()
    assert "ALPN: server accepted h2" in done.stderr.decode()
    body, version = done.stdout.decode().rsplit("\n", 1)
    assert version == "2"
    seen = json.loads(body)
    assert seen["scheme"] == "https"
    assert seen["tls"]["alpn_protocol"] == "h2"
    assert seen["tls"]["version"] == "TLSv1.3"
    assert seen["tls"]["server_name"] == "localhost"


def test_curl_asking_for_http11_still_gets_it_on_the_same_port(server: Server, pki: TestPki) -> None:
    done = curl(pki, "--http1.1", https(server))
    assert done.returncode == 0, done.stderr.decode()
    body, version = done.stdout.decode().rsplit("\n", 1)
    assert version == "1.1"
    assert json.loads(body)["tls"]["alpn_protocol"] == "http/1.1"


def test_httpx_with_http2_sees_the_tls_facts(server: Server, pki: TestPki) -> None:
    with httpx.Client(http2=True, verify=trusting(pki)) as client:
        responses = [client.get(https(server)) for _ in range(5)]
    for response in responses:
        assert response.http_version == "HTTP/2"
        assert response.status_code == 200
        assert response.json()["tls"]["alpn_protocol"] == "h2"


def test_a_client_certificate_reaches_an_http2_request(server: Server, pki: TestPki) -> None:
    context = trusting(pki)
    context.load_cert_chain(str(pki.client.cert_path), str(pki.client.key_path))
    with httpx.Client(http2=True, verify=context) as client:
        response = client.get(https(server))
    assert response.http_version == "HTTP/2"
    cert = response.json()["tls"]["client_cert"]
    assert cert is not None, response.text
    assert cert["pem"] == pki.client.pem
    assert cert["serial"] == pki.client.serial_hex
    assert "CN=alice" in cert["subject"]


def test_nghttp_negotiates_h2(server: Server, pki: TestPki) -> None:
    nghttp = require_tool("nghttp")
    done = subprocess.run([nghttp, "-v", https(server)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "The negotiated protocol: h2" in done.stdout
    assert '"alpn_protocol": "h2"' in done.stdout


def test_a_file_over_http2_and_tls_arrives_whole(server: Server, pki: TestPki, big_file: Path) -> None:
    done = curl(pki, "--http2", "-o", "-", https(server, "/file"))
    assert done.returncode == 0, done.stderr.decode()
    body, version = done.stdout.rsplit(b"\n", 1)
    assert version == b"2"
    assert len(body) == FILE_SIZE
    assert hashlib.sha256(body).digest() == hashlib.sha256(big_file.read_bytes()).digest()


def test_a_large_stream_over_http2_and_tls_arrives_whole(server: Server, pki: TestPki) -> None:
    mib = 16
    digest = hashlib.sha256()
    received = 0
    with httpx.Client(http2=True, verify=trusting(pki), timeout=60) as client:
        with client.stream("GET", https(server, f"/stream?mib={mib}")) as response:
            assert response.http_version == "HTTP/2"
            for chunk in response.iter_raw():
                digest.update(chunk)
                received += len(chunk)
    assert received == mib * 1024 * 1024
    assert digest.digest() == hashlib.sha256(bytes(range(256)) * 256 * mib * 16).digest()


def test_h2load_over_tls_uses_h2_and_every_request_succeeds(server: Server) -> None:
    h2load = require_tool("h2load")
    done = subprocess.run([h2load, "-n", "400", "-c", "4", "-m", "10", https(server)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "Application protocol: h2" in done.stdout
    counts = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed",
                       done.stdout)
    assert counts, done.stdout[-2000:]
    assert counts.group(3) == "400" and counts.group(4) == "0", counts.group(0)


def test_without_http2_alpn_offers_only_http11(start_server: Callable[..., Server], pki: TestPki) -> None:
    s = start_server(app="tls_app:app", options=pki.server_options("--no-http2"))
    openssl = require_tool("openssl")
    done = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{s.port}", "-servername", "localhost",
                           "-CAfile", str(pki.ca.cert_path), "-alpn", "h2"],
                          input=b"", capture_output=True, timeout=30)
    assert "No ALPN negotiated" in done.stdout.decode(errors="replace")
    fallback = curl(pki, "--http2", https(s))
    assert fallback.returncode == 0, fallback.stderr.decode()
    body, version = fallback.stdout.decode().rsplit("\n", 1)
    assert version == "1.1"
    assert json.loads(body)["tls"]["alpn_protocol"] == "http/1.1"
