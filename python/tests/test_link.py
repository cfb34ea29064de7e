"""The codec against the shared vectors (spec/link-vectors.json) and a few extra edge cases."""

import json
from pathlib import Path

import pytest

from wsging.worker import link
from wsging.worker.errors import LinkError

# Every test here runs against the codec in Python and, when it was built, the C accelerator
# (test_link_accel.py holds the two to identical results on many more inputs).
CODECS = ["python"] + (["c"] if link.ACCELERATED else [])


@pytest.fixture(autouse=True, params=CODECS)
def codec(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setattr(link, "split_frames", link._py_split_frames)
        monkeypatch.setattr(link, "encode_whole_response", link._py_encode_whole_response)
    return request.param


VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "spec" / "link-vectors.json").read_text("utf-8")
)


def _b(text):
    return text.encode("latin-1")


def frame_from_json(d):
    kind, flags, stream = d["type"], d["flags"], d["stream"]
    if kind == "HELLO":
        return link.HelloFrame(tuple(tuple(s) for s in d["settings"]), d["version"], flags, stream)
    if kind == "REQUEST":
        return link.RequestFrame(
            stream,
            flags,
            d["http_version"],
            _b(d["scheme"]),
            _b(d["method"]),
            _b(d["path"]),
            _b(d["query"]),
            _b(d["client"][0]),
            d["client"][1],
            _b(d["server"][0]),
            d["server"][1],
            d["content_length"],
            d["capabilities"],
            [(_b(n), _b(v)) for n, v in d["headers"]],
        )
    headers = [(_b(n), _b(v)) for n, v in d.get("headers", [])]
    if kind == "DATA":
        return link.DataFrame(stream, _b(d["data"]), flags)
    if kind == "RESPONSE":
        return link.ResponseFrame(stream, d["status"], headers, flags)
    if kind == "INFORMATIONAL":
        return link.InformationalFrame(stream, d["status"], headers, flags)
    if kind == "TRAILERS":
        return link.TrailersFrame(stream, headers, flags)
    if kind == "RESET":
        return link.ResetFrame(stream, d["code"], flags)
    if kind == "WINDOW":
        return link.WindowFrame(stream, d["increment"], flags)
    if kind == "PING":
        return link.PingFrame(_b(d["data"]), flags, stream)
    if kind == "GOAWAY":
        return link.GoawayFrame(d["code"], d["reason"], flags, stream)
    if kind == "FILE_RESPONSE":
        return link.FileResponseFrame(
            stream, d["status"], headers, _b(d["path"]), d["offset"], d["length"], d["device"],
            d["inode"], flags,
        )
    if kind == "BODY_MEMORY":
        return link.BodyMemoryFrame(d["slot_size"], d["slot_count"], _b(d["path"]), flags, stream)
    if kind == "SHARED_DATA":
        return link.SharedDataFrame(stream, d["slot"], d["length"], flags)
    if kind == "RELEASE":
        return link.ReleaseFrame(tuple(d["slots"]), flags, stream)
    if kind == "TLS":
        cert = d["client_cert"] or {"subject": "", "issuer": "", "serial": "", "pem": ""}
        return link.TlsFrame(
            stream, d["version"], d["cipher"], d["server_name"] or "", d["alpn_protocol"] or "",
            cert["subject"], cert["issuer"], cert["serial"], cert["pem"], flags,
        )
    if kind == "PUSH":
        return link.PushFrame(stream, d["token"], _b(d["path"]), headers, flags)
    if kind == "PUSH_RESULT":
        return link.PushResultFrame(d["token"], d["accepted"], flags, stream)
    if kind == "PRIORITY":
        return link.PriorityFrame(stream, _b(d["value"]), flags)
    if kind == "WS_ACCEPT":
        return link.WsAcceptFrame(
            stream, d["options"], d["max_message_size"], d["subprotocol"], headers, flags
        )
    if kind == "WS_OPEN":
        return link.WsOpenFrame(stream, d["extensions"], flags)
    if kind == "WS_MESSAGE":
        return link.WsMessageFrame(stream, _b(d["data"]), flags)
    if kind == "WS_CLOSE":
        return link.WsCloseFrame(stream, d["code"], d["reason"], flags)
    if kind == "WS_PING":
        return link.WsPingFrame(stream, _b(d["data"]), flags)
    if kind == "WS_PONG":
        return link.WsPongFrame(stream, _b(d["data"]), flags)
    raise AssertionError(f"unknown vector type {kind}")


VALID = [pytest.param(v, id=v["name"]) for v in VECTORS["valid"]]
INVALID = [pytest.param(v, id=v["name"]) for v in VECTORS["invalid"]]


@pytest.mark.parametrize("vector", VALID)
def test_valid_vector_decodes(vector):
    decoder = link.FrameDecoder()
    frames = decoder.feed(bytes.fromhex(vector["hex"]))
    assert frames == [frame_from_json(vector["frame"])]
    assert type(frames[0]) is type(frame_from_json(vector["frame"]))
    assert decoder.pending == 0


@pytest.mark.parametrize("vector", VALID)
def test_valid_vector_reencodes_byte_exact(vector):
    assert link.encode(frame_from_json(vector["frame"])).hex() == vector["hex"]


@pytest.mark.parametrize("vector", VALID)
def test_valid_vector_decodes_one_byte_at_a_time(vector):
    decoder = link.FrameDecoder()
    data = bytes.fromhex(vector["hex"])
    frames = []
    for i in range(len(data)):
        frames += decoder.feed(data[i : i + 1])
    assert frames == [frame_from_json(vector["frame"])]


