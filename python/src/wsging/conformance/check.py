"""What a check is: a feature of the specification, where it is specified, and the function
that grades a host on it."""

from __future__ import annotations

from typing import Callable, NamedTuple

from .results import Outcome
from .target import Target

__all__ = ["Check"]


class Check(NamedTuple):
    id: str  # stable, for --json and the generated table
    feature: str  # what the row says
    section: str  # where spec/wsgi-ng.md specifies it
    run: Callable[[Target], Outcome]
