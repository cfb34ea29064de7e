"""request.priority (spec 8.4): RFC 9218 parsing, and PRIORITY_UPDATE reaching a running request."""

import threading

import pytest

from wsging import Request, Response
from wsging.api.priority import DEFAULT_PRIORITY, Priority, parse_priority
from wsging.testing import TestClient
from wsging.worker import link

from test_session import SERVER_HELLO, Harness


@pytest.mark.parametrize(
    "field, expected",
    [
        ("u=5", Priority(5, False)),
        ("i", Priority(3, True)),
        ("u=0, i", Priority(0, True)),
        ("i, u=7", Priority(7, True)),
        ("u=1, i=?0", Priority(1, False)),
        ("u=2, i=?1", Priority(2, True)),
        ("  u=4  ,  i  ", Priority(4, True)),
        ("u=1;foo=bar, i;x", Priority(1, True)),  # parameters are allowed and ignored
        ("u=6, u=2", Priority(2, False)),  # a repeated key: the last wins
        ("x=1, y=(a b c), z=\"s\", w=:aGk=:, u=1", Priority(1, False)),  # unknown members
        ("", DEFAULT_PRIORITY),
    ],
)
def test_valid_fields(field, expected):
    assert parse_priority(field) == expected


@pytest.mark.parametrize(
    "field, expected",
    [
        # A member of the wrong type or range is ignored alone (RFC 9218 §4.1, §4.2).
        ("u=8, i", Priority(3, True)),
        ("u=-1", DEFAULT_PRIORITY),
        ("u=1.0, i", Priority(3, True)),
        ("u=a, i", Priority(3, True)),
        ("u=\"1\"", DEFAULT_PRIORITY),
        ("u=2, i=1", Priority(2, False)),
        ("u=2, i=?x", DEFAULT_PRIORITY),  # not a Boolean at all: the whole field is invalid
        # A field that is not a Dictionary is ignored whole (RFC 9218 §4).
        ("u=1,", DEFAULT_PRIORITY),
        ("u=1 i", DEFAULT_PRIORITY),
        ("U=1", DEFAULT_PRIORITY),
        ("u=1, =2", DEFAULT_PRIORITY),
        ("u=\"unterminated", DEFAULT_PRIORITY),
        ("u=1234567890123456", DEFAULT_PRIORITY),
        ("u=(1 2", DEFAULT_PRIORITY),
        ("\x01", DEFAULT_PRIORITY),
    ],
)
def test_what_rfc_9218_ignores(field, expected):
    assert parse_priority(field) == expected


def test_field_lines_are_joined_and_bytes_read_as_latin_1():
    assert parse_priority([b"u=1", b"i"]) == Priority(1, True)
    assert parse_priority([]) == DEFAULT_PRIORITY
    assert parse_priority(None) == DEFAULT_PRIORITY


def test_priority_is_immutable():
    p = Priority(1, True)
    with pytest.raises(AttributeError):
        p.urgency = 2  # type: ignore[misc]
    assert (p.urgency, p.incremental) == (1, True)


def test_request_priority_comes_from_its_header_fields():
    assert Request().priority == DEFAULT_PRIORITY
    request = Request(headers=[(b"priority", b"u=1"), (b"Priority", b"i")])
    assert request.priority == Priority(1, True)
    # A copy with other headers reads its own; one without keeps the parsed value.
    assert request.replace(headers=[(b"priority", b"u=6")]).priority == Priority(6, False)
    assert request.replace(method="HEAD").priority == Priority(1, True)


def test_priority_header_reaches_the_application_through_the_worker():
    def app(request):
        p = request.priority
        return Response(f"{p.urgency} {p.incremental}")

    with TestClient(app) as client:
        assert client.get("/", headers={"priority": "u=0, i"}).text == "0 True"
        assert client.get("/").text == "3 False"
        assert client.get("/", headers={"priority": "u=9"}).text == "3 False"


def test_a_priority_update_reaches_the_running_request():
    seen = []
    updated = threading.Event()

    def app(request):
        seen.append(request.priority)
        assert updated.wait(10)
        seen.append(request.priority)
        return Response(b"done")

    with TestClient(app, http_version="2", capabilities=0x01) as client:
        stream = client.stream("GET", "/", headers={"priority": "u=5"}, end=True)
        stream.update_priority("u=1, i")
        client.ping()  # the frames before the PING are handled once it is answered
        updated.set()
        assert stream.response().text == "done"
    assert seen == [Priority(5, False), Priority(1, True)]


def test_an_update_replaces_the_header_signal_and_an_invalid_one_restores_defaults():
    values = []
    step = threading.Semaphore(0)
    ready = threading.Semaphore(0)

    def app(request):
        for _ in range(2):
            ready.release()
            assert step.acquire(timeout=10)
            values.append(request.priority)
        return Response(b"")

    with TestClient(app, http_version="2", capabilities=0) as client:
        stream = client.stream("GET", "/", headers={"priority": "u=0, i"}, end=True)
        assert ready.acquire(timeout=10)
        stream.update_priority("u=4")
        client.ping()
        step.release()
        assert ready.acquire(timeout=10)
        stream.update_priority("u=oops")
        client.ping()
        step.release()
        stream.response()
    # An update is a whole new signal: i is not kept from the header (RFC 9218 §7).
    assert values == [Priority(4, False), DEFAULT_PRIORITY]


def test_the_worker_announces_priority_and_ignores_it_for_unknown_streams():
    h = Harness()
    try:
        assert dict(h.hello.settings)[link.SETTING_PRIORITY] == 1
        frames = h.run(SERVER_HELLO, link.encode_priority(9, b"u=0"))
        assert frames == []  # a late frame of a stream it does not know: dropped
        assert h.session.state == "open"
    finally:
        h.close()
