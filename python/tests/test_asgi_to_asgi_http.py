"""`wsging.asgi.to_asgi` for HTTP scopes, driven with hand-written ASGI events (asgi_host.Host
plays the server): the request built from the scope, bodies both ways with backpressure,
disconnects, errors, trailers, early hints, push and files (spec 15.4)."""
from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List

import pytest

from asgi_host import Host, http_scope, run
from wsging import ClientDisconnected, FileResponse, Request, Response
from wsging.asgi import to_asgi

DISCONNECT = {"type": "http.disconnect"}


def test_request_from_the_scope() -> None:
    seen: Dict[str, Any] = {}

    def app(request: Request) -> Response:
        seen["request"] = request
        seen["state"] = request.state
        return Response("ok")

    state = {"db": "connected"}
    scope = http_scope(
        "POST", "/app/a%2Fb", query_string=b"x=1",
        headers=[(b"host", b"example.org"), (b"content-length", b"0"), (b"x-a", b"1"), (b"x-a", b"2")],
        root_path="/app", state=state, http_version="2",
    )
    host = run(Host(to_asgi(app), scope).body().run())
    request = seen["request"]
    assert host.status == 200 and host.body_bytes == b"ok"
    assert request.method == "POST" and request.raw_path == b"/app/a%2Fb"
    assert request.path == "/app/a/b" and request.root_path == "/app"
    assert request.query_string == b"x=1" and request.http_version == "2"
    assert request.client == ("127.0.0.1", 50123) and request.server == ("127.0.0.1", 8000)
    assert request.headers.get_all("x-a") == ["1", "2"] and request.content_length == 0
    assert request.state is state  # the host's per-request state is request.state
    assert request.tls is None and request.websocket is None
    caps = request.capabilities
    assert not (caps.response_trailers or caps.early_hints or caps.push or caps.websocket
                or caps.request_trailers)
    assert request.spec_version == (1, 0)


def test_sync_app_reads_a_streamed_body_in_a_thread() -> None:
    threads: List[str] = []

    def app(request: Request) -> Response:
        threads.append(threading.current_thread().name)
        first = request.body.read(3)
        rest = request.body.read()
        return Response(first + b"|" + rest)

    host = run(Host(to_asgi(app), http_scope("POST")).body(b"ab", b"cd", b"ef").run())
    assert host.body_bytes == b"abc|def"
    assert threads[0].startswith("wsging-asgi")


def test_blocking_read_on_the_loop_raises() -> None:
    errors: List[BaseException] = []

    async def app(request: Request) -> Response:
        try:
            request.body.read()
        except RuntimeError as exc:
            errors.append(exc)
        return Response(await request.body.aread())

    host = run(Host(to_asgi(app), http_scope("POST")).body(b"data").run())
    assert host.body_bytes == b"data"
    assert errors and "event loop" in str(errors[0])


def test_request_body_is_read_a_window_ahead_at_most() -> None:
    """The host stops reading the client while the application does not read (6.5): 64 KiB
    are held at most, here two events of 40 KiB."""

    async def main() -> None:
        release = asyncio.Event()

        async def app(request: Request) -> Response:
            await release.wait()
            return Response(await request.body.aread())

        chunks = [b"%d" % i * 40_000 for i in range(6)]
        host = Host(to_asgi(app), http_scope("POST")).body(*chunks).start()
        await asyncio.sleep(0.1)
        assert host.receives == 2 and host.incoming.qsize() == 4
        release.set()
        await host.run()
        assert host.body_bytes == b"".join(chunks)

    run(main())


def test_response_chunks_are_pulled_only_after_the_host_took_the_last() -> None:
    pulled: List[int] = []

    async def main() -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(3):
                pulled.append(i)
                yield b"%d" % i

        async def app(request: Request) -> Response:
            return Response(chunks())

        host = Host(to_asgi(app), http_scope())
        gate = host.send_gate = asyncio.Event()
        host.body().start()
        await asyncio.sleep(0.1)
        assert pulled == [] and host.sent == []  # the head waits for the host
        gate.set()
        await host.run()
        assert host.body_bytes == b"012"
        # The first, empty, event sends the head on hosts that wait for a body event.
        assert [(m["body"], m.get("more_body")) for m in host.of("http.response.body")] == [
            (b"", True), (b"0", True), (b"1", True), (b"2", True), (b"", False)]

    run(main())


