"""The PEP 3333 environ `from_wsgi` gives a WSGI application for a Request (spec 15.2).

Built per request, so it costs as little as it can: the constant keys are copied from a
template, and the CGI key of each header name is computed once per name and remembered.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Iterable, Optional
from urllib.parse import unquote_to_bytes

from ..api.request import Request
from ..api.tls import TLSInfo
from .pep3333 import Environ
from .wsgi_input import FileWrapper, WSGIInput

__all__ = [
    "REQUEST_KEY",
    "ErrorStream",
    "cgi_key",
    "environ_for",
    "environ_matches",
    "path_info",
    "tls_keys",
]

REQUEST_KEY = "wsging.request"

_PROTOCOLS = {"1.0": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2", "3": "HTTP/3"}
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class ErrorStream:
    """`wsgi.errors`: the worker's standard error, which the server writes to its log. Looked
    up at each call, so it follows a replaced sys.stderr."""

    __slots__ = ()

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        sys.stderr.writelines(lines)

    def flush(self) -> None:
        sys.stderr.flush()


_TEMPLATE: Environ = {
    "SCRIPT_NAME": "",
    "wsgi.version": (1, 0),
    "wsgi.errors": ErrorStream(),
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
    "wsgi.file_wrapper": FileWrapper,
}

# Header name as received -> environ key; "" for the names the environ does not carry:
# names with "_" (W8: "X_Forwarded_For" must not pose as "X-Forwarded-For") and
# content-length (CONTENT_LENGTH comes from request.content_length).
_KEYS: Dict[bytes, str] = {}
_KEYS_MAX = 4096


def cgi_key(name: bytes) -> str:
    key = _KEYS.get(name)
    if key is None:
        text = name.decode("latin-1")
        upper = text.upper().replace("-", "_")
        if "_" in text or upper == "CONTENT_LENGTH":
            key = ""
        elif upper == "CONTENT_TYPE":
            key = upper
        else:
            key = "HTTP_" + upper
        if len(_KEYS) < _KEYS_MAX:
            _KEYS[name] = key
    return key


# The ports a server listens on, as text.
_PORTS: Dict[int, str] = {}


def _port_text(port: int) -> str:
    text = str(port)
    if len(_PORTS) < 64:
        _PORTS[port] = text
    return text


def path_info(raw_path: bytes) -> str:
    """PATH_INFO: the path percent-decoded to bytes, as latin-1 text (PEP 3333's bytes as str)."""
    if b"%" in raw_path:
        raw_path = unquote_to_bytes(raw_path)
    return raw_path.decode("latin-1")


# root_path -> SCRIPT_NAME (PEP 3333 "bytes as str"): one server has one or two prefixes.
_SCRIPT_NAMES: Dict[str, str] = {}


def _mount(environ: Environ, root_path: str) -> None:
    """SCRIPT_NAME is the mount prefix and PATH_INFO the rest, when the path lies under the
    prefix (the whole prefix, then "/" or nothing: "/app" does not hold "/apple"); a request
    outside it keeps SCRIPT_NAME "" and its whole path (spec 15.2)."""
    script = _SCRIPT_NAMES.get(root_path)
    if script is None:
        script = root_path.encode("utf-8", "surrogateescape").decode("latin-1")
        if len(_SCRIPT_NAMES) < 64:
            _SCRIPT_NAMES[root_path] = script
    path = environ["PATH_INFO"]
    if path.startswith(script) and (len(path) == len(script) or path[len(script)] == "/"):
        environ["SCRIPT_NAME"] = script
        environ["PATH_INFO"] = path[len(script) :]


def _host_and_port(request: Request) -> "tuple[str, str]":
    """SERVER_NAME and SERVER_PORT from the host field, when the request does not say where
    it arrived (a Request built by hand)."""
    default = _DEFAULT_PORTS.get(request.scheme, "80")
    host = request.headers.get("host")
    if not host:
        return "localhost", default
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        end = host.find("]")
        if end < 0:
            return host, default
        name, rest = host[1:end], host[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = host.partition(":")
    return name, port if port.isdigit() else default


def tls_keys(environ: Environ, tls: TLSInfo) -> None:
    """HTTPS and mod_ssl's SSL_* variables for a TLS request (spec 15.2), which Flask, Django
    and other WSGI code read to learn about the connection and the client's certificate."""
    environ["HTTPS"] = "on"
    environ["SSL_PROTOCOL"] = tls.version
    environ["SSL_CIPHER"] = tls.cipher
    if tls.server_name is not None:
        environ["SSL_TLS_SNI"] = tls.server_name
    cert = tls.client_cert
    environ["SSL_CLIENT_VERIFY"] = "NONE" if cert is None else "SUCCESS"
    if cert is not None:
        environ["SSL_CLIENT_S_DN"] = cert.subject
        environ["SSL_CLIENT_I_DN"] = cert.issuer
        environ["SSL_CLIENT_M_SERIAL"] = cert.serial
        environ["SSL_CLIENT_CERT"] = cert.pem


def environ_for(request: Request, wsgi_input: Optional[WSGIInput] = None) -> Environ:
    """The environ of table 15.2 for `request`; `wsging.request` holds the request itself."""
    environ = _TEMPLATE.copy()
    raw_path = request._raw_path
    environ["REQUEST_METHOD"] = request._method
    environ["PATH_INFO"] = (
        raw_path.decode("latin-1") if b"%" not in raw_path else path_info(raw_path)
    )
    if request._root_path:
        _mount(environ, request._root_path)
    query = request._query_string
    environ["QUERY_STRING"] = query.decode("latin-1") if query else ""
    version = request._http_version
    environ["SERVER_PROTOCOL"] = _PROTOCOLS.get(version) or "HTTP/" + version
    environ["wsgi.url_scheme"] = request._scheme
    tls = request._tls
    if tls is not None:
        tls_keys(environ, tls)
    server = request._server
    if server is not None:
        environ["SERVER_NAME"] = server[0]
        port = server[1]
        environ["SERVER_PORT"] = _PORTS.get(port) or _port_text(port)
    else:
        environ["SERVER_NAME"], environ["SERVER_PORT"] = _host_and_port(request)
    client = request._client
    if client is not None:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    length = request._content_length
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length) if length else "0"
    environ["wsgi.input"] = WSGIInput(request._body) if wsgi_input is None else wsgi_input
    environ[REQUEST_KEY] = request
    keys = _KEYS
    for name, value in request._headers._raw:
        key = keys.get(name)
        if key is None:
            key = cgi_key(name)
        if key:
            if key in environ:  # RFC 9110 section 5.3; cookie pairs join as in one cookie field
                separator = "; " if key == "HTTP_COOKIE" else ", "
                environ[key] = environ[key] + separator + value.decode("latin-1")
            else:
                environ[key] = value.decode("latin-1")
    return environ


def environ_matches(environ: Environ, request: Request, wsgi_input: Any) -> bool:
    """True when `environ` is still exactly what `environ_for` gives `request`: no WSGI layer
    between from_wsgi and to_wsgi changed, added or removed a key."""
    if type(wsgi_input) is not WSGIInput or wsgi_input.body is not request._body:
        return False
    return environ == environ_for(request, wsgi_input)
