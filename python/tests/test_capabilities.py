"""request.capabilities from the REQUEST capability word (spec A.6)."""

import pytest

from wsging import Capabilities


@pytest.mark.parametrize(
    "bits, name",
    [(0x01, "response_trailers"), (0x02, "early_hints"), (0x04, "push"), (0x08, "websocket"),
     (0x10, "request_trailers")],
)
def test_each_bit_maps_to_one_name(bits, name):
    caps = Capabilities.from_bits(bits)
    assert getattr(caps, name) is True
    assert name in caps
    others = {"response_trailers", "early_hints", "push", "websocket", "request_trailers"} - {name}
    assert not any(getattr(caps, other) for other in others)
    assert not any(other in caps for other in others)


def test_unknown_bits_are_ignored_and_extensions_are_names():
    caps = Capabilities(0x80 | 0x01, frozenset({"x-proto"}))
    assert caps.response_trailers and "x-proto" in caps and "push" not in caps


def test_from_bits_shares_instances():
    assert Capabilities.from_bits(3) is Capabilities.from_bits(3)
    assert Capabilities.from_bits(3) == Capabilities(3)