def test_head_is_sent_before_the_first_chunk_is_made() -> None:
    async def main() -> None:
        go = threading.Event()

        def body() -> Iterator[bytes]:
            go.wait(5)
            yield b"late"

        host = Host(to_asgi(lambda request: Response(body(), headers={"x-early": "1"})), http_scope())
        host.body().start()
        start = await host.wait_for("http.response.start")
        assert dict(start["headers"])[b"x-early"] == b"1"
        # granian and daphne write the head only with a body event: an empty one comes first.
        flush = await host.wait_for("http.response.body")
        assert (flush["body"], flush["more_body"]) == (b"", True)
        go.set()
        await host.run()
        assert host.body_bytes == b"late"

    run(main())


def test_disconnect_cancels_a_waiting_async_app_and_callbacks_hear_it() -> None:
    outcomes: List[str] = []
    cancelled: List[bool] = []

    async def main() -> None:
        async def app(request: Request) -> Response:
            request.on_complete(outcomes.append)
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
            return Response("never")

        host = Host(to_asgi(app), http_scope()).body()
        host.start()
        await asyncio.sleep(0.05)
        host.feed(DISCONNECT)
        await host.run()
        assert host.sent == []  # nobody to answer

    run(main())
    assert cancelled == [True] and outcomes == ["client-gone"]


def test_wait_disconnected_returns_instead_of_a_cancel() -> None:
    seen: List[Any] = []

    async def main() -> None:
        async def app(request: Request) -> Response:
            left = await request.wait_disconnected()
            seen.append((left, request.disconnected))
            try:
                await request.body.aread()
            except ClientDisconnected:
                seen.append("read raised")
            return Response("late")

        host = Host(to_asgi(app), http_scope("POST"))
        host.feed({"type": "http.request", "body": b"x", "more_body": True}).start()
        await asyncio.sleep(0.05)
        host.feed(DISCONNECT)
        await host.run()
        assert host.sent == []

    run(main())
    assert seen == [(True, True), "read raised"]


def test_streaming_body_closed_when_the_client_leaves() -> None:
    closed: List[bool] = []
    outcomes: List[str] = []

    async def main() -> None:
        def forever() -> Iterator[bytes]:
            try:
                while True:
                    yield b"tick"
            finally:
                closed.append(True)

        def app(request: Request) -> Response:
            request.on_complete(outcomes.append)
            return Response(forever())

        host = Host(to_asgi(app), http_scope()).body().start()
        await host.wait_for("http.response.body", 3)
        host.feed(DISCONNECT)
        await host.run()

    run(main())
    assert closed == [True] and outcomes == ["client-gone"]


def test_application_error_is_a_500_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    def app(request: Request) -> Response:
        raise KeyError("secret-detail")

    with caplog.at_level(logging.ERROR, logger="wsging.asgi"):
        host = run(Host(to_asgi(app), http_scope()).body().run())
    assert host.status == 500
    assert b"secret" not in host.body_bytes and b"Traceback" not in host.body_bytes
    assert "secret-detail" in caplog.text


@pytest.mark.parametrize("answer", [None, 42, "text", Response("x", 200).headers])
def test_what_is_not_a_response_is_a_500(answer: object) -> None:
    host = run(Host(to_asgi(lambda request: answer), http_scope()).body().run())
    assert host.status == 500


def test_system_exit_is_a_500_not_the_end_of_the_host() -> None:
    def app(request: Request) -> Response:
        raise SystemExit(3)

    host = run(Host(to_asgi(app), http_scope()).body().run())
    assert host.status == 500


def test_body_error_after_the_head_aborts_the_response() -> None:
    from wsging.asgi.to_http import ResponseAborted

    outcomes: List[str] = []

    def body() -> Iterator[bytes]:
        yield b"part"
        raise ValueError("broken")

    def app(request: Request) -> Response:
        request.on_complete(outcomes.append)
        return Response(body())

    with pytest.raises(ResponseAborted) as aborted:
        run(Host(to_asgi(app), http_scope()).body().run())
    assert isinstance(aborted.value.__cause__, ValueError)
    assert outcomes == ["aborted"]


def test_declared_length_not_met_aborts() -> None:
    from wsging.asgi.to_http import ResponseAborted

    def app(request: Request) -> Response:
        return Response(iter([b"abc"]), headers={"content-length": "10"})

    with pytest.raises(ResponseAborted):
        run(Host(to_asgi(app), http_scope()).body().run())


