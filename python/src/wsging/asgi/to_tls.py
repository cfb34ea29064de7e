"""`request.tls` from the ASGI `tls` extension (spec 15.4): the version and cipher suite come
as IANA numbers and are named here (tls_numbers.py); the client certificate's issuer and serial, which the
extension does not carry, are read from its PEM (a small DER reader, no dependency)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..api.tls import ClientCertificate, TLSInfo
from .tls_numbers import CIPHER_NAMES, TLS_VERSION_NAMES

__all__ = ["tls_from_extension", "certificate_facts"]

# RFC 4514 section 3: the attribute types written by name; others as a dotted OID.
_NAMES: Dict[str, str] = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}

_SEQUENCE, _SET, _INTEGER, _OID = 0x30, 0x31, 0x02, 0x06
_STRINGS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1E: "utf-16-be", 0x1C: "utf-32-be"}


def version_name(number: Any) -> str:
    return TLS_VERSION_NAMES.get(number, f"0x{number:04X}" if isinstance(number, int) else str(number))


def cipher_name(number: Any) -> str:
    """The suite's IANA name; "0xHHHH" for one this table lacks."""
    return CIPHER_NAMES.get(number, f"0x{number:04X}" if isinstance(number, int) else str(number))


def tls_from_extension(extension: Mapping[str, Any]) -> TLSInfo:
    """TLSInfo for a scope's `extensions["tls"]`. ASGI carries no SNI name nor ALPN protocol,
    so both are None; a certificate the host reports an error for was not verified and is not
    given (spec 5.4, MUST-TLS-2)."""
    chain: List[Any] = list(extension.get("client_cert_chain") or [])
    cert: Optional[ClientCertificate] = None
    if chain and extension.get("client_cert_error") is None:
        pem = chain[0].decode("ascii") if isinstance(chain[0], bytes) else str(chain[0])
        issuer, serial, subject = certificate_facts(pem)
        name = extension.get("client_cert_name")
        cert = ClientCertificate(str(name) if name else subject, issuer, serial, pem)
    return TLSInfo(
        version_name(extension.get("tls_version")),
        cipher_name(extension.get("cipher_suite")),
        None,
        None,
        cert,
    )


def certificate_facts(pem: str) -> Tuple[str, str, str]:
    """(issuer, serial, subject) of a PEM certificate: the names in RFC 4514 form, the serial
    in upper-case hexadecimal. ValueError when it is not a certificate."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not a PEM certificate: {exc}") from None
    try:
        _, start, _ = _tlv(der, 0, _SEQUENCE)  # Certificate
        _, pos, _ = _tlv(der, start, _SEQUENCE)  # TBSCertificate
        if der[pos] == 0xA0:  # [0] version
            pos = _tlv(der, pos)[2]
        _, serial_at, pos = _tlv(der, pos, _INTEGER)
        serial = format(int.from_bytes(der[serial_at:pos], "big", signed=True), "X")
        pos = _tlv(der, pos, _SEQUENCE)[2]  # signature algorithm
        issuer, pos = _name(der, pos)
        pos = _tlv(der, pos, _SEQUENCE)[2]  # validity
        subject, _ = _name(der, pos)
    except IndexError:
        raise ValueError("not a certificate: its DER is cut short") from None
    return issuer, serial, subject


def _tlv(der: bytes, pos: int, expect: Optional[int] = None) -> Tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at `pos`."""
    tag = der[pos]
    if expect is not None and tag != expect:
        raise ValueError(f"not a certificate: tag 0x{tag:02X} where 0x{expect:02X} belongs")
    size = der[pos + 1]
    pos += 2
    if size & 0x80:
        count = size & 0x7F
        size = int.from_bytes(der[pos : pos + count], "big")
        pos += count
    if pos + size > len(der):
        raise IndexError
    return tag, pos, pos + size


def _name(der: bytes, pos: int) -> Tuple[str, int]:
    """An X.501 Name in RFC 4514 form (last RDN first), and where it ends."""
    _, at, end = _tlv(der, pos, _SEQUENCE)
    rdns: List[str] = []
    while at < end:
        _, set_at, set_end = _tlv(der, at, _SET)
        parts: List[str] = []
        while set_at < set_end:
            _, attr_at, attr_end = _tlv(der, set_at, _SEQUENCE)
            _, oid_at, oid_end = _tlv(der, attr_at, _OID)
            oid = _oid(der[oid_at:oid_end])
            tag, value_at, value_end = _tlv(der, oid_end)
            key = _NAMES.get(oid)
            encoding = _STRINGS.get(tag)
            if key is not None and encoding is not None:
                text = der[value_at:value_end].decode(encoding, "replace")
                parts.append(f"{key}={_escape(text)}")
            else:  # RFC 4514 section 2.4: the BER encoding in hexadecimal
                parts.append(f"{key or oid}=#{der[oid_end:value_end].hex()}")
            set_at = attr_end
        rdns.append("+".join(parts))
        at = set_end
    return ",".join(reversed(rdns)), end


def _oid(data: bytes) -> str:
    numbers: List[int] = []
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(value)
            value = 0
    if not numbers:
        return ""
    first = numbers[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(n) for n in head + numbers[1:])


def _escape(text: str) -> str:
    """RFC 4514 section 2.4 escaping of an attribute value."""
    out = []
    for i, char in enumerate(text):
        if char in ',+"\\<>;' or (i == 0 and char in "# ") or (i == len(text) - 1 and char == " "):
            out.append("\\" + char)
        elif char == "\x00":
            out.append("\\00")
        else:
            out.append(char)
    return "".join(out)
