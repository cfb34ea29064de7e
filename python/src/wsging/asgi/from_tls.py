"""The ASGI `tls` extension `from_asgi` gives a request that arrived over TLS (spec 15.4).

ASGI carries the version and the cipher suite as the numbers TLS puts on the wire, where
`request.tls` has their names, so both are looked up in the IANA registry's numbering (RFC 8446
appendix B.4 for TLS 1.3; the TLS Cipher Suites registry for the TLS 1.2 suites a server offers
today).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ..api.tls import TLSInfo

__all__ = ["CIPHER_SUITES", "TLS_VERSIONS", "tls_extension"]

TLS_VERSIONS: Dict[str, int] = {
    "TLSv1": 0x0301,
    "TLSv1.1": 0x0302,
    "TLSv1.2": 0x0303,
    "TLSv1.3": 0x0304,
}

CIPHER_SUITES: Dict[str, int] = {
    # TLS 1.3 (RFC 8446 appendix B.4)
    "TLS_AES_128_GCM_SHA256": 0x1301,
    "TLS_AES_256_GCM_SHA384": 0x1302,
    "TLS_CHACHA20_POLY1305_SHA256": 0x1303,
    "TLS_AES_128_CCM_SHA256": 0x1304,
    "TLS_AES_128_CCM_8_SHA256": 0x1305,
    # TLS 1.2 AEAD suites (RFC 5288, RFC 5289, RFC 7905)
    "TLS_RSA_WITH_AES_128_GCM_SHA256": 0x009C,
    "TLS_RSA_WITH_AES_256_GCM_SHA384": 0x009D,
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": 0x009E,
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384": 0x009F,
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02B,
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02C,
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9,
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCAA,
    # TLS 1.2 CBC suites (RFC 5246, RFC 4492, RFC 5289)
    "TLS_RSA_WITH_AES_128_CBC_SHA": 0x002F,
    "TLS_RSA_WITH_AES_256_CBC_SHA": 0x0035,
    "TLS_RSA_WITH_AES_128_CBC_SHA256": 0x003C,
    "TLS_RSA_WITH_AES_256_CBC_SHA256": 0x003D,
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": 0xC009,
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": 0xC00A,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": 0xC014,
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": 0xC023,
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": 0xC024,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": 0xC027,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384": 0xC028,
}


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
