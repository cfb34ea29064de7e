"""Adds up JUnit XML reports (pytest's and Maven Surefire's) into one closing line.

Usage: python summarize_test_reports.py [--failed-steps N] REPORT.xml...
Missing files are ignored. Prints one line per suite, then `tests: N passed, N failed, N skipped`,
followed by `; N steps failed` when a step failed (a build that broke has no test to count).
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def suite_counts(path: Path) -> tuple[str, list[int]]:
    """(suite label, [tests, failed, skipped]) of one report file."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    totals = [0, 0, 0]
    for suite in suites:
        totals[0] += int(suite.get("tests", 0))
        totals[1] += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        totals[2] += int(suite.get("skipped", 0))
    # Surefire writes one file per test class; they all belong to the server's JUnit suite.
    if path.name.startswith("TEST-"):
        return "server (JUnit)", totals
    return (suites[0].get("name") if suites else None) or path.stem, totals


def main(args: list[str]) -> int:
    failed_steps = 0
    if args[:1] == ["--failed-steps"]:
        failed_steps, args = int(args[1]), args[2:]
    by_suite: dict[str, list[int]] = {}
    for name in args:
        path = Path(name)
        if not path.is_file():
            continue
        try:
            label, counts = suite_counts(path)
        except ET.ParseError as error:
            print(f"  {path}: unreadable report ({error})")
            continue
        acc = by_suite.setdefault(label, [0, 0, 0])
        for i, n in enumerate(counts):
            acc[i] += n
    grand = [0, 0, 0]
    for label, (tests, failed, skipped) in by_suite.items():
        print(f"  {label}: {tests - failed - skipped} passed, {failed} failed, {skipped} skipped")
        grand = [grand[0] + tests, grand[1] + failed, grand[2] + skipped]
    tests, failed, skipped = grand
    line = f"tests: {tests - failed - skipped} passed, {failed} failed, {skipped} skipped"
    print(line + (f"; {failed_steps} steps failed" if failed_steps else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
