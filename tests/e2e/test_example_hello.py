"""examples/hello.py through the real server: the README's first command, reused connections, HEAD on
every GET route, and response trailers where the client can take them (HTTP/1.1 with
`TE: trailers`, HTTP/2)."""
from __future__ import annotations

import re
import subprocess
from typing import Dict, Optional, Sequence, Tuple

import pytest

from conftest import require_tool
from curl_helpers import curl, transfers
from e2e_http import RawConnection
from e2e_server import LAUNCHER, ROOT


def _two_requests_one_connection(url: str) -> None:
    results, log = transfers([url, url])
    assert [(body, status) for body, status, _ in results] == [(b"Hello, world!", 200)] * 2
    # One connection for both: the second transfer opened none and curl says it reused it.
    assert [connects for _, _, connects in results] == [1, 0], log
    assert "Re-using existing connection" in log, log


def test_readme_command_serves_hello_over_one_kept_alive_connection(start_server) -> None:
    # Exactly as the README says, from the repository root: `./wsging serve hello:app --app-dir examples`.
    # The relative --app-dir resolves against the caller's directory.
    server = start_server(app="hello:app", app_dir="examples", cwd=ROOT, launcher="./wsging")
    _two_requests_one_connection(server.url + "/")


def test_launcher_works_from_another_directory(start_server) -> None:
    # From examples/ itself, without --app-dir: MODULE resolves against the caller's directory.
    server = start_server(app="hello:app", app_dir=None, cwd=ROOT / "examples", launcher=str(LAUNCHER))
    _two_requests_one_connection(server.url + "/")


def test_example_echo_and_client_address(example_server) -> None:
    results, log = transfers(["--data-binary", "ping", "-H", "Content-Type: text/x-test", example_server.url + "/echo"])
    assert [(body, status) for body, status, _ in results] == [(b"ping", 200)]
    assert "content-type: text/x-test" in log.lower(), log
    with RawConnection(example_server.port) as conn:
        conn.send(b"GET /client HTTP/1.1\r\nHost: e2e\r\n\r\n")
        assert conn.read_response().body.decode() == f"127.0.0.1:{conn.local_port}"


def _curl_head(url: str, options: Sequence[str] = ()) -> Tuple[int, Dict[str, str], bytes]:
    """`curl -I`: the status, the header fields (lower-cased names; the protocol as `:version`)
    and what curl wrote after them."""
    done = curl(["-I", *options, url])
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    head, _, rest = done.stdout.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    fields = dict((name.strip().lower(), value.strip()) for name, value in (line.split(":", 1) for line in lines))
    fields[":version"] = status_line.split()[0]
    return int(status_line.split()[1]), fields, rest


@pytest.mark.parametrize("path, body", [("/", b"Hello, world!"), ("/trailers", b"ok"), ("/client", None)])
def test_example_answers_head_on_every_get_route_with_the_get_head(example_server, path: str, body: Optional[bytes]) -> None:
    status, fields, rest = _curl_head(example_server.url + path)
    assert status == 200, fields
    assert rest == b""
    assert fields["content-type"] == "text/plain; charset=utf-8"
    if body is not None:  # /client's length depends on the client port, so it may differ
        assert fields["content-length"] == str(len(body))
    assert "trailer" not in fields  # a HEAD on HTTP/1.1 has no trailer section to announce
    # Byte for byte on one connection: HEAD sends no body, or the GET after it would not parse.
    with RawConnection(example_server.port) as conn:
        conn.send(f"HEAD {path} HTTP/1.1\r\nHost: e2e\r\nTE: trailers\r\n\r\nGET {path} HTTP/1.1\r\nHost: e2e\r\n\r\n".encode())
        head = conn.read_response(no_body=True)
        get = conn.read_response()
    assert (head.status, get.status) == (200, 200)
    assert head.header("content-type") == get.header("content-type")
    if body is not None:
        assert get.body == body
        assert head.header("content-length") == get.header("content-length") == str(len(body))


def test_example_head_of_an_unknown_path_is_404(example_server) -> None:
    status, _, rest = _curl_head(example_server.url + "/nothing-here")
    assert (status, rest) == (404, b"")


def test_example_trailers_reach_an_http1_client_that_sent_te_trailers(example_server) -> None:
    # curl --raw shows the chunked framing itself, trailer section included.
    done = curl(["--raw", "-v", "-H", "TE: trailers", example_server.url + "/trailers"])
    log = done.stderr.decode(errors="replace")
    assert done.returncode == 0, log
    assert done.stdout == b"2\r\nok\r\n0\r\nx-trailer: yes\r\n\r\n"
    assert "< transfer-encoding: chunked" in log.lower(), log
    assert "< trailer: x-trailer" in log.lower(), log


def test_example_trailers_route_answers_plain_ok_without_te_trailers(example_server) -> None:
    done = curl(["--raw", "-v", example_server.url + "/trailers"])
    log = done.stderr.decode(errors="replace").lower()
    assert done.returncode == 0, log
    assert done.stdout == b"ok"  # sized, not chunked: no trailer section
    assert "< content-length: 2" in log and "trailer" not in log.replace("/trailers", ""), log


def test_example_trailers_reach_an_http2_client_after_the_body(example_server) -> None:
    # nghttp speaks h2c with prior knowledge to an http:// URL and prints every frame it gets.
    done = subprocess.run([require_tool("nghttp"), "-v", example_server.url + "/trailers"],
                          capture_output=True, text=True, timeout=60)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    stream = re.search(r"recv \(stream_id=(\d+)\) :status: 200", out)
    assert stream, out
    data = out.index(f"recv DATA frame <length=2, flags=0x00, stream_id={stream.group(1)}>")
    trailer = out.index(f"recv (stream_id={stream.group(1)}) x-trailer: yes")
    end = out.index(f"recv HEADERS frame", trailer)
    assert data < trailer < end, out
    assert "; END_STREAM | END_HEADERS" in out[end:].split("\n[", 1)[0], out
    assert "ok[" in out  # the body, which nghttp writes to stdout between the frame lines


def test_example_answers_head_over_http2(example_server) -> None:
    status, fields, rest = _curl_head(example_server.url + "/", ["--http2-prior-knowledge"])
    assert (status, rest) == (200, b"")
    assert fields[":version"] == "HTTP/2"
    assert fields["content-length"] == "13"


def test_readme_tls_commands_serve_http2_and_http11(start_server, tmp_path) -> None:
    # The README's "Hello world" TLS lines: a self-signed certificate made with openssl, the
    # example served with it, curl getting HTTP/2 by ALPN and HTTP/1.1 when it asks for it.
    made = subprocess.run(
        [require_tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", "key.pem", "-out", "cert.pem"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    server = start_server(app="hello:app", app_dir="examples", cwd=ROOT, launcher="./wsging", options=[
        "--certfile", str(tmp_path / "cert.pem"), "--keyfile", str(tmp_path / "key.pem")])
    url = f"https://localhost:{server.port}/"
    for extra, version in (([], "2"), (["--http1.1"], "1.1")):
        done = subprocess.run([require_tool("curl"), "-sS", "--cacert", str(tmp_path / "cert.pem"), *extra,
                               "-w", "\\n%{http_version}", url], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"Hello, world!\n{version}"
