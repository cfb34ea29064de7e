"""request.tls: the TLSInfo object, the TLS link frame in the worker session, the test client
and the WSGI shims (spec 5.4, 15.2, A.2)."""

import asyncio
import json

import pytest

from wsging import ClientCertificate, Request, Response, TLSInfo
from wsging.testing import TestClient
from wsging.worker import link
from wsging.wsgi import from_wsgi, to_wsgi
from wsging.wsgi.environ import environ_for

from test_session import SERVER_HELLO, Harness

CERT = ClientCertificate("CN=alice,O=Example", "CN=Example CA,O=Example", "4A3F01",
                         "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
FACTS = TLSInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", "api.example.com", "http/1.1", CERT)


def tls_json(request):
    tls = request.tls
    return Response(json.dumps({"scheme": request.scheme, "tls": None if tls is None else {
        "version": tls.version, "cipher": tls.cipher, "server_name": tls.server_name,
        "alpn_protocol": tls.alpn_protocol,
        "client_cert": None if tls.client_cert is None else list(tls.client_cert)}}))


# -- the object ----------------------------------------------------------------------------------


def test_tls_info_is_immutable_and_compares_by_value():
    with pytest.raises(AttributeError):
        FACTS.version = "TLSv1.2"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        CERT.subject = "CN=mallory"  # type: ignore[misc]
    assert FACTS == TLSInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", "api.example.com", "http/1.1", CERT)
    assert not hasattr(FACTS, "__dict__")  # slots only
    bare = TLSInfo("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    assert (bare.server_name, bare.alpn_protocol, bare.client_cert) == (None, None, None)


def test_request_tls_defaults_to_none_and_replace_changes_it():
    plain = Request("GET", b"/")
    assert plain.tls is None
    secure = plain.replace(scheme="https", tls=FACTS)
    assert secure.tls is FACTS and secure.scheme == "https"
    assert secure.replace(method="POST").tls is FACTS  # copies keep it
    assert secure.replace(tls=None).tls is None


def test_request_refuses_a_tls_that_is_not_tls_info():
    with pytest.raises(TypeError, match="TLSInfo"):
        Request("GET", b"/", tls={"version": "TLSv1.3"})  # type: ignore[arg-type]


# -- the worker session ---------------------------------------------------------------------------


def request_frame(stream, flags=link.END_STREAM):
    return link.encode_request(link.RequestFrame(
        stream, flags, "1.1", b"https", b"GET", b"/", b"", b"", 0, b"", 0, -1, 0, []))


def same_tls_request_frame(stream):
    return request_frame(stream, link.END_STREAM | link.SAME_TLS)


def tls_frame(stream, **changes):
    fields = dict(version="TLSv1.3", cipher="TLS_AES_128_GCM_SHA256", server_name="example.com",
                  alpn="http/1.1", client_subject="", client_issuer="", client_serial="", client_pem="")
    fields.update(changes)
    return link.encode_tls(link.TlsFrame(stream, **fields))


def test_worker_announces_tls_info():
    h = Harness()
    try:
        assert dict(h.hello.settings)[link.SETTING_TLS_INFO] == 2  # TLS frames and SAME_TLS
    finally:
        h.close()


def tls_seen(*data):
    """The `request.tls` of each request the frames in `data` start, in order."""
    seen = []

    async def app(request):
        seen.append(request.tls)
        return Response(b"ok")

    h = Harness(app)
    try:
        h.run(SERVER_HELLO, *data)
    finally:
        h.close()
    return seen


def test_tls_frame_reaches_the_request_of_its_stream_only():
    seen = tls_seen(tls_frame(1, client_subject="CN=a", client_issuer="CN=b", client_serial="0A",
                              client_pem="PEM"), request_frame(1), request_frame(3))
    assert seen[0] == TLSInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", "example.com", "http/1.1",
                              ClientCertificate("CN=a", "CN=b", "0A", "PEM"))
    assert seen[1] is None  # the next request had no TLS frame: clear text


def test_requests_of_one_connection_share_one_tls_info():
    seen = tls_seen(tls_frame(1), request_frame(1), tls_frame(3), request_frame(3))
    assert len(seen) == 2 and seen[0] is seen[1]


def test_a_same_tls_request_has_the_last_tls_frames_facts():
    seen = tls_seen(tls_frame(1), request_frame(1), same_tls_request_frame(3),
                    tls_frame(5, alpn="h2"), request_frame(5), same_tls_request_frame(7),
                    request_frame(9))
    assert len(seen) == 5
    assert seen[0].alpn_protocol == "http/1.1" and seen[1] is seen[0]
    assert seen[2].alpn_protocol == "h2" and seen[3] is seen[2]  # the latest TLS frame's facts
    assert seen[4] is None  # without the flag or a TLS frame: clear text


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(tls_frame(1) + request_frame(3), id="tls-then-request-of-another-stream"),
        pytest.param(tls_frame(1) + tls_frame(1), id="tls-twice"),
        pytest.param(request_frame(1) + tls_frame(1), id="tls-for-an-open-stream"),
        pytest.param(same_tls_request_frame(1), id="same-tls-before-any-tls-frame"),
        pytest.param(tls_frame(1) + same_tls_request_frame(1), id="same-tls-after-its-own-tls-frame"),
    ],
)
def test_misplaced_tls_frame_is_a_link_error(data):
    async def app(request):
        await asyncio.sleep(3600)  # keep stream 1 open

    h = Harness(app)
    try:
        frames = h.run(SERVER_HELLO + data)
        assert isinstance(frames[-1], link.GoawayFrame)
        assert frames[-1].code == link.GOAWAY_PROTOCOL_ERROR
    finally:
        h.close()


