"""Sans-IO codec of the worker link (spec/worker-link.md, section A.2).

`FrameDecoder.feed(bytes)` returns the frames completed so far; the `encode_*` functions return
the bytes of one frame. Nothing here touches a socket, a clock or a thread, so the codec is
tested alone against spec/link-vectors.json, the vectors the Java codec is held to as well.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from .errors import LOCAL, LinkError

__all__ = [
    "FrameDecoder",
    "Frame",
    "HelloFrame",
    "RequestFrame",
    "DataFrame",
    "ResponseFrame",
    "InformationalFrame",
    "TrailersFrame",
    "ResetFrame",
    "WindowFrame",
    "PingFrame",
    "GoawayFrame",
    "FileResponseFrame",
    "BodyMemoryFrame",
    "SharedDataFrame",
    "TlsFrame",
    "ReleaseFrame",
    "PushFrame",
    "PushResultFrame",
    "PriorityFrame",
    "WsAcceptFrame",
    "WsOpenFrame",
    "WsMessageFrame",
    "WsCloseFrame",
    "WsPingFrame",
    "WsPongFrame",
    "encode",
    "encode_whole_response",
]

VERSION = 1
HEADER_SIZE = 10
MAX_LENGTH = 1 << 24  # A.2: a larger length is a link error

# Frame types (A.2)
HELLO = 0x00
REQUEST = 0x01
DATA = 0x02
RESPONSE = 0x03
INFORMATIONAL = 0x04
TRAILERS = 0x05
RESET = 0x06
WINDOW = 0x07
PING = 0x08
GOAWAY = 0x09
FILE_RESPONSE = 0x0A  # sent only to a front end that announced FILE_BODIES
BODY_MEMORY = 0x0B  # shared body memory (A.2): the front end names the file, the worker ACKs
SHARED_DATA = 0x0C  # DATA whose payload lies in one of the sender's shared slots
RELEASE = 0x0D  # slots of the receiver's given back
TLS = 0x0E  # a TLS connection's facts, right before the REQUEST they belong to
# Push and priority (A.2): PUSH only on a request whose capability word has PUSH (so only by a
# worker that announced SETTING_PUSH); PRIORITY only to a worker that announced SETTING_PRIORITY.
PUSH = 0x0F  # worker -> front end, on the parent stream: push this path
PUSH_RESULT = 0x10  # front end -> worker, stream 0: the answer to one PUSH
PRIORITY = 0x11  # front end -> worker, on the stream: the client's new priority field value
# WebSocket (A.2): only to and from a worker that announced SETTING_WEBSOCKET.
WS_ACCEPT = 0x12  # worker -> front end, on an offer's stream, in place of RESPONSE
WS_OPEN = 0x13  # front end -> worker: the handshake response is written, the session starts
WS_MESSAGE = 0x14  # both: a message, or a piece of one with WS_CONTINUES
WS_CLOSE = 0x15  # both: the application's close; from the front end, the end of the session
WS_PING = 0x16  # worker -> front end: ping the client with this payload
WS_PONG = 0x17  # front end -> worker: a pong the client sent

# Flags
END_STREAM = 0x01
EXPECT_CONTINUE = 0x02
PUSHED = 0x04  # REQUEST: the server made this request for a push (spec 8.5)
WEBSOCKET = 0x08  # REQUEST: a valid WebSocket offer (spec 9.1); always with END_STREAM
SAME_TLS = 0x10  # REQUEST: over TLS, with the facts of the last TLS frame on the link (A.2)
ACK = 0x01
# WS_MESSAGE flags
WS_TEXT = 0x02  # the message is text (UTF-8); without it, binary
WS_CONTINUES = 0x04  # more pieces of this message follow
WS_UNCOMPRESSED = 0x08  # worker -> front end, first piece: do not compress this message
# WS_ACCEPT options
WS_ALLOW_COMPRESSION = 0x01
WS_MAX_PING = 125  # RFC 6455 section 5.5: a control frame's payload

# Settings (A.2, HELLO)
SETTING_WORKER_ID = 1
SETTING_PID = 2
SETTING_INITIAL_WINDOW = 3
SETTING_MAX_STREAMS = 4
SETTING_MAX_FRAME = 5
SETTING_FILE_BODIES = 6
SETTING_SHARED_BODIES = 7
SETTING_TLS_INFO = 8  # worker: 1 when it takes TLS frames, 2 when also REQUEST flagged SAME_TLS
TLS_INFO_SAME_TLS = 2
SETTING_PUSH = 9  # worker: 1 when it sends PUSH and takes PUSH_RESULT
SETTING_PRIORITY = 10  # worker: 1 when it takes PRIORITY
SETTING_WEBSOCKET = 11  # worker: 1 when it takes WebSocket offers and the WS_* frames
DEFAULT_INITIAL_WINDOW = 65536
DEFAULT_MAX_STREAMS = 100
DEFAULT_MAX_FRAME = 65536
# FILE_BODIES values: which file paths the front end can open (0, the default: none).
FILE_BODIES_ASCII = 1
FILE_BODIES_UTF8 = 2

# RESET codes (A.4)
NO_ERROR = 0
CANCEL = 1
INTERNAL_ERROR = 2
PROTOCOL_ERROR = 3
REFUSED = 4
TIMEOUT = 5

# GOAWAY codes (A.7)
GOAWAY_NO_ERROR = 0
GOAWAY_PROTOCOL_ERROR = 1
GOAWAY_INTERNAL_ERROR = 2

_HTTP_VERSIONS = {0x10: "1.0", 0x11: "1.1", 0x20: "2", 0x30: "3"}
_HTTP_VERSION_BYTES = {v: k for k, v in _HTTP_VERSIONS.items()}

_FRAME_HEADER = struct.Struct(">IBBI")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U16U16 = struct.Struct(">HH")
_SETTING = struct.Struct(">HI")
# A RESPONSE frame's header followed by its status and header count.
_RESPONSE_START = struct.Struct(">IBBIHH")
# REQUEST's fixed part (A.2): version, the six string lengths, ports, content length,
# capabilities, header count and header block length; one unpack reads them all.
_REQUEST_FIXED = struct.Struct(">BBBBBHHHHqIHI")
_REQUEST_FIXED_SIZE = _REQUEST_FIXED.size
_FILE_REFERENCE = struct.Struct(">QQQQ")  # offset, length, device, inode
_MAX_FILE_OFFSET = (1 << 63) - 1
_SHARED_DATA = struct.Struct(">HI")  # slot, length
_BODY_MEMORY_FIXED = struct.Struct(">IH")  # slot size, slot count
_PUSH_RESULT = struct.Struct(">IB")  # token, accepted
_WS_ACCEPT_FIXED = struct.Struct(">BI")  # options, max message size

Fields = List[Tuple[bytes, bytes]]


class HelloFrame(NamedTuple):
    settings: Tuple[Tuple[int, int], ...]
    version: int = VERSION
    flags: int = 0
    stream: int = 0


class RequestFrame(NamedTuple):
    stream: int
    flags: int
    http_version: str  # "1.0", "1.1", "2", "3"
    scheme: bytes
    method: bytes
    path: bytes  # raw, before any '?'
    query: bytes  # raw, after the first '?'
    client_host: bytes
    client_port: int
    server_host: bytes
    server_port: int
    content_length: int  # -1: unknown
    capabilities: int
    headers: Fields


class DataFrame(NamedTuple):
    stream: int
    data: bytes
    flags: int = 0


class ResponseFrame(NamedTuple):
    stream: int
    status: int
    headers: Fields
    flags: int = 0


class InformationalFrame(NamedTuple):
    stream: int
    status: int
    headers: Fields
    flags: int = 0


class TrailersFrame(NamedTuple):
    stream: int
    headers: Fields
    flags: int = 0


class ResetFrame(NamedTuple):
    stream: int
    code: int
    flags: int = 0


class WindowFrame(NamedTuple):
    stream: int
    increment: int
    flags: int = 0


class PingFrame(NamedTuple):
    data: bytes
    flags: int = 0
    stream: int = 0


class GoawayFrame(NamedTuple):
    code: int
    reason: str = ""
    flags: int = 0
    stream: int = 0


class FileResponseFrame(NamedTuple):
    """A response whose body the front end reads from a file itself (A.2, FILE_RESPONSE)."""

    stream: int
    status: int
    headers: Fields
    path: bytes  # absolute
    offset: int
    length: int
    device: int  # st_dev and st_ino of the file the worker opened
    inode: int
    flags: int = 0


class BodyMemoryFrame(NamedTuple):
    """The front end's shared body file (A.2), or with ACK (and no fields) the worker's answer."""

    slot_size: int
    slot_count: int
    path: bytes
    flags: int = 0
    stream: int = 0


class SharedDataFrame(NamedTuple):
    """DATA whose `length` payload bytes lie at the start of the sender's slot `slot`."""

    stream: int
    slot: int
    length: int
    flags: int = 0


