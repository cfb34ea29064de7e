"""The one TLS certificate every server of a run presents on the HTTPS rows.

Made with `openssl req -x509` into the run's directory: a self-signed ECDSA P-256 certificate
for 127.0.0.1 (and localhost), its key unencrypted in PKCS#8 (the form granian requires). The
load generators do not verify certificates; the harness's own answer checks trust this one.
"""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


class CertificateError(RuntimeError):
    """openssl could not make the certificate."""


@dataclass(frozen=True)
class Certificate:
    cert: Path  # PEM certificate
    key: Path  # PEM private key, PKCS#8, unencrypted


def make_certificate(directory: Path, days: int = 7) -> Certificate:
    directory.mkdir(parents=True, exist_ok=True)
    made = Certificate(cert=directory / "cert.pem", key=directory / "key.pem")
    argv = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", str(days), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(made.key), "-out", str(made.cert)]
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CertificateError(f"cannot run openssl: {exc}") from exc
    if done.returncode != 0:
        raise CertificateError(f"openssl req exited with {done.returncode}: {done.stdout[-500:]}")
    return made


def client_context(certificate: Certificate, alpn: Sequence[str]) -> ssl.SSLContext:
    """A client context that trusts only `certificate` and offers `alpn` in ALPN."""
    context = ssl.create_default_context(cafile=str(certificate.cert))
    context.set_alpn_protocols(list(alpn))
    return context