# -- the test client -------------------------------------------------------------------------------


def test_test_client_in_clear_text_has_no_tls():
    with TestClient(tls_json) as client:
        assert json.loads(client.get("/").body) == {"scheme": "http", "tls": None}


def test_test_client_https_reports_a_common_tls_connection():
    with TestClient(tls_json, scheme="https") as client:
        seen = json.loads(client.get("/").body)
    assert seen["scheme"] == "https"
    assert seen["tls"]["version"] == "TLSv1.3" and seen["tls"]["alpn_protocol"] == "http/1.1"
    assert seen["tls"]["client_cert"] is None


def test_test_client_passes_given_tls_facts():
    with TestClient(tls_json, tls=FACTS) as client:
        seen = json.loads(client.get("/").body)
    assert seen["scheme"] == "https"
    assert seen["tls"]["server_name"] == "api.example.com"
    assert seen["tls"]["client_cert"] == list(CERT)


def test_test_client_refuses_tls_in_clear_text():
    with pytest.raises(ValueError, match="https"):
        TestClient(tls_json, scheme="http", tls=FACTS)


# -- WSGI shims ------------------------------------------------------------------------------------


def test_from_wsgi_environ_has_https_and_mod_ssl_variables():
    environ = environ_for(Request("GET", b"/", scheme="https", tls=FACTS))
    assert environ["wsgi.url_scheme"] == "https" and environ["HTTPS"] == "on"
    assert environ["SSL_PROTOCOL"] == "TLSv1.3"
    assert environ["SSL_CIPHER"] == "TLS_AES_256_GCM_SHA384"
    assert environ["SSL_TLS_SNI"] == "api.example.com"
    assert environ["SSL_CLIENT_VERIFY"] == "SUCCESS"
    assert environ["SSL_CLIENT_S_DN"] == CERT.subject and environ["SSL_CLIENT_I_DN"] == CERT.issuer
    assert environ["SSL_CLIENT_M_SERIAL"] == "4A3F01" and environ["SSL_CLIENT_CERT"] == CERT.pem


def test_from_wsgi_environ_without_client_certificate_or_tls():
    environ = environ_for(Request("GET", b"/", scheme="https", tls=TLSInfo("TLSv1.2", "X")))
    assert environ["SSL_CLIENT_VERIFY"] == "NONE"
    assert "SSL_CLIENT_CERT" not in environ and "SSL_TLS_SNI" not in environ
    plain = environ_for(Request("GET", b"/"))
    assert "HTTPS" not in plain and not any(key.startswith("SSL_") for key in plain)


def test_a_wsgi_app_under_from_wsgi_sees_the_variables():
    def wsgi_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        keys = ("wsgi.url_scheme", "HTTPS", "SSL_PROTOCOL", "SSL_CLIENT_S_DN")
        return [json.dumps({k: environ.get(k) for k in keys}).encode()]

    with TestClient(from_wsgi(wsgi_app), tls=FACTS) as client:
        seen = json.loads(client.get("/").body)
    assert seen == {"wsgi.url_scheme": "https", "HTTPS": "on", "SSL_PROTOCOL": "TLSv1.3",
                    "SSL_CLIENT_S_DN": "CN=alice,O=Example"}


def call_wsgi(app, environ):
    status = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    body = b"".join(app(environ, start_response))
    return status[0], body


def base_environ(**extra):
    import io
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "example.com",
               "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO()}
    environ.update(extra)
    return environ


def test_to_wsgi_builds_request_tls_from_mod_ssl_variables():
    app = to_wsgi(tls_json)
    status, body = call_wsgi(app, base_environ(
        HTTPS="on", SSL_PROTOCOL="TLSv1.2", SSL_CIPHER="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        SSL_TLS_SNI="example.com", SSL_CLIENT_S_DN=CERT.subject, SSL_CLIENT_I_DN=CERT.issuer,
        SSL_CLIENT_M_SERIAL=CERT.serial, SSL_CLIENT_CERT=CERT.pem))
    assert status.startswith("200")
    tls = json.loads(body)["tls"]
    assert tls == {"version": "TLSv1.2", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                   "server_name": "example.com", "alpn_protocol": None, "client_cert": list(CERT)}


def test_to_wsgi_without_mod_ssl_variables_has_no_tls():
    status, body = call_wsgi(to_wsgi(tls_json), base_environ(HTTPS="on"))
    assert json.loads(body) == {"scheme": "https", "tls": None}
