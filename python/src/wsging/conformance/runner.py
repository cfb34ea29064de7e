"""Runs the checks against a host and reports them: a table on the terminal, JSON for tools."""

from __future__ import annotations

import json
import socket
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

from .check import Check
from .checks_body import CHECKS as BODY
from .checks_http2 import CHECKS as HTTP2
from .checks_lifecycle import CHECKS as LIFECYCLE
from .checks_request import CHECKS as REQUEST
from .checks_response import CHECKS as RESPONSE
from .checks_websocket import CHECKS as WEBSOCKET
from .http1 import ProtocolError
from .results import FAIL, GRADES, CheckFailed, Outcome, failed, one_line
from .target import Target

__all__ = ["ALL_CHECKS", "Row", "report_json", "report_table", "run_checks"]

ALL_CHECKS: List[Check] = [*REQUEST, *BODY, *RESPONSE, *LIFECYCLE, *WEBSOCKET, *HTTP2]


class Row(NamedTuple):
    check: Check
    outcome: Outcome


def grade(check: Check, target: Target) -> Outcome:
    """One check's outcome; whatever goes wrong on the way is that check's failure."""
    try:
        return check.run(target)
    except CheckFailed as exc:
        return failed(one_line(str(exc)))
    except (socket.timeout, TimeoutError):
        return failed("timed out waiting for the host")
    except EOFError as exc:
        return failed(one_line(f"the host closed the connection: {exc}"))
    except ConnectionError as exc:
        return failed(one_line(f"connection error: {type(exc).__name__}"))
    except ProtocolError as exc:
        return failed(one_line(f"not HTTP: {exc}"))
    except Exception as exc:  # the check's own bug or an unexpected answer: still one row
        return failed(one_line(f"{type(exc).__name__}: {exc}"))


def run_checks(
    target: Target, checks: Sequence[Check] = ALL_CHECKS,
    progress: Optional[Callable[[Row], None]] = None,
) -> List[Row]:
    rows = []
    for check in checks:
        row = Row(check, grade(check, target))
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


def report_table(rows: Sequence[Row]) -> str:
    width = max([len(row.check.feature) for row in rows] + [7])
    lines = [f"{'feature':<{width}}  {'spec':<6} {'grade':<11} reason"]
    for check, outcome in rows:
        lines.append(f"{check.feature:<{width}}  {check.section:<6} {outcome.grade:<11} {outcome.reason}".rstrip())
    counts = {g: sum(1 for row in rows if row.outcome.grade == g) for g in GRADES}
    lines.append("")
    lines.append(", ".join(f"{n} {g}" for g, n in counts.items() if n))
    return "\n".join(lines)


def report_json(rows: Sequence[Row], host: str) -> Dict[str, Any]:
    return {
        "host": host,
        "results": [
            {"id": check.id, "feature": check.feature, "section": check.section, **outcome.as_json()}
            for check, outcome in rows
        ],
        "failed": sum(1 for row in rows if row.outcome.grade == FAIL),
    }


def write_json(path: str, rows: Sequence[Row], host: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(report_json(rows, host), out, indent=2, sort_keys=True)
        out.write("\n")
