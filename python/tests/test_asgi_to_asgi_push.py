"""`to_asgi` and the requests a push promises (spec 8.5, 15.4): a host that dispatches the
promised request from within the push's `send`, as hypercorn does, gets it marked
`request.pushed`, without the push extension; no other request is marked."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest

from asgi_host import Host, http_scope, run
from wsging import Request, Response
from wsging.asgi import to_asgi

PUSH = {"http.response.push": {}}


class PushingHost(Host):
    """On `http.response.push`, starts the promised request on the same application before
    the send returns (hypercorn's order); `promise_path` overrides the path it dispatches."""

    def __init__(self, app: Any, scope: Dict[str, Any], promise_path: Optional[str] = None) -> None:
        super().__init__(app, scope)
        self.promise_path = promise_path
        self.promised: List[Host] = []

    async def send(self, message: Dict[str, Any]) -> None:
        await super().send(message)
        if message["type"] == "http.response.push":
            path, _, query = (self.promise_path or message["path"]).partition("?")
            scope = http_scope(path=path, query_string=query.encode(), extensions=dict(PUSH),
                               http_version="2")
            self.promised.append(Host(self.app, scope).body().start())


def _facts(request: Request) -> Dict[str, Any]:
    return {"path": request.path, "pushed": request.pushed, "push": request.capabilities.push,
            "extension": "push" in request.extensions}


def _apps(seen: List[Dict[str, Any]]) -> Dict[str, Any]:
    async def async_app(request: Request) -> Response:
        seen.append(_facts(request))
        if request.path == "/page":
            done = await request.extensions["push"].apush("/style.css?v=3")
            return Response(str(done))
        return Response("pushed body")

    def sync_app(request: Request) -> Response:
        seen.append(_facts(request))
        if request.path == "/page":
            return Response(str(request.extensions["push"].push("/style.css?v=3")))
        return Response("pushed body")

    return {"async": async_app, "sync": sync_app}


async def _serve(host: PushingHost) -> PushingHost:
    await host.run()
    for promised in host.promised:
        await promised.run()
    return host


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_the_promised_request_is_marked_pushed_and_offered_no_push(kind: str) -> None:
    seen: List[Dict[str, Any]] = []
    app = to_asgi(_apps(seen)[kind])
    scope = http_scope(path="/page", extensions=dict(PUSH), http_version="2")
    host = run(_serve(PushingHost(app, scope).body()))
    assert host.body_bytes == b"True"
    assert host.promised[0].body_bytes == b"pushed body"
    assert seen == [
        {"path": "/page", "pushed": False, "push": True, "extension": True},
        {"path": "/style.css", "pushed": True, "push": False, "extension": False},
    ]


def test_a_request_for_another_path_is_not_taken_for_the_promised_one() -> None:
    seen: List[Dict[str, Any]] = []
    app = to_asgi(_apps(seen)["async"])
    scope = http_scope(path="/page", extensions=dict(PUSH), http_version="2")
    run(_serve(PushingHost(app, scope, promise_path="/style.css").body()))  # no "?v=3"
    assert [fact["pushed"] for fact in seen] == [False, False]


def test_requests_started_elsewhere_meanwhile_are_not_pushed() -> None:
    seen: List[Dict[str, Any]] = []

    async def main() -> None:
        release = asyncio.Event()

        async def app(request: Request) -> Response:
            seen.append(_facts(request))
            if request.path == "/page":
                pushed = await request.extensions["push"].apush("/style.css")
                await release.wait()
                return Response(str(pushed))
            return Response("x")

        served = to_asgi(app)
        parent = PushingHost(served, http_scope(path="/page", extensions=dict(PUSH), http_version="2"))
        parent.body().start()
        await asyncio.sleep(0.05)
        # The same path, asked for by a client while the parent still runs.
        await Host(served, http_scope(path="/style.css", extensions=dict(PUSH))).body().run()
        release.set()
        await _serve(parent)

    run(main())
    assert sorted((fact["path"], fact["pushed"]) for fact in seen) == [
        ("/page", False), ("/style.css", False), ("/style.css", True)]
