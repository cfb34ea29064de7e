"""Small helpers the conformance application's endpoints share."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional
from urllib.parse import parse_qs

from ..api.response import Response

__all__ = ["facts_of", "host_interface", "json_reply", "param"]

CAPABILITY_NAMES = ("response_trailers", "early_hints", "push", "websocket", "request_trailers")


def param(request: Any, name: str, default: str = "") -> str:
    values = parse_qs(request.query_string.decode("latin-1")).get(name)
    return values[0] if values else default


def json_reply(data: Dict[str, Any], status: int = 200, headers: Optional[Any] = None) -> Response:
    body = json.dumps(data, sort_keys=True).encode("utf-8")
    return Response(body, status, headers, content_type="application/json")


def _address(value: Any) -> Optional[list]:  # type: ignore[type-arg]
    return None if value is None else [value[0], value[1]]


def host_interface(request: Any) -> str:
    """"wsgi" when a WSGI container hosts the application through `wsging.wsgi.to_wsgi`, "asgi"
    when an ASGI server hosts it through `wsging.asgi.to_asgi` (its requests have the shim's
    channel): the host columns of spec 10.2 then say what the host can do. Any other host is
    held to the protocol columns."""
    from ..asgi.to_channel import AsgiChannel
    from ..wsgi.host_channel import HostChannel

    channel = getattr(request, "_channel", None)
    if isinstance(channel, HostChannel):
        return "wsgi"
    return "asgi" if isinstance(channel, AsgiChannel) else "server"


def facts_of(request: Any) -> Dict[str, Any]:
    """What the host gave the application, in JSON terms (bytes as latin-1 text)."""
    capabilities = request.capabilities
    return {
        "method": request.method,
        "path": request.path,
        "raw_path": request.raw_path.decode("latin-1"),
        "root_path": request.root_path,
        "query_string": request.query_string.decode("latin-1"),
        "scheme": request.scheme,
        "http_version": request.http_version,
        "client": _address(request.client),
        "server": _address(request.server),
        "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in request.headers.raw],
        "content_length": request.content_length,
        "spec_version": list(request.spec_version),
        "capabilities": {name: getattr(capabilities, name) for name in CAPABILITY_NAMES},
        "capabilities_in": {name: name in capabilities for name in CAPABILITY_NAMES},
        "extensions": sorted(request.extensions),
        "websocket_offer": request.websocket is not None,
        "pushed": request.pushed,
        "disconnected": request.disconnected,
        "tls": request.tls is not None,
        "interface": host_interface(request),
    }
