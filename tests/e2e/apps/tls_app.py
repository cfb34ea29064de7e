"""An application for tests/e2e/test_tls.py.

GET /tls echoes the request's scheme and `request.tls` as JSON; GET /file serves the file named
in WSGING_E2E_FILE with `file_response` (so Range requests get 206); GET /stream?mib=N streams N
MiB of a repeating pattern in 64 KiB pieces; GET /wsgi answers from a WSGI application under
`from_wsgi` with the environ keys that tell about TLS.
"""
from __future__ import annotations

import json
import os
from urllib.parse import parse_qs

from wsging import Response, file_response
from wsging.wsgi import from_wsgi

FILE = os.environ.get("WSGING_E2E_FILE", "")
PATTERN = bytes(range(256)) * 256  # 64 KiB


def _tls(request) -> dict:
    tls = request.tls
    if tls is None:
        return {"scheme": request.scheme, "tls": None}
    cert = tls.client_cert
    return {
        "scheme": request.scheme,
        "tls": {
            "version": tls.version,
            "cipher": tls.cipher,
            "server_name": tls.server_name,
            "alpn_protocol": tls.alpn_protocol,
            "client_cert": None if cert is None else {
                "subject": cert.subject, "issuer": cert.issuer, "serial": cert.serial,
                "pem": cert.pem,
            },
        },
    }


def _stream(mib: int):
    for _ in range(mib * 16):
        yield PATTERN


WSGI_TLS_KEYS = ("wsgi.url_scheme", "HTTPS", "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI",
                 "SSL_CLIENT_VERIFY", "SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN", "SSL_CLIENT_M_SERIAL",
                 "SSL_CLIENT_CERT")


def _environ_keys(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({key: environ.get(key) for key in WSGI_TLS_KEYS}).encode()]


wsgi = from_wsgi(_environ_keys)


def app(request) -> Response:
    if request.path == "/wsgi":
        return wsgi(request)
    if request.path == "/tls":
        return Response(json.dumps(_tls(request)), headers={"content-type": "application/json"})
    if request.path == "/file":
        return file_response(request, FILE)
    if request.path == "/stream":
        mib = int(parse_qs(request.query_string.decode("ascii")).get("mib", ["1"])[0])
        return Response(_stream(mib), headers={"content-type": "application/octet-stream"})
    return Response("no such route\n", status=404)