def test_trailers_with_the_extension_and_te_trailers() -> None:
    def app(request: Request) -> Response:
        assert request.capabilities.response_trailers
        return Response(iter([b"a", b"b"]), trailers=lambda: [("X-Sum", "2")])

    scope = http_scope(headers=[(b"te", b"trailers")], extensions={"http.response.trailers": {}})
    host = run(Host(to_asgi(app), scope).body().run())
    assert host.of("http.response.start")[0]["trailers"] is True
    assert host.body_bytes == b"ab"
    assert host.sent[-1] == {"type": "http.response.trailers", "headers": [(b"x-sum", b"2")],
                             "more_trailers": False}


@pytest.mark.parametrize("scope", [
    http_scope(headers=[(b"te", b"trailers")]),  # no extension
    http_scope(extensions={"http.response.trailers": {}}),  # the client did not ask
    http_scope("HEAD", headers=[(b"te", b"trailers")], extensions={"http.response.trailers": {}}),
])
def test_trailers_dropped_but_the_callable_still_runs(scope: Dict[str, Any]) -> None:
    called: List[bool] = []

    def trailers() -> List[Any]:
        called.append(True)
        return [("x-sum", "1")]

    def app(request: Request) -> Response:
        assert not request.capabilities.response_trailers
        return Response(iter([b"a"]), trailers=trailers)

    host = run(Host(to_asgi(app), scope).body().run())
    assert called == [True] and host.of("http.response.trailers") == []
    assert "trailers" not in host.of("http.response.start")[0]


def test_head_request_sends_no_body_and_never_pulls_it() -> None:
    pulled: List[bool] = []

    def body() -> Iterator[bytes]:
        pulled.append(True)
        yield b"x"

    host = run(Host(to_asgi(lambda request: Response(body())), http_scope("HEAD")).body().run())
    assert host.status == 200 and host.body_bytes == b"" and pulled == []


def test_early_hints_carry_the_link_fields() -> None:
    results: List[Any] = []

    def app(request: Request) -> Response:
        results.append(request.send_informational(103, [("link", "</a.css>; rel=preload"),
                                                        ("x-other", "lost")]))
        results.append(request.send_informational(102))  # ASGI has no other 1xx
        return Response("page")

    scope = http_scope(extensions={"http.response.early_hint": {}})
    host = run(Host(to_asgi(app), scope).body().run())
    assert results == [True, False]
    assert host.sent[0] == {"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload"]}
    assert host.sent[1]["type"] == "http.response.start"


def test_early_hints_without_the_extension_return_false() -> None:
    async def app(request: Request) -> Response:
        return Response(str(await request.asend_informational(103, [("link", "</a>")])))

    host = run(Host(to_asgi(app), http_scope()).body().run())
    assert host.body_bytes == b"False" and host.of("http.response.early_hint") == []


def test_push_extension() -> None:
    async def app(request: Request) -> Response:
        assert request.capabilities.push
        pushed = await request.extensions["push"].apush("/style.css", headers=[("Accept", "text/css")])
        return Response(str(pushed))

    scope = http_scope(extensions={"http.response.push": {}})
    host = run(Host(to_asgi(app), scope).body().run())
    assert host.sent[0] == {"type": "http.response.push", "path": "/style.css",
                            "headers": [(b"accept", b"text/css")]}
    assert host.body_bytes == b"True"


def test_file_by_pathsend_when_the_host_declares_it(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"file content")
    scope = http_scope(extensions={"http.response.pathsend": {}})
    host = run(Host(to_asgi(lambda request: FileResponse(str(path))), scope).body().run())
    assert host.sent[-1] == {"type": "http.response.pathsend", "path": str(path)}
    assert host.headers[b"content-length"] == b"12"


