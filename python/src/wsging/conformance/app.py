"""The conformance application: a WSGI-NG application with one endpoint per feature of the
specification that a host can be graded on. `python -m wsging.conformance URL` drives a host
serving it (`wsging.conformance.app:app`).

It is a sync application, as most are; its `/kind/async` and `/body/async` endpoints return a
coroutine, which a host must await on its event loop (spec 4.1, MUST-APP-7), so async code is
graded on the same host. Every request path may carry the host's mount prefix
(`root_path`): routing uses the part after it."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Dict, Iterator

from ..api.response import Response
from . import records
from .endpoints_request import ROUTES as REQUEST_ROUTES
from .endpoints_response import ROUTES as RESPONSE_ROUTES
from .endpoints_session import ROUTES as SESSION_ROUTES

__all__ = ["ConformanceApp", "app"]

Endpoint = Callable[[Any], Any]


class ConformanceApp:
    """Routes by path; `/request/<anything>` reports the request (so a path can carry `%2F`)."""

    def __init__(self) -> None:
        self.routes: Dict[str, Endpoint] = {**REQUEST_ROUTES, **RESPONSE_ROUTES, **SESSION_ROUTES}

    def __call__(self, request: Any) -> Any:
        path = request.path
        root = request.root_path
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root):] or "/"
        endpoint = self.routes.get(path)
        if endpoint is None and path.startswith("/request/"):
            endpoint = self.routes["/request"]
        if endpoint is None:
            return Response(b"no such conformance endpoint\n", 404, content_type="text/plain")
        return endpoint(request)

    def lifespan(self) -> "contextlib.AbstractContextManager[None]":
        """Spec 11.4: /lifespan reports whether this process entered it."""
        return _lifespan()


@contextlib.contextmanager
def _lifespan() -> Iterator[None]:
    records.lifespan_state.update(entered=True, pid=os.getpid())
    try:
        yield
    finally:
        records.lifespan_state["exited"] = True


app = ConformanceApp()
