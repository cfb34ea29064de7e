"""Medians over several bench/run invocations: `python -m harness.summary RESULTS.json...`.

One bench/run pools its rounds (requests over seconds); numbers for the docs are medians over
runs with their spread, so this reads the raw measurements of any number of runs (every
round of each counts as one run), groups them by worker count, row and server, and prints for
each the median and the range of requests/s, server CPU per request (and the JVM's and the
Python workers' share, where the tree has both), and p99.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

Key = Tuple[int, str, str]  # workers, row, server


@dataclass(frozen=True)
class Run:
    requests_per_s: float
    cpu_us: float
    p99_ms: Optional[float]
    cpu_us_by_command: Dict[str, float]


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    runs: int

    def render(self, digits: int) -> str:
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


def spread(values: Sequence[float]) -> Spread:
    return Spread(statistics.median(values), min(values), max(values), len(values))


def runs_of(measurements: Sequence[dict]) -> Dict[Key, List[Run]]:
    """The measured runs by (workers, row, server); failed and not-built ones are left out."""
    found: Dict[Key, List[Run]] = {}
    for m in measurements:
        result = m.get("result")
        if not result or m.get("failure") or not result["requests"]:
            continue
        requests = result["requests"]
        by_command = {command: (user + system) / requests * 1e6
                      for command, (user, system) in (m.get("cpu_by_command") or {}).items()}
        found.setdefault((m["workers"], m["row"], m["server"]), []).append(Run(
            requests_per_s=requests / result["duration_s"],
            cpu_us=m["cpu_s"] / requests * 1e6,
            p99_ms=result.get("p99_ms"),
            cpu_us_by_command=by_command))
    return found


def render(found: Dict[Key, List[Run]]) -> str:
    lines = ["| workers | row | server | runs | req/s median (range) | CPU µs/req median (range) "
             "| of which by process, medians | p99 ms median (range) |",
             "|--:|---|---|--:|--:|--:|---|--:|"]
    for (workers, row, server), runs in sorted(found.items()):
        rate = spread([run.requests_per_s for run in runs])
        cpu = spread([run.cpu_us for run in runs])
        p99s = [run.p99_ms for run in runs if run.p99_ms is not None]
        commands = sorted({command for run in runs for command in run.cpu_us_by_command})
        split = ", ".join(
            f"{command} {statistics.median([run.cpu_us_by_command.get(command, 0.0) for run in runs]):.1f}"
            for command in commands) if len(commands) > 1 else ""
        lines.append(f"| {workers} | {row} | {server} | {rate.runs} | {rate.render(0)} "
                     f"| {cpu.render(1)} | {split} | {spread(p99s).render(2) if p99s else '-'} |")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.summary", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="results.json files of bench/run")
    args = parser.parse_args(argv)
    measurements: List[dict] = []
    for path in args.results:
        measurements += json.loads(path.read_text())["measurements"]
    print(render(runs_of(measurements)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
