"""What an application can reach from an object through its public members (spec C4)."""

import asyncio
import socket
from collections.abc import Mapping
from typing import List


def reachable(obj: object, max_depth: int = 4) -> List[object]:
    """`obj` and what its public non-callable attributes and mapping values lead to."""
    found: List[object] = []

    def walk(value: object, depth: int) -> None:
        if depth > max_depth or isinstance(value, (str, bytes, int, float, bool, type(None))):
            return
        found.append(value)
        if isinstance(value, Mapping):
            for item in value.values():
                walk(item, depth + 1)
        for name in dir(value):
            if name.startswith("_"):
                continue
            try:
                member = getattr(value, name)
            except Exception:
                continue
            if not callable(member):
                walk(member, depth + 1)

    walk(obj, 0)
    return found


def assert_no_connection(objects: List[object]) -> None:
    """No socket, descriptor or transport among `objects`."""
    assert objects
    for obj in objects:
        assert not isinstance(obj, (socket.socket, asyncio.BaseTransport)), obj
        assert not hasattr(obj, "fileno") and not hasattr(obj, "get_extra_info"), obj
