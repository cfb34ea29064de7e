"""Reading what an e2e_app route recorded (its /outcome route), for behaviour a client cannot see."""
from __future__ import annotations

from e2e_http import exchange
from e2e_server import wait_for


def outcome(port: int, tag: str) -> str:
    response = exchange(port, b"GET /outcome?tag=" + tag.encode() + b" HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n\r\n")
    assert response.status == 200, response
    return response.body.decode()


def wait_for_outcome(port: int, tag: str, expected: str, timeout: float = 15) -> None:
    """Waits until the route run with `tag` recorded `expected`; fails naming the last record."""
    seen = {"last": None}

    def probe() -> bool:
        seen["last"] = outcome(port, tag)
        return seen["last"] == expected

    try:
        wait_for(f"outcome {expected!r} of tag {tag!r}", probe, timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}; the app recorded {seen['last']!r}") from None
