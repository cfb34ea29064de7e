"""wsging.asgi.from_asgi's lifespan (spec 11.4, 15.4): the ASGI lifespan protocol run when the
host enters and leaves `app.lifespan()`, and its state handed to requests."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

from wsging.asgi import from_asgi
from wsging.testing import TestClient
from wsging.worker.loading import LoadError

Scope = Dict[str, Any]


def lifespan_app(events: List[str], *, fail_startup: bool = False, fail_shutdown: bool = False) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            assert scope["asgi"]["version"] == "3.0"
            while True:
                message = await receive()
                events.append(message["type"])
                if message["type"] == "lifespan.startup":
                    if fail_startup:
                        await send({"type": "lifespan.startup.failed", "message": "no database"})
                        return
                    await asyncio.sleep(0)  # startup work that waits
                    scope["state"]["pool"] = ["connection"]
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if fail_shutdown:
                        await send({"type": "lifespan.shutdown.failed", "message": "stuck"})
                    else:
                        await send({"type": "lifespan.shutdown.complete"})
                    return
        else:
            state = scope["state"]
            body = f"{state.get('pool')} {sorted(state)}".encode()
            state["mine"] = True  # stays this request's
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})

    return app


def test_startup_and_shutdown_with_state_for_requests() -> None:
    events: List[str] = []
    with TestClient(from_asgi(lifespan_app(events))) as client:
        assert events == ["lifespan.startup"]
        assert client.get("/").body == b"['connection'] ['pool']"
        assert client.get("/").body == b"['connection'] ['pool']"
    assert events == ["lifespan.startup", "lifespan.shutdown"]


def test_startup_failure_stops_the_start() -> None:
    events: List[str] = []
    with pytest.raises(LoadError, match="no database"):
        with TestClient(from_asgi(lifespan_app(events, fail_startup=True))):
            pass


def test_shutdown_failure_is_raised_at_exit() -> None:
    events: List[str] = []
    app = from_asgi(lifespan_app(events, fail_shutdown=True))

    async def run() -> None:
        async with app.lifespan():
            pass

    with pytest.raises(RuntimeError, match="stuck"):
        asyncio.run(run())
    assert events == ["lifespan.startup", "lifespan.shutdown"]


@pytest.mark.parametrize("how", ["raises", "returns"])
def test_an_application_without_lifespan_is_tolerated(how: str) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            if how == "raises":
                raise ValueError("Django can only handle ASGI/HTTP connections, not lifespan.")
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"served"})

    with TestClient(from_asgi(app)) as client:
        assert client.get("/").body == b"served"


def test_the_lifespan_is_found_through_middleware() -> None:
    from wsging.worker.loading import find_lifespan

    inner = from_asgi(lifespan_app([]))

    async def middleware(request: Any) -> Any:
        return await inner(request)

    middleware.__wrapped__ = inner  # type: ignore[attr-defined]
    assert find_lifespan(middleware) is inner.lifespan
