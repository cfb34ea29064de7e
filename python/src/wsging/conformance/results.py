"""Grades and their reasons: what each check of the runner concludes about one feature."""

from __future__ import annotations

from typing import Dict, NamedTuple, NoReturn, Optional

__all__ = [
    "DEGRADED", "FAIL", "NOT_CHECKED", "NOT_OFFERED", "PASS", "CheckFailed", "Outcome",
    "degraded", "expect", "failed", "not_offered", "passed",
]

PASS = "pass"
DEGRADED = "degraded"  # the host lacks the capability, and the application saw it and degraded
FAIL = "fail"
NOT_CHECKED = "not checked"  # the runner could not check it (an optional client library)
NOT_OFFERED = "n/a"  # the host does not speak the protocol the check needs (HTTP/2)

GRADES = (PASS, DEGRADED, FAIL, NOT_CHECKED, NOT_OFFERED)


class Outcome(NamedTuple):
    grade: str
    reason: str = ""

    def as_json(self) -> Dict[str, str]:
        return {"grade": self.grade, "reason": self.reason}


class CheckFailed(Exception):
    """Raised inside a check: the feature fails, for the reason given."""


def passed(reason: str = "") -> Outcome:
    return Outcome(PASS, reason)


def degraded(reason: str) -> Outcome:
    return Outcome(DEGRADED, reason)


def failed(reason: str) -> Outcome:
    return Outcome(FAIL, reason)


def not_offered(reason: str) -> Outcome:
    return Outcome(NOT_OFFERED, reason)


def expect(condition: object, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


def fail_now(reason: str) -> NoReturn:
    raise CheckFailed(reason)


def one_line(text: Optional[str], limit: int = 160) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
