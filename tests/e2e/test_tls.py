"""TLS: the real server with --certfile and friends, driven by curl, httpx and openssl s_client.

Certificates come from tls_certs.TestPki, made once per test session (the `pki` fixture in
conftest.py). The app (apps/tls_app.py) echoes request.tls as JSON, serves a file with
file_response and streams large bodies.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import ssl
import struct
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import httpx
import pytest

from conftest import require_tool
from e2e_server import APPS, LAUNCHER, Server, free_port, stop_cleanly, wait_for
from tls_certs import KEY_PASSWORD, TestPki

FILE_SIZE = 5 * 1024 * 1024 + 123  # several TLS records' worth of chunks, and an odd tail


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "big.bin"
    path.write_bytes(os.urandom(FILE_SIZE))
    return path


def tls_server(log: Path, pki: TestPki, big_file: Path, *options: str,
               env: Optional[dict] = None) -> Server:
    return Server(log, app="tls_app:app", options=pki.server_options(*options),
                  env={"WSGING_E2E_FILE": str(big_file), **(env or {})})


@pytest.fixture(scope="module")
def server(server_built: None, pki: TestPki, big_file: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Client certificates optional: a client may send one or not. With the access log."""
    s = tls_server(tmp_path_factory.mktemp("tls") / "server.log", pki, big_file,
                   "--ca-certs", str(pki.ca.cert_path), "--cert-reqs", "optional", "--access-log").start()
    yield s
    stop_cleanly(s)