class ReleaseFrame(NamedTuple):
    """The receiver's slots, lent by SHARED_DATA, given back."""

    slots: Tuple[int, ...]
    flags: int = 0
    stream: int = 0


class TlsFrame(NamedTuple):
    """The facts of the TLS connection whose REQUEST follows on the same stream. Text fields
    are decoded (UTF-8); "" stands for none, and an empty `client_pem` for no certificate."""

    stream: int
    version: str
    cipher: str
    server_name: str
    alpn: str
    client_subject: str
    client_issuer: str
    client_serial: str
    client_pem: str
    flags: int = 0


class PushFrame(NamedTuple):
    """The application asks to push `path` (origin-form, may hold a query) with request
    `headers`; `token` names the PUSH_RESULT that answers it."""

    stream: int
    token: int
    path: bytes
    headers: Fields
    flags: int = 0


class PushResultFrame(NamedTuple):
    """The front end's answer to the PUSH with `token`: whether it sent the PUSH_PROMISE."""

    token: int
    accepted: bool
    flags: int = 0
    stream: int = 0


class PriorityFrame(NamedTuple):
    """The client changed the stream's priority (RFC 9218 PRIORITY_UPDATE): its field value."""

    stream: int
    value: bytes
    flags: int = 0


class WsAcceptFrame(NamedTuple):
    """The application accepted the offer of this stream (A.2 WS_ACCEPT)."""

    stream: int
    options: int  # WS_ALLOW_COMPRESSION
    max_message_size: int  # at least 1
    subprotocol: str  # the one chosen; "" for none (bytes as latin-1, as header values)
    headers: Fields  # extra handshake response fields
    flags: int = 0


