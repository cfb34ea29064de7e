"""`wsging.asgi.to_asgi` for lifespan scopes (spec 11.4, 15.4), and the TLS facts it reads from
the ASGI `tls` extension (5.4, 15.4)."""
from __future__ import annotations

import contextlib
import threading
from typing import Any, AsyncIterator, Iterator, List

import pytest

from asgi_host import Host, http_scope, run
from wsging import Request, Response
from wsging.asgi import to_asgi
from wsging.asgi.to_tls import certificate_facts, tls_from_extension

LIFESPAN = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
STARTUP = {"type": "lifespan.startup"}
SHUTDOWN = {"type": "lifespan.shutdown"}

# A self-signed certificate: subject and issuer "CN=alice,O=Example\, Inc.", serial 0A1B2C3D4E.
ALICE = """-----BEGIN CERTIFICATE-----
MIIBlTCCATygAwIBAgIFChssPU4wCgYIKoZIzj0EAwIwKDEWMBQGA1UECgwNRXhh
bXBsZSwgSW5jLjEOMAwGA1UEAwwFYWxpY2UwHhcNMjYxMjA3MTc0NDIxWhcNMzYx
MjA0MTc0NDIxWjAoMRYwFAYDVQQKDA1FeGFtcGxlLCBJbmMuMQ4wDAYDVQQDDAVh
bGljZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMb1xYhWBlAcxCAIytv8WsKz
3WsUqu9mmoCXL8/oP0f21vJDevtkr2OlMCm3TLbgjWrVofbfI+ShFpr42FQZJ7Cj
UzBRMB0GA1UdDgQWBBSJXp0514wglf/dAtMxdwumK41T7jAfBgNVHSMEGDAWgBSJ
Xp0514wglf/dAtMxdwumK41T7jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMC
A0cAMEQCIEzSkDC9YbQnkYPEBV7frIea3d2YFAItZ1yGpNIQ/C0uAiBpCdm3vr5J
DKbT51QqeSVwHB7XwZ/PQK5cQt8gMdnspw==
-----END CERTIFICATE-----
"""


def _app() -> Any:
    def app(request: Request) -> Response:
        return Response("x")

    return app


def test_sync_lifespan_entered_in_a_thread_and_exited() -> None:
    events: List[Any] = []
    app = _app()

    @contextlib.contextmanager
    def lifespan() -> Iterator[None]:
        events.append(("enter", threading.current_thread().name))
        yield
        events.append(("exit", threading.current_thread().name))

    app.lifespan = lifespan
    host = run(Host(to_asgi(app), dict(LIFESPAN)).feed(STARTUP, SHUTDOWN).run())
    assert [m["type"] for m in host.sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events[0][0] == "enter" and events[0][1].startswith("wsging-lifespan")
    assert events[1] == ("exit", events[0][1])  # the same thread (MUST-LIFE-4)


def test_async_lifespan_found_through_middleware() -> None:
    events: List[str] = []
    inner = _app()

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        events.append("enter")
        yield
        events.append("exit")

    inner.lifespan = lifespan

    def outer(request: Request) -> Response:
        return inner(request)

    outer.__wrapped__ = inner  # type: ignore[attr-defined]
    run(Host(to_asgi(outer), dict(LIFESPAN)).feed(STARTUP, SHUTDOWN).run())
    assert events == ["enter", "exit"]


def test_failed_startup_reports_its_reason() -> None:
    app = _app()

    @contextlib.contextmanager
    def lifespan() -> Iterator[None]:
        raise RuntimeError("database unreachable")
        yield

    app.lifespan = lifespan
    host = run(Host(to_asgi(app), dict(LIFESPAN)).feed(STARTUP).run())
    assert host.sent[0]["type"] == "lifespan.startup.failed"
    assert "RuntimeError: database unreachable" in host.sent[0]["message"]


def test_failed_exit_is_reported() -> None:
    app = _app()

    @contextlib.contextmanager
    def lifespan() -> Iterator[None]:
        yield
        raise OSError("flush failed")

    app.lifespan = lifespan
    host = run(Host(to_asgi(app), dict(LIFESPAN)).feed(STARTUP, SHUTDOWN).run())
    assert host.sent[1] == {"type": "lifespan.shutdown.failed", "message": "OSError: flush failed"}


def test_application_without_lifespan() -> None:
    host = run(Host(to_asgi(_app()), dict(LIFESPAN)).feed(STARTUP, SHUTDOWN).run())
    assert [m["type"] for m in host.sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_certificate_facts_from_pem() -> None:
    issuer, serial, subject = certificate_facts(ALICE)
    assert issuer == subject == "CN=alice,O=Example\\, Inc."
    assert serial == "A1B2C3D4E"


def test_certificate_facts_refuse_what_is_no_certificate() -> None:
    with pytest.raises(ValueError):
        certificate_facts("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n")


def test_tls_from_the_extension() -> None:
    tls = tls_from_extension({
        "tls_version": 0x0304, "cipher_suite": 0x1301, "server_cert": None,
        "client_cert_chain": [ALICE], "client_cert_name": "CN=alice,O=Example\\, Inc.",
        "client_cert_error": None,
    })
    assert (tls.version, tls.cipher) == ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
    assert tls.server_name is None and tls.alpn_protocol is None  # ASGI carries neither
    assert tls.client_cert is not None
    assert tls.client_cert.subject == "CN=alice,O=Example\\, Inc." and tls.client_cert.serial == "A1B2C3D4E"
    assert tls.client_cert.pem == ALICE

    unverified = tls_from_extension({"tls_version": 0x0303, "cipher_suite": 0xC02F,
                                     "client_cert_chain": [ALICE], "client_cert_error": "expired"})
    assert unverified.version == "TLSv1.2"
    assert unverified.cipher == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    assert unverified.client_cert is None  # not verified: not given (MUST-TLS-2)
    assert tls_from_extension({"tls_version": 0x0304, "cipher_suite": 0x9999}).cipher == "0x9999"


def test_request_tls_only_over_https() -> None:
    seen: List[Any] = []

    def app(request: Request) -> Response:
        seen.append(request.tls)
        return Response("x")

    extension = {"tls": {"tls_version": 0x0304, "cipher_suite": 0x1302, "client_cert_chain": []}}
    run(Host(to_asgi(app), http_scope(scheme="https", extensions=extension)).body().run())
    run(Host(to_asgi(app), http_scope(scheme="https")).body().run())
    assert seen[0].cipher == "TLS_AES_256_GCM_SHA384" and seen[0].client_cert is None
    assert seen[1] is None  # the host sent no tls extension