@pytest.fixture(scope="module")
def strict_server(server_built: None, pki: TestPki, big_file: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Client certificates required."""
    s = tls_server(tmp_path_factory.mktemp("tls-strict") / "server.log", pki, big_file,
                   "--ca-certs", str(pki.ca.cert_path), "--cert-reqs", "required").start()
    yield s
    stop_cleanly(s)


def https(server: Server, path: str = "/tls") -> str:
    return f"https://localhost:{server.port}{path}"


def trusting(pki: TestPki) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki.ca.cert_path))


def get_json(server: Server, pki: TestPki, **kwargs: object) -> dict:
    kwargs.setdefault("verify", trusting(pki))
    with httpx.Client(**kwargs) as client:  # type: ignore[arg-type]
        response = client.get(https(server))
    assert response.status_code == 200, response.text
    return response.json()


def s_client(server: Server, pki: TestPki, *args: str, request: Optional[str] = None) -> str:
    """openssl s_client's whole output; with `request`, what the server answered to it too."""
    openssl = require_tool("openssl")
    sni = [] if "-noservername" in args else ["-servername", "localhost"]
    command = [openssl, "s_client", "-connect", f"127.0.0.1:{server.port}", *sni,
               "-CAfile", str(pki.ca.cert_path), "-verify_return_error", *args]
    if request is not None:
        command.append("-ign_eof")  # keep reading until the server closes (Connection: close)
    done = subprocess.run(command, input=(request or "").encode(), capture_output=True, timeout=30)
    return done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")


TLS_REQUEST = "GET /tls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def body_json(output: str) -> dict:
    assert "HTTP/1.1 200 OK" in output, output[-3000:]
    return json.JSONDecoder().raw_decode(output, output.index("{\"scheme\""))[0]


def still_serves(server: Server, pki: TestPki) -> None:
    assert get_json(server, pki)["scheme"] == "https"


def whole_log(server: Server) -> str:
    return server.log_path.read_text(errors="replace")


def tls_log_lines(server: Server) -> List[str]:
    return [line for line in whole_log(server).splitlines() if line.startswith("wsging: TLS ")]


# -- clients that succeed ---------------------------------------------------------------------


def test_curl_over_tls_speaks_http11_with_alpn(server: Server, pki: TestPki) -> None:
    curl = require_tool("curl")
    done = subprocess.run([curl, "-sS", "-v", "--http1.1", "--cacert", str(pki.ca.cert_path), https(server)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "ALPN: server accepted http/1.1" in done.stderr
    assert json.loads(done.stdout)["tls"]["alpn_protocol"] == "http/1.1"


def test_httpx_sees_the_tls_facts(server: Server, pki: TestPki) -> None:
    seen = get_json(server, pki)
    assert seen["scheme"] == "https"
    tls = seen["tls"]
    assert tls["version"] == "TLSv1.3"
    assert tls["cipher"].startswith("TLS_") and "_WITH_" not in tls["cipher"]  # a TLS 1.3 IANA name
    assert tls["server_name"] == "localhost"  # SNI
    assert tls["alpn_protocol"] == "http/1.1"
    assert tls["client_cert"] is None


def test_tls12_is_served_and_reported(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, "-tls1_2", "-alpn", "http/1.1", request=TLS_REQUEST)
    assert "Protocol  : TLSv1.2" in output
    tls = body_json(output)["tls"]
    assert tls["version"] == "TLSv1.2"
    assert tls["cipher"].startswith("TLS_ECDHE_") and "_WITH_" in tls["cipher"]


def test_a_client_without_alpn_gets_http11(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, request=TLS_REQUEST)
    assert "No ALPN negotiated" in output
    assert body_json(output)["tls"]["alpn_protocol"] is None


def test_no_sni_means_no_server_name(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, "-noservername", request=TLS_REQUEST)
    assert body_json(output)["tls"]["server_name"] is None


# -- client certificates ----------------------------------------------------------------------


def test_optional_client_certificate_reaches_the_application(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, "-cert", str(pki.client.cert_path), "-key", str(pki.client.key_path),
                      request=TLS_REQUEST)
    cert = body_json(output)["tls"]["client_cert"]
    assert cert == {"subject": pki.client.subject(), "issuer": pki.client.issuer(),
                    "serial": pki.client.serial_hex, "pem": pki.client.pem}
    assert cert["subject"] == "CN=alice,O=wsging tests"


def test_optional_client_certificate_may_be_left_out(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, request=TLS_REQUEST)
    assert body_json(output)["tls"]["client_cert"] is None


def test_a_wsgi_application_sees_https_and_mod_ssl_variables(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, "-cert", str(pki.client.cert_path), "-key", str(pki.client.key_path),
                      request=TLS_REQUEST.replace("/tls", "/wsgi"))
    assert "HTTP/1.1 200 OK" in output, output[-3000:]
    environ = json.JSONDecoder().raw_decode(output, output.index("{\"wsgi.url_scheme\""))[0]
    assert environ["wsgi.url_scheme"] == "https" and environ["HTTPS"] == "on"
    assert environ["SSL_PROTOCOL"] == "TLSv1.3" and environ["SSL_CIPHER"].startswith("TLS_")
    assert environ["SSL_TLS_SNI"] == "localhost"
    assert environ["SSL_CLIENT_VERIFY"] == "SUCCESS"
    assert environ["SSL_CLIENT_S_DN"] == pki.client.subject()
    assert environ["SSL_CLIENT_I_DN"] == pki.client.issuer()
    assert environ["SSL_CLIENT_M_SERIAL"] == pki.client.serial_hex
    assert environ["SSL_CLIENT_CERT"] == pki.client.pem


def test_httpx_with_a_client_certificate(strict_server: Server, pki: TestPki) -> None:
    context = ssl.create_default_context(cafile=str(pki.ca.cert_path))
    context.load_cert_chain(str(pki.client.cert_path), str(pki.client.key_path))
    seen = get_json(strict_server, pki, verify=context)
    assert seen["tls"]["client_cert"]["serial"] == pki.client.serial_hex


def test_required_client_certificate_refuses_a_client_without_one(strict_server: Server, pki: TestPki) -> None:
    before = len(tls_log_lines(strict_server))
    output = s_client(strict_server, pki, request=TLS_REQUEST)
    assert "HTTP/1.1" not in output
    assert wait_for("the refusal to be logged", lambda: len(tls_log_lines(strict_server)) > before, 10)
    still_serves_strict(strict_server, pki)


def test_required_client_certificate_refuses_one_from_another_authority(
        strict_server: Server, pki: TestPki) -> None:
    output = s_client(strict_server, pki, "-cert", str(pki.stranger.cert_path), "-key",
                      str(pki.stranger.key_path), request=TLS_REQUEST)
    assert "HTTP/1.1" not in output
    still_serves_strict(strict_server, pki)


def still_serves_strict(server: Server, pki: TestPki) -> None:
    output = s_client(server, pki, "-cert", str(pki.client.cert_path), "-key", str(pki.client.key_path),
                      request=TLS_REQUEST)
    assert body_json(output)["tls"]["client_cert"]["subject"] == pki.client.subject()


# -- what is refused, and the server stays up --------------------------------------------------


def test_tls11_is_refused(server: Server, pki: TestPki) -> None:
    before = len(tls_log_lines(server))
    # SECLEVEL=0 lets this client offer TLS 1.1 at all; the refusal must be the server's.
    output = s_client(server, pki, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", request=TLS_REQUEST)
    assert "HTTP/1.1" not in output
    assert "Cipher is (NONE)" in output  # no session was established
    lines = wait_for("the refusal to be logged", lambda: tls_log_lines(server)[before:] or None, 10)
    assert "handshake" in lines[0]
    still_serves(server, pki)


def test_plain_http_to_the_tls_port_is_closed_with_one_line(server: Server, pki: TestPki) -> None:
    before = len(tls_log_lines(server))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as plain:
        plain.sendall(b"GET /tls HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = b""
        while True:
            piece = plain.recv(4096)
            if not piece:
                break
            answer += piece
    assert b"HTTP/1.1" not in answer
    lines = wait_for("the line", lambda: tls_log_lines(server)[before:] or None, 10)
    assert len(lines) == 1 and "not a TLS record" in lines[0]
    assert "at io.netty" not in whole_log(server) and "Exception" not in whole_log(server)
    still_serves(server, pki)


def test_a_client_that_never_handshakes_is_disconnected_after_the_timeout(server: Server, pki: TestPki) -> None:
    before = len(tls_log_lines(server))
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as idle:
        started = time.monotonic()
        assert idle.recv(1) == b""  # the server closed it
        waited = time.monotonic() - started
    assert 9 <= waited <= 15, waited
    lines = wait_for("the line", lambda: tls_log_lines(server)[before:] or None, 10)
    assert "no handshake within 10 s" in lines[0]
    still_serves(server, pki)


def test_a_connection_closed_or_reset_before_its_handshake_is_not_logged(server: Server, pki: TestPki) -> None:
    before = len(tls_log_lines(server))
    for _ in range(3):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    # The start of a ClientHello, then a reset (SO_LINGER 0) instead of the rest.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as reset:
        reset.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        time.sleep(0.2)
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    still_serves(server, pki)
    time.sleep(0.5)
    assert tls_log_lines(server)[before:] == []


# -- bodies -----------------------------------------------------------------------------------


def test_a_file_body_arrives_whole(server: Server, pki: TestPki, big_file: Path) -> None:
    with httpx.Client(verify=trusting(pki)) as client:
        response = client.get(https(server, "/file"))
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == FILE_SIZE
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(big_file.read_bytes()).digest()


def test_the_access_log_counts_a_file_body_sent_over_tls(server: Server, pki: TestPki) -> None:
    with httpx.Client(verify=trusting(pki)) as client:
        response = client.get(https(server, "/file?marker=access-log"))
    assert len(response.content) == FILE_SIZE

    def logged() -> Optional[str]:
        lines = [line for line in whole_log(server).splitlines() if "/file?marker=access-log" in line]
        return lines[0] if lines else None

    line = wait_for("the access-log line", logged, 10)
    assert f'" 200 {FILE_SIZE} ' in line, line


def test_a_range_of_a_file_arrives_exactly(server: Server, pki: TestPki, big_file: Path) -> None:
    curl = require_tool("curl")
    first, last = 70_000, 3_000_000
    done = subprocess.run([curl, "-sS", "--cacert", str(pki.ca.cert_path), "-r", f"{first}-{last}",
                           "-w", "%{http_code}", "-o", "-", https(server, "/file")], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    body, status = done.stdout[:-3], done.stdout[-3:]
    assert status == b"206"
    assert body == big_file.read_bytes()[first:last + 1]


def test_a_large_streamed_body_arrives_whole(server: Server, pki: TestPki) -> None:
    mib = 32
    pattern = bytes(range(256)) * 256
    digest = hashlib.sha256()
    received = 0
    with httpx.Client(verify=trusting(pki), timeout=60) as client:
        with client.stream("GET", https(server, f"/stream?mib={mib}")) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                digest.update(chunk)
                received += len(chunk)
    assert received == mib * 1024 * 1024
    assert digest.digest() == hashlib.sha256(pattern * (mib * 16)).digest()


# -- the JDK's engine ---------------------------------------------------------------------------


def test_the_jdk_engine_serves_when_openssl_is_off(
        start_server: Callable[..., Server], pki: TestPki, big_file: Path) -> None:
    s = start_server(app="tls_app:app", options=pki.server_options(
        "--ca-certs", str(pki.ca.cert_path), "--cert-reqs", "optional"),
        env={"WSGING_E2E_FILE": str(big_file), "WSGING_JAVA_OPTS": "-Dio.netty.handler.ssl.noOpenSsl=true"})
    assert "TLS on the JDK engine (OpenSSL unavailable" in s.log()
    output = s_client(s, pki, "-cert", str(pki.client.cert_path), "-key", str(pki.client.key_path),
                      request=TLS_REQUEST)
    tls = body_json(output)["tls"]
    assert tls["version"] == "TLSv1.3" and tls["server_name"] == "localhost"
    assert tls["client_cert"]["pem"] == pki.client.pem
    with httpx.Client(verify=trusting(pki)) as client:
        response = client.get(https(s, "/file"))
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(big_file.read_bytes()).digest()


def test_the_openssl_engine_is_named_at_start(server: Server) -> None:
    assert "wsging: TLS on the OpenSSL engine" in whole_log(server)
    assert "serving tls_app:app on https://127.0.0.1:" in whole_log(server)


def test_an_encrypted_key_with_its_password_serves(
        start_server: Callable[..., Server], pki: TestPki, big_file: Path) -> None:
    s = start_server(app="tls_app:app", options=[
        "--certfile", str(pki.encrypted.cert_path), "--keyfile", str(pki.encrypted.key_path),
        "--keyfile-password", KEY_PASSWORD], env={"WSGING_E2E_FILE": str(big_file)})
    assert get_json(s, pki)["tls"]["version"] == "TLSv1.3"


# -- bad files and options: one line, exit 2 ----------------------------------------------------


def run_serve(options: List[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(LAUNCHER), "serve", "tls_app:app", "--app-dir", str(APPS),
                           "--bind", f"127.0.0.1:{free_port()}", *options],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


BAD = {
    "missing-certfile": (lambda p: ["--certfile", str(p.directory / "nope.pem"), "--keyfile", str(p.server.key_path)],
                         "cannot be read: no such file"),
    "garbage-certfile": (lambda p: ["--certfile", str(p.garbage), "--keyfile", str(p.server.key_path)],
                         "holds no"),
    "garbage-keyfile": (lambda p: ["--certfile", str(p.server.cert_path), "--keyfile", str(p.garbage)],
                        "private key"),
    "key-of-another-certificate": (lambda p: ["--certfile", str(p.server.cert_path),
                                              "--keyfile", str(p.client.key_path)],
                                   "is not the private key of the certificate"),
    "expired": (lambda p: ["--certfile", str(p.expired.cert_path), "--keyfile", str(p.expired.key_path)],
                "the certificate expired on"),
    "not-yet-valid": (lambda p: ["--certfile", str(p.not_yet_valid.cert_path),
                                 "--keyfile", str(p.not_yet_valid.key_path)],
                      "the certificate is not valid before"),
    "encrypted-key-without-password": (lambda p: ["--certfile", str(p.encrypted.cert_path),
                                                  "--keyfile", str(p.encrypted.key_path)],
                                       "is encrypted: give its password with --keyfile-password"),
    "wrong-password": (lambda p: ["--certfile", str(p.encrypted.cert_path), "--keyfile", str(p.encrypted.key_path),
                                  "--keyfile-password", "wrong"],
                       "cannot be decrypted"),
    "bad-ca-file": (lambda p: p.server_options("--ca-certs", str(p.garbage), "--cert-reqs", "required"),
                    "--ca-certs"),
    "missing-ca-file": (lambda p: p.server_options("--ca-certs", str(p.directory / "none.pem")),
                        "--ca-certs"),
    "required-without-ca": (lambda p: p.server_options("--cert-reqs", "required"), "needs --ca-certs"),
    "optional-without-ca": (lambda p: p.server_options("--cert-reqs", "optional"), "needs --ca-certs"),
    "unknown-cert-reqs": (lambda p: p.server_options("--ca-certs", str(p.ca.cert_path), "--cert-reqs", "maybe"),
                          "expected none, optional or required"),
    "certfile-without-keyfile": (lambda p: ["--certfile", str(p.server.cert_path)], "needs --keyfile"),
    "keyfile-without-certfile": (lambda p: ["--keyfile", str(p.server.key_path)], "needs --certfile"),
    "ca-certs-without-certfile": (lambda p: ["--ca-certs", str(p.ca.cert_path)], "needs --certfile"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_tls_setup_is_one_line_and_exit_2(server_built: None, pki: TestPki, case: str) -> None:
    options, mentions = BAD[case]
    done = run_serve(options(pki))
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, f"exit {done.returncode}; stderr:\n{done.stderr}"
    assert len(lines) == 1 and lines[0].startswith("wsging: error: "), done.stderr
    assert mentions in lines[0], lines[0]
    assert "Exception" not in done.stderr and "at org." not in done.stderr