def test_file_replaced_since_it_was_opened_is_streamed_from_the_open_file(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"original")

    def app(request: Request) -> Response:
        response = FileResponse(str(path))
        os.replace(_write(tmp_path / "other", b"imposter"), path)
        return response

    scope = http_scope(extensions={"http.response.pathsend": {}})
    host = run(Host(to_asgi(app), scope).body().run())
    assert host.of("http.response.pathsend") == [] and host.body_bytes == b"original"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_file_slice_by_zerocopysend(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    sent: List[bytes] = []

    async def main() -> None:
        host = Host(to_asgi(lambda request: FileResponse(str(path), offset=2, length=5)),
                    http_scope(extensions={"http.response.zerocopysend": {}}))
        send = host.send

        async def reading_send(message: Dict[str, Any]) -> None:
            if message["type"] == "http.response.zerocopysend":
                sent.append(os.pread(message["file"].fileno(), message["count"], message["offset"]))
            await send(message)

        host.send = reading_send  # type: ignore[method-assign]
        await host.body().run()

    run(main())
    assert sent == [b"23456"]


def test_file_streamed_without_a_file_extension(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    data = os.urandom(200_000)
    path.write_bytes(data)
    host = run(Host(to_asgi(lambda request: FileResponse(str(path))), http_scope()).body().run())
    assert host.body_bytes == data and len(host.of("http.response.body")) > 2


def test_101_to_an_ordinary_request_is_a_500() -> None:
    from wsging import WebSocketOffer

    def app(request: Request) -> Any:
        return WebSocketOffer().accept(lambda ws: None)

    host = run(Host(to_asgi(app), http_scope()).body().run())
    assert host.status == 500


def test_expect_100_continue_reads_only_on_demand() -> None:
    async def main() -> None:
        async def app(request: Request) -> Response:
            return Response("refused without reading", 401)

        scope = http_scope("POST", headers=[(b"expect", b"100-continue")])
        host = Host(to_asgi(app), scope)
        host.start()
        await host.wait_for("http.response.start")
        # The host sends 100 on the first receive(): none was made before the head.
        assert host.status == 401
        host.body(b"late")
        await host.run()

    run(main())


def test_context_is_the_requests_own() -> None:
    var: "contextvars.ContextVar[str]" = contextvars.ContextVar("var", default="unset")
    seen: List[str] = []

    def app(request: Request) -> Response:
        var.set(request.path)

        def body() -> Iterator[bytes]:
            seen.append(var.get())
            yield b"x"

        request.on_complete(lambda outcome: seen.append(var.get()))
        return Response(body())

    async def main() -> None:
        await asyncio.gather(*(Host(to_asgi(app), http_scope(path=f"/{i}")).body().run()
                               for i in range(3)))

    run(main())
    assert sorted(seen) == ["/0", "/0", "/1", "/1", "/2", "/2"]
    assert var.get() == "unset"


def test_sync_app_returning_an_awaitable_is_awaited() -> None:
    async def inner(request: Request) -> Response:
        return Response("awaited")

    def app(request: Request) -> Any:
        return inner(request)

    host = run(Host(to_asgi(app), http_scope()).body().run())
    assert host.body_bytes == b"awaited"


def test_invalid_header_smuggled_into_raw_is_a_500() -> None:
    def app(request: Request) -> Response:
        response = Response("x")
        response.headers.raw.append((b"x-bad", b"a\r\nb"))
        return response

    host = run(Host(to_asgi(app), http_scope()).body().run())
    assert host.status == 500


def test_connection_fields_are_not_forwarded_on_http2() -> None:
    def app(request: Request) -> Response:
        return Response("x", headers=[("connection", "close"), ("keep-alive", "5"), ("X-Y", "z")])

    h1 = run(Host(to_asgi(app), http_scope()).body().run())
    h2 = run(Host(to_asgi(app), http_scope(http_version="2")).body().run())
    assert h1.headers[b"connection"] == b"close" and b"keep-alive" not in h1.headers
    assert b"connection" not in h2.headers and h2.headers[b"x-y"] == b"z"


def test_unknown_scope_type_is_refused() -> None:
    with pytest.raises(ValueError, match="not 'mqtt'"):
        run(Host(to_asgi(lambda request: Response()), {"type": "mqtt"}).run())


def test_stashed_request_used_while_the_scope_describes_it() -> None:
    original = Request("GET", b"/x", headers=[(b"Host", b"h")], body=b"")
    seen: List[Request] = []

    def app(request: Request) -> Response:
        seen.append(request)
        return Response("ok")

    scope = http_scope(path="/x", headers=[(b"host", b"h")], **{"wsging.request": original})
    run(Host(to_asgi(app), scope).run())
    changed = http_scope(path="/y", headers=[(b"host", b"h")], **{"wsging.request": original})
    run(Host(to_asgi(app), changed).body().run())
    assert seen[0] is original and seen[1] is not original and seen[1].path == "/y"
