"""`python -m wsging.conformance URL [--json FILE] [--host NAME]`: grades the host serving the
conformance application (`wsging.conformance.app:app`) at URL. Exit status 0 when no feature
fails, 1 otherwise, 2 for a command line it cannot use."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from .runner import ALL_CHECKS, report_table, run_checks, write_json
from .results import FAIL
from .target import Target


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wsging.conformance",
        description="Grade a host serving wsging.conformance.app:app, feature by feature.",
    )
    parser.add_argument("url", help="where the application is mounted: http://HOST:PORT[/PREFIX]")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--host", default="host", help="the host's name in the JSON results")
    parser.add_argument("--only", metavar="ID", action="append", default=[],
                        help="run only the check with this id (or id prefix, as 'websocket.'); repeatable")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer")
    args = parser.parse_args(argv)
    try:
        target = Target(args.url, args.timeout)
    except ValueError as exc:
        parser.error(str(exc))
    checks = [c for c in ALL_CHECKS if not args.only or any(c.id.startswith(p) for p in args.only)]
    if not checks:
        parser.error("no check matches --only")
    rows = run_checks(target, checks)
    print(report_table(rows))
    if args.json:
        write_json(args.json, rows, args.host)
    return 1 if any(row.outcome.grade == FAIL for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
