"""Certificates for the TLS tests, made fresh by each test session with `cryptography`.

A private certificate authority signs a server certificate for localhost/127.0.0.1, a client
certificate, and certificates that are expired or not yet valid; keys are written as PKCS#8
PEM, one of them encrypted.
"""
from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path
from typing import List, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_PASSWORD = "correct horse"


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path, password: Optional[str] = None) -> Path:
    encryption = (serialization.BestAvailableEncryption(password.encode())
                  if password else serialization.NoEncryption())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       encryption))
    return path


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class Authority:
    """A CA that issues certificates into one directory."""

    def __init__(self, directory: Path, name: str = "wsging test CA") -> None:
        self.directory = directory
        self.key = _key()
        now = datetime.datetime.now(datetime.timezone.utc)
        self.name = _name(name, "wsging tests")
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name).issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_path = directory / f"{name.replace(' ', '-')}.pem"
        self.cert_path.write_bytes(_pem(self.cert))

    def issue(self, stem: str, common_name: str, *, server: bool, valid_from_days: float = -1,
              valid_until_days: float = 30, password: Optional[str] = None) -> "Issued":
        """A certificate and key, written as STEM.pem (certificate then this CA's) and STEM.key."""
        key = _key()
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, "wsging tests")).issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=valid_from_days))
            .not_valid_after(now + datetime.timedelta(days=valid_until_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False)
        )
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        cert_path = self.directory / f"{stem}.pem"
        cert_path.write_bytes(_pem(cert) + _pem(self.cert))
        key_path = _write_key(key, self.directory / f"{stem}.key", password)
        return Issued(cert, cert_path, key_path)


class Issued:
    def __init__(self, cert: x509.Certificate, cert_path: Path, key_path: Path) -> None:
        self.cert = cert
        self.cert_path = cert_path
        self.key_path = key_path

    @property
    def pem(self) -> str:
        return _pem(self.cert).decode("ascii")

    @property
    def serial_hex(self) -> str:
        return format(self.cert.serial_number, "X")

    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()

    def issuer(self) -> str:
        return self.cert.issuer.rfc4514_string()


class TestPki:
    """Everything the TLS tests need, in one directory."""

    __test__ = False  # not a pytest class

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca = Authority(directory)
        self.server = self.issue_server("server")
        self.client = self.ca.issue("client", "alice", server=False)
        self.encrypted = self.ca.issue("encrypted", "localhost", server=True, password=KEY_PASSWORD)
        self.expired = self.ca.issue("expired", "localhost", server=True, valid_from_days=-10,
                                     valid_until_days=-1)
        self.not_yet_valid = self.ca.issue("future", "localhost", server=True, valid_from_days=5,
                                           valid_until_days=30)
        other_ca = Authority(directory, "other test CA")
        self.stranger = other_ca.issue("stranger", "mallory", server=False)
        self.garbage = directory / "garbage.pem"
        self.garbage.write_text("this is not a PEM file\n")

    def issue_server(self, stem: str) -> Issued:
        return self.ca.issue(stem, "localhost", server=True)

    def server_options(self, *extra: str) -> List[str]:
        return ["--certfile", str(self.server.cert_path), "--keyfile", str(self.server.key_path),
                *extra]
