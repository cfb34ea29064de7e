"""What TestClient does with a PUSH (spec 8.5): what the reference HTTP/2 front end does.

A push is accepted while the parent's response has not ended: the promised request (GET, the
parent's host, the given fields plus the parent's accept-encoding, accept-language and
user-agent when not given) is sent to the same worker as a new REQUEST flagged PUSHED, so it
runs through the whole application, and its response is recorded on the parent's
`TestResponse.pushed`.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

from ..worker import link

__all__ = ["COPIED_FIELDS", "promised_headers"]

# Copied from the parent when the push does not set them (spec 8.5 SHOULD).
COPIED_FIELDS = (b"accept-encoding", b"accept-language", b"user-agent")

Fields = List[Tuple[bytes, bytes]]


def promised_headers(
    parent: Sequence[Tuple[bytes, bytes]], given: Sequence[Tuple[bytes, bytes]], host: bytes
) -> Fields:
    """The promised request's fields: host first, the given ones, then the copied ones."""
    given_names = {name.lower() for name, _ in given}
    fields: Fields = [(b"host", host)]
    fields += given
    for name, value in parent:
        lower = name.lower()
        if lower in COPIED_FIELDS and lower not in given_names:
            fields.append((lower, value))
    return fields


def host_of(parent: Sequence[Tuple[bytes, bytes]], fallback: bytes) -> bytes:
    for name, value in parent:
        if name.lower() == b"host":
            return value
    return fallback


def push_result(token: int, accepted: bool) -> bytes:
    return link.encode_push_result(token, accepted)
