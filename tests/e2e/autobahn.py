"""Running Autobahn|Testsuite's fuzzing client (`wstest -m fuzzingclient`) and reading its report.

wstest is Python 2 only; scripts/test installs it into its own virtualenv at
target/tools/autobahn (scripts/lib/tools.sh, wsging_install_autobahn). The fuzzing client
connects to a WebSocket echo server once per case and writes `index.json` into the report
folder: for each agent, each case's `behavior` (what the server did with the case's frames)
and `behaviorClose` (how the connection ended).
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import IO, Dict, List, NamedTuple, Optional, Sequence, Tuple

import pytest

from e2e_server import ROOT

WSTEST = ROOT / "target" / "tools" / "autobahn" / "bin" / "wstest"

# Verdicts as the suite's own HTML report colours them: these pass (green, yellow, blue).
# NON-STRICT: right in the end but not as early as the RFC prefers (for example invalid UTF-8
# found at the message's end rather than at the bad byte); INFORMATIONAL: cases with no
# right answer, kept for reading.
ACCEPTED_BEHAVIORS = frozenset({"OK", "NON-STRICT", "INFORMATIONAL"})
# How the connection ended. WRONG CODE (a close code the case does not list) and UNCLEAN (no
# close handshake) fail: the spec names the close codes (9.4) and the server owns the closing
# handshake. FAILED BY CLIENT means the server waited for the client to drop the TCP
# connection, where RFC 6455 7.1.1 says the server SHOULD drop it first: it passes, and the
# test lists such cases in its output.
ACCEPTED_CLOSE_BEHAVIORS = frozenset({"OK", "INFORMATIONAL", "FAILED BY CLIENT"})
# Sections 12 and 13 are permessage-deflate (RFC 7692): UNIMPLEMENTED there means the server did
# not negotiate compression, which wsging does, so it fails.
COMPRESSION_SECTIONS = frozenset({12, 13})


def require_wstest() -> Path:
    """wstest's path; missing: fails under CI=true (scripts/test installs it), else skips."""
    if WSTEST.is_file() and os.access(WSTEST, os.X_OK):
        return WSTEST
    message = f"Autobahn|Testsuite is not installed at {WSTEST} (scripts/test installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")


def case_key(case_id: str) -> Tuple[int, ...]:
    """Numeric order of case ids ("9.1.10" after "9.1.9")."""
    return tuple(int(part) for part in case_id.split("."))


class CaseResult(NamedTuple):
    case_id: str
    behavior: str
    behavior_close: str
    remote_close_code: Optional[int]
    duration_ms: int

    @property
    def section(self) -> int:
        return case_key(self.case_id)[0]

    @property
    def failure(self) -> Optional[str]:
        """Why this case fails, or None when it passes."""
        behavior_ok = self.behavior in ACCEPTED_BEHAVIORS or (
            self.behavior == "UNIMPLEMENTED" and self.section not in COMPRESSION_SECTIONS)
        close_ok = self.behavior_close in ACCEPTED_CLOSE_BEHAVIORS
        if behavior_ok and close_ok:
            return None
        return (f"{self.case_id}: behavior {self.behavior}, close {self.behavior_close} "
                f"(close code {self.remote_close_code})")


def write_fuzzing_spec(folder: Path, url: str, agent: str, cases: Sequence[str],
                       exclude: Sequence[str]) -> Path:
    """The fuzzing client's spec: one server (`agent` at `url`), its report under folder/report."""
    spec = {
        "outdir": str(folder / "report"),
        "servers": [{"agent": agent, "url": url, "options": {"version": 18}}],
        "cases": list(cases),
        "exclude-cases": list(exclude),
        "exclude-agent-cases": {},
    }
    path = folder / "fuzzingclient.json"
    path.write_text(json.dumps(spec, indent=2))
    return path


class Part(NamedTuple):
    """Some of the suite's cases: `cases` less `exclude`, in wstest's pattern syntax ("9.*")."""
    cases: Tuple[str, ...]
    exclude: Tuple[str, ...] = ()