class WsOpenFrame(NamedTuple):
    """The handshake response is written: the session starts. `extensions` is the
    Sec-WebSocket-Extensions value it carried ("" for none)."""

    stream: int
    extensions: str
    flags: int = 0


class WsMessageFrame(NamedTuple):
    """A message's bytes, or a piece of one (WS_CONTINUES); WS_TEXT for text."""

    stream: int
    data: bytes
    flags: int = 0


class WsCloseFrame(NamedTuple):
    """A close: `code` None for an empty payload (a close frame without a code)."""

    stream: int
    code: Optional[int]
    reason: str = ""
    flags: int = 0


class WsPingFrame(NamedTuple):
    stream: int
    data: bytes
    flags: int = 0


class WsPongFrame(NamedTuple):
    stream: int
    data: bytes
    flags: int = 0


Frame = Union[
    HelloFrame,
    RequestFrame,
    DataFrame,
    ResponseFrame,
    InformationalFrame,
    TrailersFrame,
    ResetFrame,
    WindowFrame,
    PingFrame,
    GoawayFrame,
    FileResponseFrame,
    BodyMemoryFrame,
    SharedDataFrame,
    ReleaseFrame,
    TlsFrame,
    PushFrame,
    PushResultFrame,
    PriorityFrame,
    WsAcceptFrame,
    WsOpenFrame,
    WsMessageFrame,
    WsCloseFrame,
    WsPingFrame,
    WsPongFrame,
]


def _error(message: str) -> LinkError:
    return LinkError(message, code=GOAWAY_PROTOCOL_ERROR)


# -- decoding -----------------------------------------------------------------------------


def _read_fields(p: bytes, o: int) -> Tuple[Fields, int]:
    (count,) = _U16.unpack_from(p, o)
    o += 2
    fields: Fields = []
    append = fields.append
    unpack = _U16.unpack_from
    for _ in range(count):
        (size,) = unpack(p, o)
        name = p[o + 2 : o + 2 + size]
        o += 2 + size
        (size,) = unpack(p, o)
        append((name, p[o + 2 : o + 2 + size]))
        o += 2 + size
    return fields, o


