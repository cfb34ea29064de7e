"""h2spec (RFC 9113 / RFC 7541 conformance) against the cleartext port with prior knowledge and
over TLS (ALPN h2), and the answer to a broken connection preface on the port HTTP/1.1 shares.

h2spec is installed by scripts/test into target/tools/bin (`go install`). Its whole run is
about 10 s: each case that waits for a frame the server rightly does not send waits the
`-o` timeout.
"""
from __future__ import annotations

import re
import socket
import ssl
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Callable, Iterator, List, NamedTuple, Tuple

import httpx
import pytest

from e2e_server import Server, stop_cleanly
from h2_servers import require_project_tool, start, still_serves
from tls_certs import TestPki

# The one case h2spec cannot judge on a port shared with HTTP/1.1: its broken preface is read
# as an HTTP/1 request, answered 400 and the connection closed; h2spec then tries to parse that
# answer as a frame and reports an error instead of "connection closed". The preface tests
# below check what the server does there.
SHARED_PORT_CASE = ("http2/3.5", "Sends invalid connection preface")


class H2specRun(NamedTuple):
    output: str
    failures: List[Tuple[str, str, str]]  # (package, case, what h2spec expected and got)
    log: str


def run_h2spec(folder: Path, options: List[str], h2spec_args: List[str],
               check: Callable[[Server], None] = still_serves) -> Iterator[H2specRun]:
    h2spec = require_project_tool("h2spec")
    server = start(folder, ["--graceful-timeout", "5", *options])
    try:
        # One request first: h2spec's first case gives the server 2 s for its SETTINGS, which a
        # cold JVM (classes loading, on a busy 2-core machine) has been seen to miss.
        check(server)
        report = folder / "h2spec.xml"
        done = subprocess.run([h2spec, "-h", "127.0.0.1", "-p", str(server.port), "-o", "2", "-j", str(report),
                               *h2spec_args], capture_output=True, text=True, timeout=300)
        assert report.exists(), f"h2spec wrote no report ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr}"
        check(server)
        yield H2specRun(done.stdout, failed_cases(report), server.log())
    finally:
        stop_cleanly(server)


