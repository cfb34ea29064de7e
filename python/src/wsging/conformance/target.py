"""The host under test: where it listens, and ways to talk to it that every check shares."""

from __future__ import annotations

import json
import ssl
import uuid
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from .http1 import BodyInput, Connection, HeaderInput, Http1Response
from .results import expect

__all__ = ["Target"]


class Target:
    """`url` is where the conformance application is mounted: `http://HOST:PORT` or
    `http://HOST:PORT/PREFIX` (the prefix is then the `root_path` it must see)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http:// or https:// URL: {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.tls: Optional[ssl.SSLContext] = None
        self._interface: Optional[str] = None  # what the application says hosts it
        if self.scheme == "https":
            # The kit grades a host, it does not authenticate it: any certificate will do.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["http/1.1"])
            self.tls = context

    def path(self, endpoint: str) -> str:
        return self.prefix + endpoint

    def connect(self, timeout: Optional[float] = None) -> Connection:
        return Connection(self.host, self.port, timeout or self.timeout, self.tls)

    def request(
        self, method: str, endpoint: str, headers: HeaderInput = (), body: BodyInput = None,
        trailers: HeaderInput = (), version: str = "HTTP/1.1",
    ) -> Http1Response:
        """One request on a connection of its own."""
        with self.connect() as connection:
            return connection.request(method, self.path(endpoint), headers, body, trailers, version)

    def json(self, method: str, endpoint: str, **kwargs: Any) -> Dict[str, Any]:
        """The JSON an endpoint answers with (a 200 is expected)."""
        response = self.request(method, endpoint, **kwargs)
        return json_of(response, endpoint)

    def host_interface(self) -> str:
        """What the application says hosts it: "wsgi" (`to_wsgi`), "asgi" (`to_asgi`) or
        "server" (a WSGI-NG server)."""
        if self._interface is None:
            self._interface = str(self.json("GET", "/request").get("interface"))
        return self._interface

    def wsgi_container(self) -> bool:
        """Whether a WSGI container hosts the application (`to_wsgi`): some rows then grade
        what no WSGI container can do as degraded (spec 10.2's WSGI-host column), never a
        failure of the shim itself."""
        return self.host_interface() == "wsgi"

    def asgi_server(self) -> bool:
        """Whether an ASGI server hosts the application (`to_asgi`): the rows of what an ASGI
        server may leave out (spec 10.2's ASGI-host column) are then degraded."""
        return self.host_interface() == "asgi"

    def recorded(self, token: str, key: str, wait: float = 5.0) -> Dict[str, Any]:
        """What the application recorded under `token`, once `key` is there (or after `wait`)."""
        return self.json("GET", f"/recorded?token={token}&key={key}&wait={wait}")


def json_of(response: Http1Response, endpoint: str) -> Dict[str, Any]:
    expect(response.status == 200, f"{endpoint} answered {response.status}, not 200")
    expect(response.complete, f"{endpoint}: the response body was cut short")
    try:
        data = json.loads(response.body.decode("utf-8"))
    except ValueError:
        data = None
    expect(isinstance(data, dict), f"{endpoint} answered a body that is not a JSON object")
    return data  # type: ignore[no-any-return]


def new_token() -> str:
    return uuid.uuid4().hex
