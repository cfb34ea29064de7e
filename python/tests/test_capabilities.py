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


def test_without_clears_one_capability_and_keeps_the_rest():
    caps = Capabilities(0x01 | 0x02 | 0x04, frozenset({"x-proto", "x-other"}))
    hidden = caps.without("push")
    assert not hidden.push and "push" not in hidden
    assert hidden.response_trailers and hidden.early_hints
    assert "x-proto" in hidden and "x-other" in hidden
    assert hidden.bits == 0x03
    assert caps.push and "push" in caps  # the original is unchanged


def test_without_clears_extension_names_and_ignores_unknown_names():
    caps = Capabilities(0x02, frozenset({"x-proto", "x-other"}))
    hidden = caps.without("x-proto", "never-heard-of")
    assert "x-proto" not in hidden and "x-other" in hidden and hidden.early_hints
    assert hidden.extensions == frozenset({"x-other"})


def test_without_everything_returns_the_shared_instance():
    caps = Capabilities.from_bits(0x03)
    assert caps.without("early_hints") is Capabilities.from_bits(0x01)
    assert caps.without() is Capabilities.from_bits(0x03)


def test_extensions_lists_only_extension_names():
    assert Capabilities(0x1F, frozenset({"x-proto"})).extensions == frozenset({"x-proto"})
    assert Capabilities.from_bits(0x1F).extensions == frozenset()
