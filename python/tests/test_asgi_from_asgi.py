"""wsging.asgi.from_asgi over HTTP (spec 15.4): hand-written ASGI 3 applications driven by the
in-process TestClient, which runs them through the real worker dispatch."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any, Dict, List

import pytest

from wsging import ClientCertificate, ClientDisconnected, Request, TLSInfo
from wsging.api.capabilities import EARLY_HINTS, RESPONSE_TRAILERS
from wsging.asgi import from_asgi
from wsging.asgi.tls_numbers import CIPHER_SUITES
from wsging.testing import TestClient

Scope = Dict[str, Any]


def served(app: Any) -> Any:
    """`app` on wsging; these applications serve HTTP only, so their lifespan is declined (by
    returning at once, which from_asgi tolerates)."""

    async def http_only(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)

    return from_asgi(http_only)


def whole(status: int, body: bytes, headers: Any = ()) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    return app


def test_scope_from_the_request() -> None:
    seen: List[Scope] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(scope)
        await whole(200, b"ok")(scope, receive, send)

    with TestClient(served(app)) as client:
        response = client.get("/caf%C3%A9/a%2Fb?x=1&y", headers=[("X-Mixed-Case", "v"), ("accept", "a"), ("Accept", "b")])
    assert response.status == 200 and response.body == b"ok"
    scope = seen[0]
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["method"] == "GET" and scope["scheme"] == "http" and scope["http_version"] == "1.1"
    assert scope["path"] == "/café/a/b" and scope["raw_path"] == b"/caf%C3%A9/a%2Fb"
    assert scope["root_path"] == "" and scope["query_string"] == b"x=1&y"
    # Names lower-cased as ASGI requires; order and duplicates kept.
    assert scope["headers"] == [(b"host", b"testserver"), (b"x-mixed-case", b"v"), (b"accept", b"a"), (b"accept", b"b")]
    assert scope["client"] == ("testclient", 50000) and scope["server"] == ("testserver", 80)
    request = scope["wsging.request"]
    assert isinstance(request, Request) and scope["state"] is request.state
    # HTTP/1.1 without TE: trailers: early hints, no trailers; files always; not TLS.
    assert set(scope["extensions"]) == {"http.response.pathsend", "http.response.early_hint"}


def test_extensions_follow_the_capabilities() -> None:
    seen: List[Scope] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(scope)
        await whole(204, b"")(scope, receive, send)

    with TestClient(served(app), capabilities=RESPONSE_TRAILERS) as client:
        client.get("/")
    with TestClient(served(app), http_version="1.0") as client:
        client.get("/")
    assert set(seen[0]["extensions"]) == {"http.response.pathsend", "http.response.trailers"}
    assert set(seen[1]["extensions"]) == {"http.response.pathsend"}
    assert seen[1]["http_version"] == "1.0"
    # Each request has dictionaries of its own: what one application adds, no other sees.
    assert seen[0]["extensions"] is not seen[1]["extensions"]


def test_tls_extension() -> None:
    seen: List[Scope] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(scope)
        await whole(200, b"")(scope, receive, send)

    cert = ClientCertificate("CN=alice,O=Example", "CN=Test CA", "1A2B", "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n")
    tls = TLSInfo("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "example.com", "h2", cert)
    with TestClient(served(app), tls=tls) as client:
        client.get("/")
    with TestClient(served(app), scheme="https") as client:
        client.get("/")
    with TestClient(served(app)) as client:
        client.get("/")
    first, second, plain = (scope["extensions"].get("tls") for scope in seen)
    assert seen[0]["scheme"] == "https"
    assert first == {
        "server_cert": None,
        "client_cert_chain": [cert.pem],
        "client_cert_name": "CN=alice,O=Example",
        "client_cert_error": None,
        "tls_version": 0x0303,
        "cipher_suite": 0xC02F,
    }
    assert second["tls_version"] == 0x0304 and second["cipher_suite"] == 0x1301
    assert second["client_cert_chain"] == [] and second["client_cert_name"] is None
    assert plain is None


def test_cipher_suite_numbers_are_the_registry_values() -> None:
    # Spot checks against RFC 8446 B.4 and RFC 7905.
    assert CIPHER_SUITES["TLS_AES_256_GCM_SHA384"] == 0x1302
    assert CIPHER_SUITES["TLS_CHACHA20_POLY1305_SHA256"] == 0x1303
    assert CIPHER_SUITES["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"] == 0xCCA9
    assert len(set(CIPHER_SUITES.values())) == len(CIPHER_SUITES)


def test_whole_response_keeps_its_head() -> None:
    app = whole(201, b'{"a": 1}', [(b"content-type", b"application/json"), (b"content-length", b"8"), (b"x-a", b"1")])
    with TestClient(served(app)) as client:
        response = client.get("/")
    assert response.status == 201 and response.body == b'{"a": 1}'
    assert response.headers.raw == [(b"content-type", b"application/json"), (b"content-length", b"8"), (b"x-a", b"1")]


def test_whole_response_without_a_length_gets_one_and_no_content_type() -> None:
    with TestClient(served(whole(200, b"abc"))) as client:
        response = client.get("/")
    assert response.headers.raw == [(b"content-length", b"3")]


def test_head_response_keeps_the_declared_length() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b""})

    with TestClient(served(app)) as client:
        response = client.head("/")
    assert response.status == 200 and response.body == b"" and response.headers.get("content-length") == "1000"


def test_streamed_response_comes_chunk_by_chunk() -> None:
    loop_of: List[asyncio.AbstractEventLoop] = []
    releases: List[asyncio.Event] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        loop_of.append(asyncio.get_running_loop())
        releases.append(asyncio.Event())  # made on the loop (Python 3.9 binds it at creation)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": b"first\n", "more_body": True})
        await releases[0].wait()
        await send({"type": "http.response.body", "body": b"second\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    with TestClient(served(app)) as client:
        stream = client.stream("GET", "/", end=True)
        head = stream.head()
        assert head.status == 200
        # No text/plain added to a streamed body: the application's head is sent as it is.
        assert head.headers.raw == [(b"content-type", b"text/event-stream")]
        pieces = stream.iter_bytes()
        assert next(pieces) == b"first\n"  # before the application went on
        loop_of[0].call_soon_threadsafe(releases[0].set)
        assert b"".join(pieces) == b"second\n"
        assert stream.response().reset is None


def test_each_send_waits_until_the_server_took_its_chunk() -> None:
    sent: List[int] = []
    chunk = b"x" * 1000

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i in range(50):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent.append(i)
        await send({"type": "http.response.body", "body": b""})

    # A 4 KiB window: the client reads nothing until the end of the test's wait.
    with TestClient(served(app), response_window=4096) as client:
        stream = client.stream("GET", "/", end=True)
        stream.head()
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and len(sent) < 50:
            time.sleep(0.01)
        held = len(sent)
        body = stream.response().body
    # The window holds 4 chunks, one more is in the worker's hands, one in the shim's.
    assert held <= 7, held
    assert body == chunk * 50 and len(sent) == 50


def test_request_body_arrives_chunk_by_chunk_as_it_is_sent() -> None:
    events: List[Dict[str, Any]] = []
    got_first = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            events.append(message)
            got_first.set()
            if not message.get("more_body"):
                break
        body = b"".join(m["body"] for m in events)
        await whole(200, body)(scope, receive, send)

    with TestClient(served(app)) as client:
        stream = client.stream("POST", "/")  # chunked: length unknown
        stream.send(b"abc")
        assert got_first.wait(10)
        # The application had the first chunk before the rest was sent: no buffering.
        assert events[0] == {"type": "http.request", "body": b"abc", "more_body": True}
        stream.send(b"def")
        stream.send(b"", end=True)
        response = stream.response()
    assert response.body == b"abcdef"
    assert events[-1]["more_body"] is False


def test_declared_length_ends_the_body_with_its_last_chunk() -> None:
    events: List[Dict[str, Any]] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        events.append(await receive())
        await whole(200, b"")(scope, receive, send)

    with TestClient(served(app)) as client:
        client.post("/", body=b"12345")
        client.get("/")
    assert events[0] == {"type": "http.request", "body": b"12345", "more_body": False}
    assert events[1] == {"type": "http.request", "body": b"", "more_body": False}


def test_disconnect_is_received_when_the_client_leaves() -> None:
    received: List[Dict[str, Any]] = []
    waiting = threading.Event()
    done = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        received.append(await receive())  # the (empty) body
        waiting.set()
        received.append(await receive())  # blocks until the client leaves
        done.set()

    with TestClient(served(app)) as client:
        stream = client.stream("GET", "/", end=True)
        assert waiting.wait(10)
        stream.cancel()
        assert done.wait(10)
    assert received == [{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}]


def test_send_raises_an_oserror_and_a_sleeping_app_is_cancelled_when_the_client_leaves() -> None:
    outcome: List[str] = []
    streaming = threading.Event()
    finished = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"tick\n", "more_body": True})
        streaming.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            try:
                await send({"type": "http.response.body", "body": b"late", "more_body": True})
            except OSError as exc:  # ASGI spec 2.4
                outcome.append(type(exc).__name__)
            finished.set()
            raise

    with TestClient(served(app)) as client:
        stream = client.stream("GET", "/", end=True)
        assert next(stream.iter_bytes()) == b"tick\n"
        assert streaming.wait(10)
        stream.cancel()
        assert finished.wait(10)
    assert outcome == ["cancelled", ClientDisconnected.__name__]
    assert issubclass(ClientDisconnected, OSError)


def test_error_before_the_head_is_a_500_without_its_text() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise KeyError("secret-detail")

    with TestClient(served(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 500 and b"secret-detail" not in response.body
    with TestClient(served(app)) as client:
        with pytest.raises(KeyError):
            client.get("/")


def test_returning_without_a_response_is_a_500() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        return None

    with TestClient(served(app)) as client:
        with pytest.raises(RuntimeError, match="without sending http.response.start"):
            client.get("/")


def test_invalid_head_raises_in_the_applications_send() -> None:
    caught: List[BaseException] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"x-bad", b"a\r\nb")]})
        except ValueError as exc:
            caught.append(exc)
        await whole(502, b"")(scope, receive, send)

    with TestClient(served(app)) as client:
        assert client.get("/").status == 502
    assert "x-bad" in str(caught[0])


def test_error_after_the_head_cuts_the_response_short() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        await asyncio.sleep(0)
        raise RuntimeError("after the head")

    with TestClient(served(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status == 200 and response.reset is not None
    assert response.body == b"partial"


def test_ending_without_the_last_body_message_cuts_the_response_short() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})

    with TestClient(served(app), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.reset is not None


def test_messages_out_of_order_raise_in_the_application() -> None:
    caught: List[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        try:
            await send({"type": "http.response.body", "body": b"x"})
        except RuntimeError as exc:
            caught.append(str(exc))
        await whole(200, b"ok")(scope, receive, send)
        try:
            await send({"type": "http.response.body", "body": b"again"})
        except RuntimeError as exc:
            caught.append(str(exc))

    with TestClient(served(app)) as client:
        assert client.get("/").body == b"ok"
    assert "before http.response.start" in caught[0] and "after the response ended" in caught[1]


def test_work_after_the_response_goes_on() -> None:
    # Starlette's background tasks run in the application after its last body message.
    done = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await whole(200, b"ok")(scope, receive, send)
        await asyncio.sleep(0.01)
        done.set()

    with TestClient(served(app)) as client:
        assert client.get("/").body == b"ok"
        assert done.wait(10)


def test_trailers_follow_the_body() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        assert "http.response.trailers" in scope["extensions"]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"trailer", b"grpc-status")], "trailers": True})
        await send({"type": "http.response.body", "body": b"data", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        await send({"type": "http.response.trailers", "headers": [(b"grpc-status", b"0")], "more_trailers": True})
        await send({"type": "http.response.trailers", "headers": [(b"grpc-message", b"ok")], "more_trailers": False})

    with TestClient(served(app)) as client:
        response = client.get("/", headers={"te": "trailers"})
    assert response.body == b"data"
    assert response.trailers is not None
    assert response.trailers.raw == [(b"grpc-status", b"0"), (b"grpc-message", b"ok")]


def test_early_hints_become_103() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.early_hint", "links": [b"</style.css>; rel=preload; as=style", b"</a.js>; rel=preload; as=script"]})
        await whole(200, b"page")(scope, receive, send)

    with TestClient(served(app)) as client:
        response = client.get("/")
    assert response.informational == [
        (103, response.informational[0][1]),
    ]
    assert response.informational[0][1].get_all("link") == ["</style.css>; rel=preload; as=style", "</a.js>; rel=preload; as=script"]
    with TestClient(served(app), capabilities=0) as client:
        assert client.get("/").informational == []  # not offered: the message is dropped


def test_pathsend_sends_the_file(tmp_path: Any) -> None:
    target = tmp_path / "data.bin"
    content = os.urandom(100_000)
    target.write_bytes(content)
    sent_head: List[bool] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        head = [(b"content-type", b"application/octet-stream"), (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        if scope["path"] == "/late":
            await asyncio.sleep(0.01)  # the head goes out before the path is known
            sent_head.append(True)
        await send({"type": "http.response.pathsend", "path": str(target)})

    with TestClient(served(app)) as client:
        response = client.get("/file")
        late = client.get("/late")
    assert response.status == 200 and response.body == content
    assert response.headers.get("content-type") == "application/octet-stream"
    assert late.body == content and sent_head == [True]


def test_lifespan_less_app_serves_with_state_from_nothing() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise ValueError("lifespan is not supported here")  # as Django's handler does
        scope["state"]["seen"] = True
        await whole(200, repr(sorted(scope["state"])).encode())(scope, receive, send)

    with TestClient(from_asgi(app)) as client:
        assert client.get("/").body == b"['seen']"
        assert client.get("/").body == b"['seen']"  # each request has a state of its own
