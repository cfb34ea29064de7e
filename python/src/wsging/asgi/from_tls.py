"""The ASGI `tls` extension `from_asgi` gives a request that arrived over TLS (spec 15.4): the
version and cipher suite as the numbers TLS puts on the wire (tls_numbers.py)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ..api.tls import TLSInfo
from .tls_numbers import CIPHER_SUITES, TLS_VERSIONS

__all__ = ["tls_extension"]


def tls_extension(tls: TLSInfo) -> Dict[str, Any]:
    """The `tls` extension's dictionary for a connection's facts. The handshake refused a
    certificate that did not verify, so there is never a `client_cert_error`; the server's own
    certificate is not passed to workers (`server_cert` None)."""
    cert = tls.client_cert
    version: Optional[int] = TLS_VERSIONS.get(tls.version)
    return {
        "server_cert": None,
        "client_cert_chain": [cert.pem] if cert is not None else [],
        "client_cert_name": cert.subject if cert is not None else None,
        "client_cert_error": None,
        "tls_version": version,
        "cipher_suite": CIPHER_SUITES.get(tls.cipher),
    }
