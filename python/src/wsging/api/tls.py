"""What a TLS connection tells the application, as `request.tls` (spec 5.4)."""

from __future__ import annotations

from typing import NamedTuple, Optional

__all__ = ["ClientCertificate", "TLSInfo"]


class ClientCertificate(NamedTuple):
    """The certificate the client presented (its signature was checked against the server's
    `--ca-certs` during the handshake)."""

    subject: str
    """The subject's distinguished name, RFC 4514 form: "CN=alice,O=Example"."""
    issuer: str
    """The issuer's distinguished name, in the same form."""
    serial: str
    """The serial number in upper-case hexadecimal, as mod_ssl's SSL_CLIENT_M_SERIAL."""
    pem: str
    """The certificate itself, PEM-encoded."""


class TLSInfo(NamedTuple):
    """Immutable facts of the connection's TLS session; the same for every request on it."""

    version: str
    """The protocol version: "TLSv1.2" or "TLSv1.3"."""
    cipher: str
    """The cipher suite's IANA name, such as "TLS_AES_128_GCM_SHA256"."""
    server_name: Optional[str] = None
    """The host name the client asked for with SNI, lower-case, or None."""
    alpn_protocol: Optional[str] = None
    """The protocol ALPN chose ("http/1.1", "h2"), or None when the client offered none."""
    client_cert: Optional[ClientCertificate] = None
    """The client's certificate, or None when it sent none."""
