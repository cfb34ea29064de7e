"""`to_asgi` over TLS and HTTP/2 on each host: what the application is told (scheme, version,
capabilities) and that the features the host declares work end to end, driven by curl, httpx
and nghttp. What each host lacks is asserted too: those are the degradations the application
sees (spec 10.3)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Callable, Dict, Tuple

import httpx
import pytest

from conftest import KINDS, Certificate, Host, require_tool

# Per host over TLS with curl --http2: (http_version, response_trailers, early_hints, push).
# uvicorn speaks HTTP/2 only with its optional zttp protocol, not by default; granian and
# daphne speak it but declare none of the extensions; hypercorn declares all three.
EXPECTED: Dict[str, Tuple[str, bool, bool, bool]] = {
    "uvicorn": ("1.1", False, False, False),
    "hypercorn": ("2", True, True, True),
    "granian": ("2", False, False, False),
    "daphne": ("2", False, False, False),
}
PARTS = b"".join(b"part-%d;" % i for i in range(5))


def _curl(host: Host, path: str, *args: str) -> bytes:
    done = subprocess.run(
        [require_tool("curl"), "-sS", "-k", "--http2", "--max-time", "30", *args, host.url + path],
        capture_output=True, timeout=40)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capabilities_and_degradations_over_tls(
    start_host: Callable[..., Host], certificate: Certificate, name: str, kind: str
) -> None:
    host = start_host(name, kind, certificate)
    seen = json.loads(_curl(host, "/caps", "-H", "TE: trailers"))
    version, trailers, hints, push = EXPECTED[name]
    assert seen["scheme"] == "https" and seen["http_version"] == version
    assert (seen["response_trailers"], seen["early_hints"], seen["push"]) == (trailers, hints, push)
    assert seen["extensions"] == (["push"] if push else [])
    # No host sends the ASGI "tls" extension, so the application gets no TLS facts even
    # though the scheme is https (spec 5.4's request.tls stays None).
    assert seen["tls"] is None

    # Trailers reach the client only where the capability said so; the body is whole anyway.
    head_and_body = _curl(host, "/trailers", "-D", "-", "-H", "TE: trailers")
    assert PARTS in head_and_body
    assert (b"x-checksum: " in head_and_body.split(PARTS, 1)[1]) is trailers

    # A 103 goes out only where early hints are declared, and the application is told.
    hinted = _curl(host, "/hints", "-i")
    assert hinted.startswith(b"HTTP/2 103") is hints
    assert (b'{"sent": true}' in hinted) is hints


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["hypercorn", "granian", "daphne"])
def test_streaming_echo_over_http2(
    start_host: Callable[..., Host], certificate: Certificate, name: str, kind: str,
    tmp_path: Path,
) -> None:
    host = start_host(name, kind, certificate)
    payload = os.urandom(2 * 1024 * 1024 + 5)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(payload)
    echoed = _curl(host, "/echo", "--data-binary", f"@{upload}")
    assert hashlib.sha256(echoed).digest() == hashlib.sha256(payload).digest()
    with httpx.Client(base_url=host.url, http2=True, verify=False, timeout=30) as client:
        response = client.get("/stream?n=100")
        assert response.http_version == "HTTP/2"
        assert response.content == b"".join((b"%04d" % i) * 256 for i in range(100))


@pytest.mark.parametrize("kind", KINDS)
def test_push_through_hypercorn(
    start_host: Callable[..., Host], certificate: Certificate, kind: str
) -> None:
    """nghttp accepts pushes: the pushed request is served by the same application, marked
    pushed and offered no push of its own (spec 8.5)."""
    host = start_host("hypercorn", kind, certificate)
    done = subprocess.run([require_tool("nghttp"), "-v", "--no-verify-peer", host.url + "/push"],
                          capture_output=True, timeout=30)
    out = done.stdout.decode(errors="replace")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert '{"pushed": true}' in out
    assert "recv PUSH_PROMISE" in out and ":path: /caps" in out
    promised = out.split("First push response header", 1)[1]
    assert f'"kind": "{kind}"' in promised
    assert '"push": false, "pushed": true' in promised


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["granian", "daphne"])
def test_error_after_the_head_resets_the_stream(
    start_host: Callable[..., Host], certificate: Certificate, name: str, kind: str
) -> None:
    """MUST-ERR-2 over HTTP/2: the stream is reset at once, not ended; the connection serves
    on. granian does it when to_asgi raises; on daphne to_asgi resets the stream itself."""
    host = start_host(name, kind, certificate)
    with httpx.Client(base_url=host.url, http2=True, verify=False, timeout=5) as client:
        with client.stream("GET", "/abort") as response:
            assert response.http_version == "HTTP/2" and response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError, match="StreamReset|RST_STREAM|reset"):
                response.read()
        assert client.get("/caps").status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_error_after_the_head_on_hypercorn_http2_ends_with_the_connection(
    start_host: Callable[..., Host], certificate: Certificate, kind: str
) -> None:
    """hypercorn forgets an HTTP/2 stream whose application raised without resetting it: the
    client waits until the connection, idle to hypercorn, is closed after its keep-alive
    timeout (5 s). Never a complete message, but late: a host limitation (no ASGI event
    resets a stream)."""
    host = start_host("hypercorn", kind, certificate)
    with httpx.Client(base_url=host.url, http2=True, verify=False, timeout=15) as client:
        with client.stream("GET", "/abort") as response:
            assert response.http_version == "HTTP/2" and response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError, match="disconnected"):
                response.read()