def test_all_vectors_in_one_feed_keep_order():
    data = b"".join(bytes.fromhex(v["hex"]) for v in VECTORS["valid"])
    expected = [frame_from_json(v["frame"]) for v in VECTORS["valid"]]
    decoder = link.FrameDecoder()
    # Split at an odd place so a frame straddles two feeds.
    assert decoder.feed(data[:101]) + decoder.feed(data[101:]) == expected


@pytest.mark.parametrize("vector", INVALID)
def test_invalid_vector_rejected(vector):
    decoder = link.FrameDecoder()
    data = bytes.fromhex(vector["hex"])
    if vector["error"] == "incomplete":
        assert decoder.feed(data) == []
        assert decoder.pending == len(data)
    else:
        assert vector["error"] == "link"
        with pytest.raises(LinkError) as info:
            decoder.feed(data)
        assert info.value.code == link.GOAWAY_PROTOCOL_ERROR
        assert info.value.scope == "link"


def test_unknown_frame_type_is_skipped():
    unknown = link.frame_header(3, 0x7F, 0, 5) + b"xyz"
    ping = link.encode_ping(b"12345678")
    assert link.FrameDecoder().feed(unknown + ping) == [link.PingFrame(b"12345678")]


def test_unknown_flags_are_kept_not_rejected():
    frame = link.FrameDecoder().feed(link.encode_data(3, b"x", 0x80 | link.END_STREAM))[0]
    assert frame.flags & link.END_STREAM


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(link.frame_header(4, link.WINDOW, 0, 0) + b"\0\0\0\1", id="window-on-stream-0"),
        pytest.param(link.frame_header(8, link.PING, 0, 3) + b"12345678", id="ping-on-stream-3"),
        pytest.param(link.frame_header(5, link.RESET, 0, 1) + b"\0\0\0\1\0", id="reset-too-long"),
        pytest.param(link.frame_header(4, link.PING, 0, 0) + b"1234", id="ping-too-short"),
        pytest.param(
            link.encode_response(1, 200, [])[:4] + b"\x03\x00\x00\x00\x00\x01\x00\x64\x00\x00",
            id="response-status-100",
        ),
        pytest.param(
            link.frame_header(1, link.REQUEST, 0, 1) + b"\x99", id="request-unknown-http-version"
        ),
    ],
)
def test_malformed_frames_are_link_errors(data):
    with pytest.raises(LinkError):
        link.FrameDecoder().feed(data)


def test_request_round_trip_with_large_fields():
    frame = link.RequestFrame(
        9, link.EXPECT_CONTINUE, "2", b"https", b"PATCH", b"/" + b"p" * 5000, b"q=" + b"v" * 3000,
        b"2001:db8::1", 65535, b"", 0, 2**40, 0x1F, [(b"x-big", b"v" * 60000)] * 3,
    )
    assert link.FrameDecoder().feed(link.encode(frame)) == [frame]


def test_header_value_longer_than_u16_cannot_be_encoded():
    with pytest.raises(LinkError) as info:
        link.encode_response(1, 200, [(b"x", b"v" * 70000)])
    assert info.value.side == "local"


@pytest.mark.parametrize("body", [b"", b"hello", b"x" * 70000])
def test_whole_response_is_a_response_then_one_data_end_stream(body):
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
    data = link.encode_whole_response(7, 200, headers, body)
    frames = link.FrameDecoder().feed(data)
    if body:
        assert data == link.encode_response(7, 200, headers) + link.encode_data(
            7, body, link.END_STREAM
        )
        assert frames == [
            link.ResponseFrame(7, 200, headers, 0),
            link.DataFrame(7, body, link.END_STREAM),
        ]
    else:
        assert data == link.encode_response(7, 200, headers, link.END_STREAM)
        assert frames == [link.ResponseFrame(7, 200, headers, link.END_STREAM)]


# -- WebSocket frames (A.2 *WebSocket*) beyond the shared vectors ---------------------------


def test_a_pong_carries_any_bytes_back():
    # A pong echoes the ping's payload, which an application may fill with any bytes: not
    # checked as text, unlike the texts of WS_OPEN and WS_CLOSE.
    data = link.encode_ws_pong(3, b"\xff\xfe\x00")
    assert link.FrameDecoder().feed(data) == [link.WsPongFrame(3, b"\xff\xfe\x00")]


@pytest.mark.parametrize(
    "frame",
    [
        link.WsMessageFrame(5, bytes(range(256)) * 300, link.WS_CONTINUES),
        link.WsCloseFrame(5, 4999, "x" * 123),
        link.WsCloseFrame(5, None, ""),
        link.WsAcceptFrame(5, 1, 2**32 - 1, "a" * 300, [(b"x-" + b"n" * 10, b"v" * 1000)] * 3),
        link.WsOpenFrame(5, "permessage-deflate; server_no_context_takeover, x-é"),
        link.WsPingFrame(5, b""),
    ],
    ids=["message-76800", "close-longest-reason", "close-empty", "accept-large", "open-utf8", "ping-empty"],
)
def test_websocket_frames_round_trip(frame):
    assert link.FrameDecoder().feed(link.encode(frame)) == [frame]


def test_ws_open_with_text_not_utf8_is_a_link_error():
    bad = link.frame_header(4, link.WS_OPEN, 0, 1) + b"\x00\x02\xff\xfe"
    with pytest.raises(LinkError):
        link.FrameDecoder().feed(bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda: link.encode_ws_accept(1, 0, 10, "ü€", []),  # not latin-1
        lambda: link.encode_ws_accept(1, 0, 2**32, "", []),  # beyond the u32
        lambda: link.encode_ws_accept(1, 0, 10, "", [(b"x", b"v" * 70000)]),
    ],
)
def test_a_ws_accept_the_link_cannot_carry_is_a_local_error(call):
    with pytest.raises(LinkError) as info:
        call()
    assert info.value.side == "local"
