"""The stream state table and both flow-control windows (spec A.4, A.5)."""

import pytest

from wsging.worker import link
from wsging.worker.errors import StreamError
from wsging.worker.streams import (
    IN_DONE,
    IN_OPEN,
    INBOUND,
    OUT_BODY,
    OUT_DONE,
    OUT_IDLE,
    OUT_WEBSOCKET,
    OUTBOUND,
    RESET,
    Stream,
)


def new(body_ended=False, send_window=100, recv_window=100):
    return Stream(1, send_window=send_window, recv_window=recv_window, body_ended=body_ended)


def test_tables_list_every_allowed_move():
    assert INBOUND == {
        (IN_OPEN, "recv DATA"): IN_OPEN,
        (IN_OPEN, "recv DATA END_STREAM"): IN_DONE,
        (IN_OPEN, "recv TRAILERS"): IN_DONE,
    }
    assert set(OUTBOUND.values()) == {OUT_IDLE, OUT_BODY, OUT_DONE, OUT_WEBSOCKET}
    assert not any(state in (OUT_DONE, RESET) for state, _ in OUTBOUND)


@pytest.mark.parametrize(
    "moves, outbound, complete",
    [
        ([("send_head", True)], OUT_DONE, True),
        ([("send_informational",), ("send_head", False)], OUT_BODY, False),
        ([("send_head", False), ("send_data", 10, False), ("send_data", 0, True)], OUT_DONE, True),
        ([("send_head", False), ("send_trailers",)], OUT_DONE, True),
    ],
)
def test_legal_response_sequences(moves, outbound, complete):
    stream = new()
    for name, *args in moves:
        getattr(stream, name)(*args)
    assert stream.outbound == outbound
    assert stream.complete is complete


@pytest.mark.parametrize(
    "moves",
    [
        [("send_data", 1, False)],  # body before head
        [("send_trailers",)],  # trailers before head
        [("send_head", False), ("send_head", False)],  # two heads
        [("send_head", False), ("send_informational",)],  # 1xx after the final head
        [("send_head", True), ("send_data", 0, True)],  # data after the end
        [("reset",), ("send_head", False)],  # anything after a reset
    ],
)
def test_illegal_response_moves_are_local_errors(moves):
    stream = new()
    for name, *args in moves[:-1]:
        getattr(stream, name)(*args)
    name, *args = moves[-1]
    with pytest.raises(StreamError) as info:
        getattr(stream, name)(*args)
    assert info.value.side == "local"
    assert info.value.scope == "stream"
    assert info.value.code == link.INTERNAL_ERROR


def test_request_body_moves():
    stream = new()
    stream.receive_data(10, False)
    stream.receive_data(0, True)
    assert stream.inbound == IN_DONE
    with pytest.raises(StreamError) as info:
        stream.receive_data(1, False)
    assert (info.value.side, info.value.code, info.value.stream_id) == ("remote", link.PROTOCOL_ERROR, 1)


def test_request_without_body_rejects_data_and_trailers():
    stream = new(body_ended=True)
    with pytest.raises(StreamError):
        stream.receive_data(1, True)
    with pytest.raises(StreamError):
        stream.receive_trailers()


def test_trailers_end_the_request_body():
    stream = new()
    stream.receive_trailers()
    assert stream.inbound == IN_DONE


def test_receive_window_counts_data_and_grants():
    stream = new(recv_window=10)
    stream.receive_data(6, False)
    stream.receive_data(0, False)  # zero-length DATA is not counted (A.5)
    assert stream.recv_window == 4
    with pytest.raises(StreamError) as info:
        stream.receive_data(5, False)  # A.5: beyond the window
    assert info.value.code == link.PROTOCOL_ERROR
    stream.grant(100)
    stream.receive_data(5, True)
    assert stream.recv_window == 99


def test_send_window_counts_data_and_window_frames():
    stream = new(send_window=10)
    stream.send_head(False)
    stream.send_data(10, False)
    with pytest.raises(StreamError):
        stream.send_data(1, False)
    stream.receive_window(5)
    stream.send_data(5, False)
    assert stream.send_window == 0


def test_window_past_two_to_the_31_is_a_stream_error():
    stream = new(send_window=(1 << 31) - 10)
    with pytest.raises(StreamError):
        stream.receive_window(11)


def test_reset_completes_both_directions():
    stream = new()
    stream.reset()
    assert stream.complete and stream.inbound == RESET
    with pytest.raises(StreamError):
        stream.receive_data(1, False)


# -- a WebSocket session's stream (A.2 *WebSocket*) ------------------------------------------


def test_a_session_stream_carries_messages_until_the_front_ends_close():
    stream = new(body_ended=True)
    stream.send_ws_accept()
    assert stream.outbound == OUT_WEBSOCKET and not stream.complete and stream.head_sent
    stream.send_ws_message(60)
    stream.receive_ws_message(70)
    assert (stream.send_window, stream.recv_window) == (40, 30)
    stream.receive_ws_close()
    assert stream.complete


@pytest.mark.parametrize(
    "moves",
    [
        [("send_ws_message", 1)],  # before WS_ACCEPT
        [("send_head", False), ("send_ws_accept",)],  # after a response head
        [("send_ws_accept",), ("send_ws_accept",)],  # twice
        [("send_ws_accept",), ("send_data", 1, False)],  # DATA on a session
        [("send_ws_accept",), ("send_ws_message", 101)],  # beyond the window
    ],
)
def test_illegal_session_moves_of_this_worker_raise_local_errors(moves):
    stream = new(body_ended=True)
    with pytest.raises(StreamError) as info:
        for name, *args in moves:
            getattr(stream, name)(*args)
    assert info.value.side == "local"


@pytest.mark.parametrize(
    "moves",
    [
        [("receive_ws_message", 1)],  # no session
        [("receive_ws_close",)],
        [("send_ws_accept",), ("receive_ws_message", 101)],  # beyond the window
        [("send_ws_accept",), ("receive_ws_close",), ("receive_ws_close",)],
    ],
)
def test_illegal_session_moves_of_the_front_end_are_stream_errors(moves):
    stream = new(body_ended=True)
    with pytest.raises(StreamError) as info:
        for name, *args in moves:
            getattr(stream, name)(*args)
    assert info.value.side == "remote" and info.value.code == link.PROTOCOL_ERROR