def _decode_hello(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    version, count = _U16U16.unpack_from(p, 0)
    settings = tuple(_SETTING.unpack_from(p, 4 + 6 * i) for i in range(count))
    return HelloFrame(settings, version, flags, stream), 4 + 6 * count


_new_tuple = tuple.__new__


def _decode_request(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    # Runs once per request: one unpack for every length, then slices; the header block
    # splits at its NULs in C (no field is read one by one).
    (version_code, ns, nm, nc, nh, client_port, server_port, np, nq,
     content_length, capabilities, count, block_size) = _REQUEST_FIXED.unpack_from(p, 0)
    version = _HTTP_VERSIONS.get(version_code)
    if version is None:
        raise _error(f"REQUEST with unknown HTTP version byte 0x{version_code:02x}")
    if flags & WEBSOCKET and not flags & END_STREAM:
        raise _error("REQUEST with WEBSOCKET but without END_STREAM: an offer has no body")
    o = _REQUEST_FIXED_SIZE
    scheme = p[o : o + ns]
    o += ns
    method = p[o : o + nm]
    o += nm
    path = p[o : o + np]
    o += np
    query = p[o : o + nq]
    o += nq
    client_host = p[o : o + nc]
    o += nc
    server_host = p[o : o + nh]
    o += nh
    end = o + block_size
    if end != len(p):
        raise _error(
            f"REQUEST payload of {len(p)} bytes is {'truncated' if end > len(p) else 'too long'}"
        )
    headers: Fields
    if count:
        parts = p[o:end].split(b"\0")
        if len(parts) != 2 * count + 1 or parts[-1]:
            raise _error(f"REQUEST header block does not hold {count} NUL-terminated pairs")
        pairs = iter(parts)  # zip takes name, value, name, ...; the empty last part is left
        headers = list(zip(pairs, pairs))
    elif block_size:
        raise _error("REQUEST header block is not empty but has no headers")
    else:
        headers = []
    # tuple.__new__ skips the generated RequestFrame.__new__ and its fourteen arguments.
    frame = _new_tuple(
        RequestFrame,
        (
            stream,
            flags,
            version,
            scheme,
            method,
            path,
            query,
            client_host,
            client_port,
            server_host,
            server_port,
            content_length,
            capabilities,
            headers,
        ),
    )
    return frame, end


def _decode_data(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    return DataFrame(stream, p, flags), len(p)


def _decode_response(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (status,) = _U16.unpack_from(p, 0)
    if not 200 <= status <= 599:
        raise _error(f"RESPONSE status {status} outside 200..599")
    headers, o = _read_fields(p, 2)
    return ResponseFrame(stream, status, headers, flags), o


def _decode_informational(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (status,) = _U16.unpack_from(p, 0)
    if not 100 <= status <= 199 or status == 101:
        raise _error(f"INFORMATIONAL status {status} outside 100..199 (or 101)")
    headers, o = _read_fields(p, 2)
    return InformationalFrame(stream, status, headers, flags), o


def _decode_trailers(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    headers, o = _read_fields(p, 0)
    return TrailersFrame(stream, headers, flags), o


def _decode_reset(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    return ResetFrame(stream, _U32.unpack_from(p, 0)[0], flags), 4


def _decode_window(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (increment,) = _U32.unpack_from(p, 0)
    if increment == 0:
        raise _error(f"WINDOW of 0 on stream {stream}")
    return WindowFrame(stream, increment, flags), 4


def _decode_ping(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    if len(p) < 8:
        raise _error("PING payload shorter than 8 bytes")
    return PingFrame(p[:8], flags, stream), 8


def _decode_goaway(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (code,) = _U32.unpack_from(p, 0)
    return GoawayFrame(code, p[4:].decode("utf-8", "replace"), flags, stream), len(p)


def _decode_file_response(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (status,) = _U16.unpack_from(p, 0)
    if not 200 <= status <= 599:
        raise _error(f"FILE_RESPONSE status {status} outside 200..599")
    headers, o = _read_fields(p, 2)
    (n,) = _U16.unpack_from(p, o)
    path = p[o + 2 : o + 2 + n]
    o += 2 + n
    offset, length, device, inode = _FILE_REFERENCE.unpack_from(p, o)
    if not path.startswith(b"/"):
        raise _error(f"FILE_RESPONSE path {path!r} is not absolute")
    if offset > _MAX_FILE_OFFSET or length > _MAX_FILE_OFFSET:
        raise _error("FILE_RESPONSE offset or length is 2^63 or more")
    frame = FileResponseFrame(stream, status, headers, path, offset, length, device, inode, flags)
    return frame, o + _FILE_REFERENCE.size


def _decode_body_memory(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    if flags & ACK:
        if p:
            raise _error("BODY_MEMORY ACK with a payload")
        return BodyMemoryFrame(0, 0, b"", flags, stream), 0
    slot_size, slot_count = _BODY_MEMORY_FIXED.unpack_from(p, 0)
    (n,) = _U16.unpack_from(p, 6)
    path = p[8 : 8 + n]
    if len(path) != n:
        return BodyMemoryFrame(0, 0, b"", flags, stream), 8 + n  # truncated: reported by the caller
    if slot_size == 0 or slot_count == 0:
        raise _error("BODY_MEMORY with no slots")
    if not path.startswith(b"/"):
        raise _error(f"BODY_MEMORY path {path!r} is not absolute")
    return BodyMemoryFrame(slot_size, slot_count, path, flags, stream), 8 + n


def _decode_shared_data(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    if len(p) != _SHARED_DATA.size:
        raise _error(f"SHARED_DATA payload of {len(p)} bytes, not {_SHARED_DATA.size}")
    slot, length = _SHARED_DATA.unpack(p)
    if length == 0:
        raise _error("SHARED_DATA of length 0")
    return SharedDataFrame(stream, slot, length, flags), _SHARED_DATA.size


def _decode_release(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    if not p or len(p) % 2:
        raise _error(f"RELEASE payload of {len(p)} bytes is not one or more slot numbers")
    return ReleaseFrame(struct.unpack(f">{len(p) // 2}H", p), flags, stream), len(p)


# A connection's requests all carry the same TLS payload: its texts are decoded once.
_TlsTexts = Tuple[str, str, str, str, str, str, str, str]
_TLS_TEXTS: Dict[bytes, _TlsTexts] = {}
_TLS_TEXTS_MAX = 256


def _decode_tls(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    texts = _TLS_TEXTS.get(p)
    if texts is None:
        texts = _decode_tls_texts(p)
        if texts is None:
            return TlsFrame(stream, "", "", "", "", "", "", "", "", flags), len(p) + 1
        if len(_TLS_TEXTS) >= _TLS_TEXTS_MAX:
            _TLS_TEXTS.clear()
        _TLS_TEXTS[p] = texts
    return TlsFrame(stream, *texts, flags), len(p)


def _decode_tls_texts(p: bytes) -> Optional[_TlsTexts]:
    """The eight texts of a TLS payload (the PEM last), or None when one runs past its end."""
    texts: List[str] = []
    o = 0
    unpack = _U16.unpack_from
    try:
        for _ in range(7):
            (n,) = unpack(p, o)
            if o + 2 + n > len(p):
                return None
            texts.append(p[o + 2 : o + 2 + n].decode("utf-8"))
            o += 2 + n
        texts.append(p[o:].decode("utf-8"))
    except UnicodeDecodeError:
        raise _error("TLS frame text is not UTF-8") from None
    version, cipher, server_name, alpn, subject, issuer, serial, pem = texts
    if not version or not cipher:
        raise _error("TLS frame without a protocol version or cipher")
    if not pem and (subject or issuer or serial):
        raise _error("TLS frame with client certificate fields but no certificate")
    return version, cipher, server_name, alpn, subject, issuer, serial, pem


def _decode_push(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (token,) = _U32.unpack_from(p, 0)
    (n,) = _U16.unpack_from(p, 4)
    path = p[6 : 6 + n]
    if len(path) == n and not path.startswith(b"/"):
        raise _error(f"PUSH path {path!r} does not start with '/'")
    headers, o = _read_fields(p, 6 + n)
    return PushFrame(stream, token, path, headers, flags), o


def _decode_push_result(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    token, accepted = _PUSH_RESULT.unpack_from(p, 0)
    if accepted > 1:
        raise _error(f"PUSH_RESULT accepted byte {accepted}, not 0 or 1")
    return PushResultFrame(token, bool(accepted), flags, stream), _PUSH_RESULT.size


def _decode_priority(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (n,) = _U16.unpack_from(p, 0)
    return PriorityFrame(stream, p[2 : 2 + n], flags), 2 + n


def _decode_ws_accept(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    options, max_size = _WS_ACCEPT_FIXED.unpack_from(p, 0)
    (n,) = _U16.unpack_from(p, 5)
    subprotocol = p[7 : 7 + n]
    if len(subprotocol) != n:
        return WsAcceptFrame(stream, 0, 0, "", [], flags), len(p) + 1  # truncated
    if max_size == 0:
        raise _error("WS_ACCEPT with a max message size of 0")
    headers, o = _read_fields(p, 7 + n)
    return WsAcceptFrame(stream, options, max_size, subprotocol.decode("latin-1"), headers, flags), o


def _utf8(p: bytes, what: str) -> str:
    try:
        return p.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(f"{what} text is not UTF-8") from None


def _decode_ws_open(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    (n,) = _U16.unpack_from(p, 0)
    raw = p[2 : 2 + n]
    if len(raw) != n:
        return WsOpenFrame(stream, "", flags), len(p) + 1  # truncated
    return WsOpenFrame(stream, _utf8(raw, "WS_OPEN"), flags), 2 + n


def _decode_ws_message(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    return WsMessageFrame(stream, p, flags), len(p)


def _decode_ws_close(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    if not p:
        return WsCloseFrame(stream, None, "", flags), 0
    if len(p) == 1:
        raise _error("WS_CLOSE payload of one byte")
    (code,) = _U16.unpack_from(p, 0)
    return WsCloseFrame(stream, code, _utf8(p[2:], "WS_CLOSE reason"), flags), len(p)


def _decode_ws_ping(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    if len(p) > WS_MAX_PING:
        raise _error(f"WS_PING payload of {len(p)} bytes, more than {WS_MAX_PING}")
    return WsPingFrame(stream, p, flags), len(p)


def _decode_ws_pong(stream: int, flags: int, p: bytes) -> Tuple[Frame, int]:
    # A pong carries the ping's payload back, which may be any bytes: not checked as text.
    return WsPongFrame(stream, p, flags), len(p)


_LINK_TYPES = frozenset((HELLO, PING, GOAWAY, BODY_MEMORY, RELEASE, PUSH_RESULT))
_DECODERS: Dict[int, Callable[[int, int, bytes], Tuple[Frame, int]]] = {
    HELLO: _decode_hello,
    REQUEST: _decode_request,
    DATA: _decode_data,
    RESPONSE: _decode_response,
    INFORMATIONAL: _decode_informational,
    TRAILERS: _decode_trailers,
    RESET: _decode_reset,
    WINDOW: _decode_window,
    PING: _decode_ping,
    GOAWAY: _decode_goaway,
    FILE_RESPONSE: _decode_file_response,
    BODY_MEMORY: _decode_body_memory,
    SHARED_DATA: _decode_shared_data,
    RELEASE: _decode_release,
    TLS: _decode_tls,
    PUSH: _decode_push,
    PUSH_RESULT: _decode_push_result,
    PRIORITY: _decode_priority,
    WS_ACCEPT: _decode_ws_accept,
    WS_OPEN: _decode_ws_open,
    WS_MESSAGE: _decode_ws_message,
    WS_CLOSE: _decode_ws_close,
    WS_PING: _decode_ws_ping,
    WS_PONG: _decode_ws_pong,
}
_NAMES = {
    HELLO: "HELLO",
    REQUEST: "REQUEST",
    DATA: "DATA",
    RESPONSE: "RESPONSE",
    INFORMATIONAL: "INFORMATIONAL",
    TRAILERS: "TRAILERS",
    RESET: "RESET",
    WINDOW: "WINDOW",
    PING: "PING",
    GOAWAY: "GOAWAY",
    FILE_RESPONSE: "FILE_RESPONSE",
    BODY_MEMORY: "BODY_MEMORY",
    SHARED_DATA: "SHARED_DATA",
    RELEASE: "RELEASE",
    TLS: "TLS",
    PUSH: "PUSH",
    PUSH_RESULT: "PUSH_RESULT",
    PRIORITY: "PRIORITY",
    WS_ACCEPT: "WS_ACCEPT",
    WS_OPEN: "WS_OPEN",
    WS_MESSAGE: "WS_MESSAGE",
    WS_CLOSE: "WS_CLOSE",
    WS_PING: "WS_PING",
    WS_PONG: "WS_PONG",
}


def decode_payload(ftype: int, flags: int, stream: int, payload: bytes) -> Optional[Frame]:
    """One frame from its header fields and complete payload; None for an unknown type (A.8)."""
    decoder = _DECODERS.get(ftype)
    if decoder is None:
        return None
    return _decode_checked(decoder, ftype, flags, stream, payload)


def _decode_checked(
    decoder: Callable[[int, int, bytes], Tuple[Frame, int]],
    ftype: int,
    flags: int,
    stream: int,
    payload: bytes,
) -> Frame:
    if (stream == 0) != (ftype in _LINK_TYPES):
        raise _error(f"{_NAMES[ftype]} frame on stream {stream}")
    try:
        frame, used = decoder(stream, flags, payload)
    except (struct.error, IndexError):
        used = len(payload) + 1
    if used != len(payload):
        raise _error(
            f"{_NAMES[ftype]} payload of {len(payload)} bytes is "
            f"{'truncated' if used > len(payload) else 'too long'}"
        )
    return frame


class FrameDecoder:
    """Bytes in, frames out. Keeps an incomplete frame until the rest arrives."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a complete frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> List[Frame]:
        """The frames completed by `data` (raises LinkError on a malformed one)."""
        buffer = self._buffer
        if buffer:
            buffer += data
            frames, pos = split_frames(buffer)
            del buffer[:pos]
            return frames
        frames, pos = split_frames(data)
        if pos < len(data):
            buffer += data[pos:]
        return frames


def _py_split_frames(source: Union[bytes, bytearray]) -> Tuple[List[Frame], int]:
    """Every complete frame at the start of `source`, and the bytes they took."""
    frames: List[Frame] = []
    append = frames.append
    size = len(source)
    pos = 0
    unpack_header = _FRAME_HEADER.unpack_from
    decoders = _DECODERS
    is_bytes = type(source) is bytes
    while size - pos >= HEADER_SIZE:
        length, ftype, flags, stream = unpack_header(source, pos)
        if length > MAX_LENGTH:
            raise _error(f"frame length {length} exceeds {MAX_LENGTH}")
        start = pos + HEADER_SIZE
        end = start + length
        if end > size:
            break
        pos = end
        decoder = decoders.get(ftype)
        if decoder is None:
            continue  # unknown frame types are ignored (A.8)
        # Slicing bytes copies once; a frame that spanned reads is copied once out of the
        # bytearray through a view (slicing the bytearray would copy it twice).
        if is_bytes:
            payload = source[start:end]
        else:
            with memoryview(source) as view:
                payload = view[start:end].tobytes()
        if TYPE_CHECKING:  # tells mypy what the slice above is; never runs
            assert isinstance(payload, bytes)
        if decoder is _decode_data and stream:
            append(DataFrame(stream, payload, flags))  # the most frequent frame, inline
        elif decoder is _decode_request and stream:
            try:
                append(_decode_request(stream, flags, payload)[0])
            except struct.error:
                raise _error(f"REQUEST payload of {length} bytes is truncated") from None
        else:
            append(_decode_checked(decoder, ftype, flags, stream, payload))
    return frames, pos


# -- encoding -----------------------------------------------------------------------------


def frame_header(length: int, ftype: int, flags: int, stream: int) -> bytes:
    return _FRAME_HEADER.pack(length, ftype, flags, stream)


def _encode_fields(fields: Sequence[Tuple[bytes, bytes]]) -> List[bytes]:
    parts = [_U16.pack(len(fields))]
    pack = _U16.pack
    try:
        for name, value in fields:
            parts += (pack(len(name)), name, pack(len(value)), value)
    except struct.error:
        raise _too_long() from None
    return parts


def _too_long() -> LinkError:
    return LinkError("a header name or value is longer than 65535 bytes", code=0, side=LOCAL)


def _py_encode_whole_response(
    stream: int, status: int, headers: Sequence[Tuple[bytes, bytes]], body: bytes
) -> bytes:
    """RESPONSE, then the whole body in one DATA END_STREAM frame (or RESPONSE END_STREAM when
    `body` is empty), as one bytes object: the common small response costs one write. The
    caller checks that `body` fits the peer's window and MAX_FRAME."""
    pack = _U16.pack
    parts: List[bytes] = []
    try:
        for name, value in headers:
            parts += (pack(len(name)), name, pack(len(value)), value)
    except struct.error:
        raise _too_long() from None
    fields = b"".join(parts)
    # The frame header, status and header count are one pack: the payload's length is known
    # once the fields are joined.
    size = len(fields) + 4
    if body:
        return b"".join(
            (
                _RESPONSE_START.pack(size, RESPONSE, 0, stream, status, len(headers)),
                fields,
                _FRAME_HEADER.pack(len(body), DATA, END_STREAM, stream),
                body,
            )
        )
    return _RESPONSE_START.pack(size, RESPONSE, END_STREAM, stream, status, len(headers)) + fields


def _frame(ftype: int, flags: int, stream: int, parts: List[bytes]) -> bytes:
    payload = b"".join(parts)
    return _FRAME_HEADER.pack(len(payload), ftype, flags, stream) + payload


def encode_hello(
    settings: Sequence[Tuple[int, int]], version: int = VERSION, flags: int = 0
) -> bytes:
    parts = [_U16U16.pack(version, len(settings))]
    parts += [_SETTING.pack(key, value) for key, value in settings]
    return _frame(HELLO, flags, 0, parts)


def encode_request(frame: RequestFrame) -> bytes:
    f = frame
    block = b"".join(name + b"\0" + value + b"\0" for name, value in f.headers)
    parts = [
        _REQUEST_FIXED.pack(
            _HTTP_VERSION_BYTES[f.http_version],
            len(f.scheme),
            len(f.method),
            len(f.client_host),
            len(f.server_host),
            f.client_port,
            f.server_port,
            len(f.path),
            len(f.query),
            f.content_length,
            f.capabilities,
            len(f.headers),
            len(block),
        ),
        f.scheme,
        f.method,
        f.path,
        f.query,
        f.client_host,
        f.server_host,
        block,
    ]
    return _frame(REQUEST, f.flags, f.stream, parts)


def encode_data(stream: int, data: bytes, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(len(data), DATA, flags, stream) + data


def encode_response(
    stream: int, status: int, headers: Sequence[Tuple[bytes, bytes]], flags: int = 0
) -> bytes:
    return _frame(RESPONSE, flags, stream, [_U16.pack(status)] + _encode_fields(headers))


def encode_informational(
    stream: int, status: int, headers: Sequence[Tuple[bytes, bytes]], flags: int = 0
) -> bytes:
    return _frame(INFORMATIONAL, flags, stream, [_U16.pack(status)] + _encode_fields(headers))


def encode_file_response(
    stream: int,
    status: int,
    headers: Sequence[Tuple[bytes, bytes]],
    path: bytes,
    offset: int,
    length: int,
    device: int,
    inode: int,
    flags: int = 0,
) -> bytes:
    """FILE_RESPONSE: the head, and a body the front end sends from the file at `path`."""
    parts = [_U16.pack(status)] + _encode_fields(headers)
    try:
        parts += (_U16.pack(len(path)), path, _FILE_REFERENCE.pack(offset, length, device, inode))
    except struct.error:
        raise LinkError(
            "a file path longer than 65535 bytes or a file position outside 0..2^64-1",
            code=0,
            side=LOCAL,
        ) from None
    return _frame(FILE_RESPONSE, flags, stream, parts)


def encode_trailers(stream: int, headers: Sequence[Tuple[bytes, bytes]], flags: int = 0) -> bytes:
    return _frame(TRAILERS, flags, stream, _encode_fields(headers))


def encode_reset(stream: int, code: int, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(4, RESET, flags, stream) + _U32.pack(code)


def encode_window(stream: int, increment: int, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(4, WINDOW, flags, stream) + _U32.pack(increment)


def encode_ping(data: bytes, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(8, PING, flags, 0) + data


def encode_goaway(code: int, reason: str = "", flags: int = 0) -> bytes:
    return _frame(GOAWAY, flags, 0, [_U32.pack(code), reason.encode("utf-8")])


def encode_body_memory(slot_size: int, slot_count: int, path: bytes, flags: int = 0) -> bytes:
    """BODY_MEMORY; with ACK the payload is empty (the worker's answer)."""
    if flags & ACK:
        return _FRAME_HEADER.pack(0, BODY_MEMORY, flags, 0)
    return _frame(
        BODY_MEMORY, flags, 0, [_BODY_MEMORY_FIXED.pack(slot_size, slot_count), _U16.pack(len(path)), path]
    )


def encode_shared_data(stream: int, slot: int, length: int, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(_SHARED_DATA.size, SHARED_DATA, flags, stream) + _SHARED_DATA.pack(
        slot, length
    )


def encode_release(slots: Sequence[int], flags: int = 0) -> bytes:
    return _frame(RELEASE, flags, 0, [struct.pack(f">{len(slots)}H", *slots)])


def encode_tls(frame: TlsFrame) -> bytes:
    """TLS: seven str16 texts, then the client certificate's PEM filling the rest (A.2)."""
    f = frame
    parts: List[bytes] = []
    try:
        for text in (f.version, f.cipher, f.server_name, f.alpn, f.client_subject,
                     f.client_issuer, f.client_serial):
            raw = text.encode("utf-8")
            parts += (_U16.pack(len(raw)), raw)
    except struct.error:
        raise LinkError("a TLS text longer than 65535 bytes", code=0, side=LOCAL) from None
    parts.append(f.client_pem.encode("utf-8"))
    return _frame(TLS, f.flags, f.stream, parts)


def encode_push(
    stream: int, token: int, path: bytes, headers: Sequence[Tuple[bytes, bytes]], flags: int = 0
) -> bytes:
    try:
        start = [_U32.pack(token), _U16.pack(len(path)), path]
    except struct.error:
        raise LinkError("a push path longer than 65535 bytes", code=0, side=LOCAL) from None
    return _frame(PUSH, flags, stream, start + _encode_fields(headers))


def encode_push_result(token: int, accepted: bool, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(_PUSH_RESULT.size, PUSH_RESULT, flags, 0) + _PUSH_RESULT.pack(
        token, 1 if accepted else 0
    )


def encode_priority(stream: int, value: bytes, flags: int = 0) -> bytes:
    return _frame(PRIORITY, flags, stream, [_U16.pack(len(value)), value])


def encode_ws_accept(
    stream: int,
    options: int,
    max_message_size: int,
    subprotocol: str,
    headers: Sequence[Tuple[bytes, bytes]],
    flags: int = 0,
) -> bytes:
    try:
        raw = subprotocol.encode("latin-1")
        start = [_WS_ACCEPT_FIXED.pack(options, max_message_size), _U16.pack(len(raw)), raw]
    except (struct.error, UnicodeEncodeError):
        raise LinkError(
            "a subprotocol the link cannot carry (latin-1, at most 65535 bytes) or a max "
            "message size outside 1..2^32-1",
            code=0,
            side=LOCAL,
        ) from None
    return _frame(WS_ACCEPT, flags, stream, start + _encode_fields(headers))


def encode_ws_open(stream: int, extensions: str, flags: int = 0) -> bytes:
    raw = extensions.encode("utf-8")
    return _frame(WS_OPEN, flags, stream, [_U16.pack(len(raw)), raw])


def encode_ws_message(stream: int, data: "Union[bytes, memoryview]", flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(len(data), WS_MESSAGE, flags, stream) + data


def encode_ws_close(stream: int, code: Optional[int], reason: str = "", flags: int = 0) -> bytes:
    if code is None:
        return _FRAME_HEADER.pack(0, WS_CLOSE, flags, stream)
    return _frame(WS_CLOSE, flags, stream, [_U16.pack(code), reason.encode("utf-8")])


def encode_ws_ping(stream: int, data: bytes, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(len(data), WS_PING, flags, stream) + data


def encode_ws_pong(stream: int, data: bytes, flags: int = 0) -> bytes:
    return _FRAME_HEADER.pack(len(data), WS_PONG, flags, stream) + data


def encode(frame: Frame) -> bytes:
    """The bytes of any frame (the hot path calls the specific encoders directly)."""
    if isinstance(frame, HelloFrame):
        return encode_hello(frame.settings, frame.version, frame.flags)
    if isinstance(frame, RequestFrame):
        return encode_request(frame)
    if isinstance(frame, DataFrame):
        return encode_data(frame.stream, frame.data, frame.flags)
    if isinstance(frame, ResponseFrame):
        return encode_response(frame.stream, frame.status, frame.headers, frame.flags)
    if isinstance(frame, InformationalFrame):
        return encode_informational(frame.stream, frame.status, frame.headers, frame.flags)
    if isinstance(frame, TrailersFrame):
        return encode_trailers(frame.stream, frame.headers, frame.flags)
    if isinstance(frame, ResetFrame):
        return encode_reset(frame.stream, frame.code, frame.flags)
    if isinstance(frame, WindowFrame):
        return encode_window(frame.stream, frame.increment, frame.flags)
    if isinstance(frame, PingFrame):
        return encode_ping(frame.data, frame.flags)
    if isinstance(frame, GoawayFrame):
        return encode_goaway(frame.code, frame.reason, frame.flags)
    if isinstance(frame, FileResponseFrame):
        f = frame
        return encode_file_response(
            f.stream, f.status, f.headers, f.path, f.offset, f.length, f.device, f.inode, f.flags
        )
    if isinstance(frame, BodyMemoryFrame):
        return encode_body_memory(frame.slot_size, frame.slot_count, frame.path, frame.flags)
    if isinstance(frame, SharedDataFrame):
        return encode_shared_data(frame.stream, frame.slot, frame.length, frame.flags)
    if isinstance(frame, ReleaseFrame):
        return encode_release(frame.slots, frame.flags)
    if isinstance(frame, TlsFrame):
        return encode_tls(frame)
    if isinstance(frame, PushFrame):
        return encode_push(frame.stream, frame.token, frame.path, frame.headers, frame.flags)
    if isinstance(frame, PushResultFrame):
        return encode_push_result(frame.token, frame.accepted, frame.flags)
    if isinstance(frame, PriorityFrame):
        return encode_priority(frame.stream, frame.value, frame.flags)
    if isinstance(frame, WsAcceptFrame):
        return encode_ws_accept(
            frame.stream,
            frame.options,
            frame.max_message_size,
            frame.subprotocol,
            frame.headers,
            frame.flags,
        )
    if isinstance(frame, WsOpenFrame):
        return encode_ws_open(frame.stream, frame.extensions, frame.flags)
    if isinstance(frame, WsMessageFrame):
        return encode_ws_message(frame.stream, frame.data, frame.flags)
    if isinstance(frame, WsCloseFrame):
        return encode_ws_close(frame.stream, frame.code, frame.reason, frame.flags)
    if isinstance(frame, WsPingFrame):
        return encode_ws_ping(frame.stream, frame.data, frame.flags)
    if isinstance(frame, WsPongFrame):
        return encode_ws_pong(frame.stream, frame.data, frame.flags)
    raise TypeError(f"not a link frame: {frame!r}")


# -- the optional accelerator -----------------------------------------------------------------
# _link_accel.c does what split_frames and encode_whole_response do, in C, when it was built
# (scripts/lib/env.sh builds it; without a compiler the Python code above serves). Setting
# WSGING_PURE_PYTHON=1 keeps it unloaded, which the tests use to hold both to the same results.


def _load_accelerator() -> Any:
    if os.environ.get("WSGING_PURE_PYTHON"):
        return None
    try:
        from . import _link_accel  # type: ignore[attr-defined]
    except ImportError:
        return None
    _link_accel.configure(
        RequestFrame,
        DataFrame,
        _HTTP_VERSIONS,
        decode_payload,
        _error,
        _too_long,
        _py_encode_whole_response,
    )
    return _link_accel


_accelerator = _load_accelerator()
ACCELERATED = _accelerator is not None
split_frames: Callable[[Union[bytes, bytearray]], Tuple[List[Frame], int]] = (
    _accelerator.split_frames if ACCELERATED else _py_split_frames
)
encode_whole_response: Callable[[int, int, Sequence[Tuple[bytes, bytes]], bytes], bytes] = (
    _accelerator.encode_whole_response if ACCELERATED else _py_encode_whole_response
)