class FuzzingRun(NamedTuple):
    results: List[CaseResult]
    seconds: float
    output: str


def run_fuzzing_client(wstest: Path, folder: Path, url: str, agent: str, timeout: float,
                       parts: Sequence[Part] = (Part(("*",)),)) -> FuzzingRun:
    """Runs the cases of `parts` against `url`, one wstest process per part, all at once, and
    reads their reports. Part N writes into folder/part-N: its spec, wstest.log and report/."""
    started = time.monotonic()
    running: List[Tuple[Path, subprocess.Popen, IO[bytes]]] = []
    try:
        for number, part in enumerate(parts, 1):
            part_folder = folder / f"part-{number}"
            part_folder.mkdir(parents=True, exist_ok=True)
            spec = write_fuzzing_spec(part_folder, url, agent, part.cases, part.exclude)
            log = open(part_folder / "wstest.log", "wb")
            running.append((part_folder, subprocess.Popen(
                [str(wstest), "-m", "fuzzingclient", "-s", str(spec)], cwd=part_folder,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT), log))
        results: List[CaseResult] = []
        outputs = []
        for part_folder, process, _ in running:
            status = process.wait(max(1.0, timeout - (time.monotonic() - started)))
            output = (part_folder / "wstest.log").read_text(errors="replace")
            index = part_folder / "report" / "index.json"
            assert status == 0 and index.exists(), (
                f"wstest in {part_folder} exited with {status} and wrote {'a' if index.exists() else 'no'} "
                f"report:\n{output[-3000:]}")
            results += read_report(index, agent)
            outputs.append(output)
    finally:
        for _, process, log in running:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    return FuzzingRun(sorted(results, key=lambda result: case_key(result.case_id)),
                      time.monotonic() - started, "".join(outputs))


def read_report(index: Path, agent: str) -> List[CaseResult]:
    """The cases of one agent in index.json, in case order."""
    report: Dict[str, Dict[str, Dict[str, object]]] = json.loads(index.read_text())
    assert agent in report, f"{index} has no results for {agent!r} (it has {sorted(report)})"
    results = []
    for case_id, entry in report[agent].items():
        code = entry.get("remoteCloseCode")
        results.append(CaseResult(case_id, str(entry["behavior"]), str(entry["behaviorClose"]),
                                  code if isinstance(code, int) else None,
                                  int(entry.get("duration") or 0)))  # type: ignore[call-overload]
    return sorted(results, key=lambda result: case_key(result.case_id))


def failures(results: Sequence[CaseResult]) -> List[str]:
    return [reason for reason in (result.failure for result in results) if reason is not None]


def seconds_by_section(results: Sequence[CaseResult]) -> Dict[str, float]:
    """Where the time goes, as the cases measured it: seconds per "9.1"-style subsection."""
    totals: Dict[str, float] = {}
    for result in results:
        subsection = ".".join(result.case_id.split(".")[:2])
        totals[subsection] = totals.get(subsection, 0.0) + result.duration_ms / 1000
    return totals


def summary(run: FuzzingRun) -> str:
    """Counts by verdict, the cases that passed with a remark, and the slowest subsections."""
    counts: Dict[str, int] = {}
    for result in run.results:
        verdict = f"{result.behavior}/{result.behavior_close}"
        counts[verdict] = counts.get(verdict, 0) + 1
    lines = [f"{len(run.results)} cases in {run.seconds:.0f} s: " +
             ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items()))]
    remarks = [result.case_id for result in run.results
               if result.failure is None and result.behavior_close == "FAILED BY CLIENT"]
    if remarks:
        lines.append("the client had to drop the TCP connection in: " + " ".join(remarks))
    slowest = sorted(seconds_by_section(run.results).items(), key=lambda item: -item[1])[:5]
    lines.append("slowest subsections: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest))
    return "\n".join(lines)
