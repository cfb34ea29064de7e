"""The Request `to_wsgi` gives a WSGI-NG application for a PEP 3333 environ (spec 15.2)."""

from __future__ import annotations

from typing import Any, Optional, Tuple
from urllib.parse import quote_from_bytes, unquote_to_bytes

from ..api.body import Body
from ..api.capabilities import EARLY_HINTS, REQUEST_TRAILERS, Capabilities
from ..api.headers import Headers, RawHeaders
from ..api.request import Request
from ..api.tls import ClientCertificate, TLSInfo
from .environ import REQUEST_KEY, environ_matches
from .host_channel import HostChannel, early_hints_sender
from .input_source import InputSource, RelayedBody
from .loop_thread import Relay
from .pep3333 import Environ

__all__ = ["relayed", "request_from_environ", "stashed_request"]

# What stays unescaped when a decoded path is quoted again: RFC 3986 pchar and "/".
_PATH_SAFE = "/:@!$&'()*+,;=~"
_VERSIONS = {"HTTP/1.0": "1.0", "HTTP/1.1": "1.1", "HTTP/2": "2", "HTTP/2.0": "2", "HTTP/3": "3"}


def _latin1(text: str) -> bytes:
    return text.encode("latin-1", "replace")


def _raw_path(environ: Environ, decoded: bytes) -> bytes:
    """The path as the client sent it, when the container kept it (gunicorn's RAW_URI,
    uWSGI's and mod_wsgi's REQUEST_URI) and no WSGI layer rewrote the path since; otherwise
    SCRIPT_NAME + PATH_INFO quoted again (an escaped "/" then reads as "/")."""
    for key in ("RAW_URI", "REQUEST_URI"):
        uri = environ.get(key)
        if uri:
            target = _latin1(uri).partition(b"?")[0]
            if b"://" in target:  # absolute-form: keep the path component
                target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
            if unquote_to_bytes(target) == decoded:
                return target
    return quote_from_bytes(decoded, safe=_PATH_SAFE).encode("ascii") or b"/"


def _address(host: Any, port: Any) -> Optional[Tuple[str, int]]:
    if not host:
        return None
    text = str(port or "")
    return (str(host), int(text) if text.isdigit() else 0)


def _tls(environ: Environ) -> Optional[TLSInfo]:
    """request.tls from mod_ssl's variables, when the container set them (spec 15.2)."""
    version = environ.get("SSL_PROTOCOL")
    cipher = environ.get("SSL_CIPHER")
    if not version or not cipher:
        return None
    pem = environ.get("SSL_CLIENT_CERT")
    cert = (
        ClientCertificate(
            str(environ.get("SSL_CLIENT_S_DN", "")),
            str(environ.get("SSL_CLIENT_I_DN", "")),
            str(environ.get("SSL_CLIENT_M_SERIAL", "")),
            str(pem),
        )
        if pem
        else None
    )
    return TLSInfo(str(version), str(cipher), environ.get("SSL_TLS_SNI") or None, None, cert)


def request_from_environ(environ: Environ, relay: Relay) -> Tuple[Request, HostChannel]:
    """The request of table 15.2 and the channel behind it."""
    decoded = _latin1(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
    headers: RawHeaders = []
    for key, value in environ.items():
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            headers.append((_latin1(key[5:].replace("_", "-").lower()), _latin1(value)))
    content_type = environ.get("CONTENT_TYPE")
    if content_type:
        headers.append((b"content-type", _latin1(content_type)))
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    length = int(text) if text.isdigit() else None
    if length is not None:
        headers.append((b"content-length", b"%d" % length))
    if length is None and _framed_without_body(environ):
        length = 0
    if environ.get("wsgi.input_terminated"):
        left = -1 if length is None else length
    else:  # PEP 3333: without a length there is nothing to read
        left = length = length or 0
    early_hints = environ.get("wsgi.early_hints")
    send = early_hints_sender(early_hints) if callable(early_hints) else None
    channel = HostChannel(relay, send)
    script_name = environ.get("SCRIPT_NAME", "")
    request = Request(
        environ["REQUEST_METHOD"],
        _raw_path(environ, decoded),
        query_string=_latin1(environ.get("QUERY_STRING", "")),
        scheme=environ.get("wsgi.url_scheme", "http"),
        http_version=_VERSIONS.get(environ.get("SERVER_PROTOCOL", ""), "1.1"),
        client=_address(environ.get("REMOTE_ADDR"), environ.get("REMOTE_PORT")),
        server=_address(environ.get("SERVER_NAME"), environ.get("SERVER_PORT")),
        headers=Headers(headers),
        content_length=length,
        capabilities=Capabilities.from_bits(EARLY_HINTS if send is not None else 0),
        body=Body(InputSource(environ["wsgi.input"], left, relay, channel)),
        channel=channel,
        root_path=_root_path(script_name),
        tls=_tls(environ),
    )
    origin = environ.get(REQUEST_KEY)
    if isinstance(origin, Request):
        # The same request seen through WSGI layers that changed the environ: request.state
        # stays the one dictionary of this request (spec 12.3).
        request._state = origin.state
    return request, channel


def _framed_without_body(environ: Environ) -> bool:
    """An HTTP/1.x request with neither a length nor chunked coding has no body (RFC 9112
    6.3), even where the container sets `wsgi.input_terminated`: its content_length is 0. An
    HTTP/2 or HTTP/3 request may carry one without a length."""
    if environ.get("SERVER_PROTOCOL") not in ("HTTP/1.1", "HTTP/1.0"):
        return False
    coding = str(environ.get("HTTP_TRANSFER_ENCODING") or "")
    return not coding.strip()


def _root_path(script_name: str) -> str:
    """request.root_path for SCRIPT_NAME: decoded like `path` (UTF-8, surrogate escapes), no
    trailing "/" (a container may give "/app/" with PATH_INFO "" or "x")."""
    script_name = script_name.rstrip("/")
    if not script_name:
        return ""
    text = _latin1(script_name).decode("utf-8", "surrogateescape")
    return text if text.startswith("/") else "/" + text


def stashed_request(environ: Environ) -> Optional[Request]:
    """The Request `from_wsgi` placed in the environ, when no WSGI layer changed the environ
    since (else the environ is the truth)."""
    request = environ.get(REQUEST_KEY)
    if isinstance(request, Request) and environ_matches(
        environ, request, environ.get("wsgi.input")
    ):
        return request
    return None


def relayed(request: Request, relay: Relay) -> Tuple[Request, HostChannel]:
    """`request` for an async application on the private loop: the same attributes, its body
    and informational responses relayed through the WSGI thread. Response trailers and push
    cannot pass the WSGI layer, so those capabilities are cleared."""
    origin = request._channel
    channel = HostChannel(relay, origin.send_informational, origin)
    bits = request.capabilities.bits & (EARLY_HINTS | REQUEST_TRAILERS)
    copy = request.replace(
        body=Body(RelayedBody(request.body, relay)),
        channel=channel,
        capabilities=Capabilities.from_bits(bits),
    )
    return copy, channel
