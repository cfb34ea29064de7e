"""What the conformance application remembers between requests of one process: facts a later
request reads back (a completion callback's outcome, a trailers callable that ran, what a
streamed body saw when its client left), keyed by a token the runner makes up.

Hosts are run with one application process for the kit, so a later request finds what an
earlier one recorded; the store is bounded, since tokens come from clients."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Dict, Optional

__all__ = ["forget_all", "lifespan_state", "read", "record", "wait_for"]

_LIMIT = 1000
_lock = threading.Condition()
_records: "OrderedDict[str, Dict[str, object]]" = OrderedDict()

# Set by the application's lifespan (spec 11.4): "entered" once its context was entered.
lifespan_state: Dict[str, object] = {"entered": False}


def record(token: str, **facts: object) -> None:
    """Add `facts` to what is known under `token`."""
    with _lock:
        entry = _records.pop(token, None) or {}
        entry.update(facts)
        _records[token] = entry
        while len(_records) > _LIMIT:
            _records.popitem(last=False)
        _lock.notify_all()


def read(token: str) -> Dict[str, object]:
    with _lock:
        return dict(_records.get(token, {}))


def wait_for(token: str, key: str, timeout: float) -> Optional[object]:
    """The fact `key` of `token` once it is recorded, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with _lock:
        while True:
            entry = _records.get(token)
            if entry is not None and key in entry:
                return entry[key]
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            _lock.wait(left)


def forget_all() -> None:
    with _lock:
        _records.clear()