@pytest.fixture(scope="module")
def h2spec_run(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[H2specRun]:
    yield from run_h2spec(tmp_path_factory.mktemp("h2spec"), [], [])


@pytest.fixture(scope="module")
def h2spec_tls_run(server_built: None, pki: TestPki,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[H2specRun]:
    """h2spec over TLS (-t), trusting the test certificate (-k): ALPN picks h2, so no case
    meets HTTP/1.1 and every one must pass."""
    def still_serves_tls(server: Server) -> None:
        context = ssl.create_default_context(cafile=str(pki.ca.cert_path))
        with httpx.Client(http2=True, verify=context, timeout=10) as client:
            response = client.get(f"https://localhost:{server.port}/")
        assert response.status_code == 200 and response.http_version == "HTTP/2", response

    yield from run_h2spec(tmp_path_factory.mktemp("h2spec-tls"), pki.server_options(), ["-t", "-k"],
                          still_serves_tls)


def failed_cases(report: Path) -> List[Tuple[str, str, str]]:
    # h2spec copies frame payloads into its messages raw (a PING's NUL bytes, say), which XML
    # cannot hold: they are dropped so that a failing case is reported, not a parse error.
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", report.read_text(errors="replace"))
    failed = []
    for case in ElementTree.fromstring(text).iter("testcase"):
        for problem in list(case.findall("failure")) + list(case.findall("error")):
            failed.append((case.get("package", ""), case.get("classname", ""), (problem.text or "").strip()))
    return failed


def summary_total(run: H2specRun) -> int:
    summary = re.search(r"(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed", run.output)
    assert summary, f"no h2spec summary:\n{run.output[-3000:]}"
    return int(summary.group(1))


def assert_no_failure(run: H2specRun, allowed: Callable[[Tuple[str, str, str]], bool]) -> None:
    total = summary_total(run)
    assert total >= 140, f"h2spec ran only {total} cases"
    unexpected = [f for f in run.failures if not allowed(f)]
    details = "\n".join(f"{package} {case}:\n    {detail.replace(chr(10), chr(10) + '    ')}"
                        for package, case, detail in unexpected)
    assert not unexpected, f"{len(unexpected)} h2spec case(s) failed:\n{details}\nserver log:\n{quiet_log(run.log)}"


def test_h2spec_cleartext_prior_knowledge_has_no_failure(h2spec_run: H2specRun) -> None:
    assert_no_failure(h2spec_run, lambda f: (f[0], f[1]) == SHARED_PORT_CASE and "HTTP/1.1" in f[2])


def test_h2spec_over_tls_has_no_failure_at_all(h2spec_tls_run: H2specRun) -> None:
    assert_no_failure(h2spec_tls_run, lambda f: False)


def quiet_log(log: str) -> str:
    """The log's last lines, without the unhandled-exception warnings the next test counts."""
    return "\n".join(line for line in log.splitlines() if "tail of the pipeline" not in line)[-2000:]


def unhandled(run: H2specRun) -> List[str]:
    return [line for line in run.log.splitlines() if "reached at the tail of the pipeline" in line]


def test_h2spec_leaves_no_unhandled_exception_in_the_log(h2spec_run: H2specRun) -> None:
    """Connections h2spec resets or breaks are ordinary events, handled by the pipeline: Netty's
    tail-of-pipeline warning means an exception nobody handled."""
    found = unhandled(h2spec_run)
    assert not found, f"{len(found)} unhandled exception(s), the first: {found[0]}"


def test_h2spec_over_tls_leaves_no_unhandled_exception_in_the_log(h2spec_tls_run: H2specRun) -> None:
    found = unhandled(h2spec_tls_run)
    assert not found, f"{len(found)} unhandled exception(s), the first: {found[0]}"


@pytest.fixture(scope="module")
def server(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(tmp_path_factory.mktemp("h2-preface"))
    yield server
    stop_cleanly(server)


def answer_until_close(port: int, data: bytes, timeout: float = 10) -> Tuple[bytes, bool]:
    """Sends `data`, reads until the server closes: (what it sent, whether it closed in time)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = bytearray()
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return bytes(received), True
                received += chunk
        except ConnectionResetError:
            return bytes(received), True
        except socket.timeout:
            return bytes(received), False


GOAWAY_TYPE = 0x7


@pytest.mark.parametrize("preface", [
    pytest.param(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + b"\x00" * 9, id="broken-magic"),
    pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x01\x00\x00\x00\x00\x00", id="headers-before-settings"),
    pytest.param(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" * 3, id="frames-without-preface"),
])
def test_a_broken_preface_gets_http1_400_or_goaway_then_close(server: Server, preface: bytes) -> None:
    answer, closed = answer_until_close(server.port, preface)
    assert closed, f"the connection stayed open after a broken preface; the server sent {answer[:200]!r}"
    is_http1_400 = answer.startswith(b"HTTP/1.1 400 ")
    frames = list(iter_frames(answer))
    is_goaway = any(kind == GOAWAY_TYPE and code != 0 for kind, code in frames)
    assert is_http1_400 or is_goaway, f"neither 400 nor GOAWAY with an error: {answer[:300]!r}"
    assert b"Traceback" not in answer
    still_serves(server)


def iter_frames(data: bytes) -> Iterator[Tuple[int, int]]:
    """(frame type, error code for GOAWAY else 0) of each whole frame in `data`, when it is HTTP/2."""
    offset = 0
    while offset + 9 <= len(data):
        length = int.from_bytes(data[offset:offset + 3], "big")
        kind = data[offset + 3]
        payload = data[offset + 9:offset + 9 + length]
        code = int.from_bytes(payload[4:8], "big") if kind == GOAWAY_TYPE and len(payload) >= 8 else 0
        yield kind, code
        offset += 9 + length
