"""Autobahn|Testsuite (RFC 6455 and RFC 7692 conformance) against the real server: its fuzzing
client runs every case, compression (12.x, 13.x) included, against apps/ws_echo_app.py's echo
session, and no case may fail (autobahn.py says which verdicts pass).

The suite's time is nearly all in sections 12 and 13 (216 cases of 1,000 compressed messages
each way, some cut into 256-byte frames), where wstest's own Python 2 CPU sets the pace; so two
fuzzing clients run at once, one per core: section 13 in one, every other case in the other.
Their reports stay in target/autobahn/part-1 and part-2 (report/index.html for reading);
target/autobahn/summary.txt has the counts and the slowest subsections.

The report reader is tested below on a crafted index.json, so a failing case is known to be
reported even while every real case passes.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest
from websockets.sync.client import connect

from autobahn import (CaseResult, FuzzingRun, Part, failures, read_report, require_wstest, run_fuzzing_client,
                      summary)
from e2e_server import ROOT, Server, stop_cleanly

SUITE_TIMEOUT = 1500  # wstest's whole run, in seconds: about 14 minutes against other echo servers here
pytestmark = pytest.mark.timeout(SUITE_TIMEOUT + 300)

AGENT = "wsging"
REPORT_FOLDER = ROOT / "target" / "autobahn"
# Every section of the suite: framing, pings, reserved bits, opcodes, fragmentation, UTF-8,
# closing, limits and performance, misc, compression.
SECTIONS = {1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13}
CASES = 517  # in autobahntestsuite 25.10.1 (scripts/requirements-autobahn.txt)
PARTS = (Part(("*",), exclude=("13.*",)), Part(("13.*",)))


def still_echoes(server: Server) -> None:
    """A fresh WebSocket connection still gets its message back."""
    with connect(f"ws://127.0.0.1:{server.port}/", open_timeout=10, close_timeout=10) as ws:
        ws.send("still here")
        assert ws.recv(timeout=10) == "still here"


class AutobahnRun(NamedTuple):
    run: FuzzingRun
    server_log: str


@pytest.fixture(scope="module")
def autobahn(server_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AutobahnRun]:
    wstest = require_wstest()
    shutil.rmtree(REPORT_FOLDER, ignore_errors=True)
    REPORT_FOLDER.mkdir(parents=True)
    server = Server(tmp_path_factory.mktemp("autobahn") / "server.log", app="ws_echo_app:app",
                    options=["--graceful-timeout", "5"]).start()
    try:
        still_echoes(server)  # the first case's handshake then meets a warm JVM
        run = run_fuzzing_client(wstest, REPORT_FOLDER, f"ws://127.0.0.1:{server.port}/", AGENT, SUITE_TIMEOUT,
                                 PARTS)
        (REPORT_FOLDER / "summary.txt").write_text(summary(run) + "\n")
        still_echoes(server)
        yield AutobahnRun(run, server.log_path.read_text(errors="replace"))
    finally:
        stop_cleanly(server)


def test_autobahn_ran_every_case_of_every_section_once(autobahn: AutobahnRun) -> None:
    case_ids = [result.case_id for result in autobahn.run.results]
    assert len(case_ids) == CASES and len(set(case_ids)) == CASES, summary(autobahn.run)
    assert {result.section for result in autobahn.run.results} == SECTIONS


def test_autobahn_has_no_failed_case(autobahn: AutobahnRun) -> None:
    failed = failures(autobahn.run.results)
    assert not failed, (f"{len(failed)} Autobahn case(s) failed (see {REPORT_FOLDER}/part-*/report/index.html):\n"
                        + "\n".join(failed) + "\n" + summary(autobahn.run))


def test_autobahn_negotiated_compression_in_every_compression_case(autobahn: AutobahnRun) -> None:
    compression = [result for result in autobahn.run.results if result.section in (12, 13)]
    assert len(compression) > 200
    assert not [result.case_id for result in compression if result.behavior == "UNIMPLEMENTED"]


def test_autobahn_leaves_no_unhandled_exception_in_the_log(autobahn: AutobahnRun) -> None:
    """Connections the fuzzer breaks are ordinary events: Netty's tail-of-pipeline warning means
    an exception nobody handled."""
    found = [line for line in autobahn.server_log.splitlines() if "reached at the tail of the pipeline" in line]
    assert not found, f"{len(found)} unhandled exception(s), the first: {found[0]}"


# ---- the report reader, on a crafted report -------------------------------------------------------

CRAFTED = {
    "1.1.1": ("OK", "OK", 1000),
    "6.4.1": ("NON-STRICT", "OK", 1007),
    "7.1.6": ("INFORMATIONAL", "INFORMATIONAL", 1000),
    "3.1": ("OK", "FAILED BY CLIENT", 1002),
    "2.10": ("FAILED", "OK", 1000),
    "5.2": ("OK", "UNCLEAN", None),
    "7.9.1": ("OK", "WRONG CODE", 1000),
    "6.3.1": ("OK", "FAILED", 1000),
    "12.1.1": ("UNIMPLEMENTED", "OK", 1000),
    "9.1.10": ("NO_CLOSE", "OK", 1000),
    "9.1.9": ("OK", "OK", 1000),
}


@pytest.fixture
def crafted_index(tmp_path: Path) -> Path:
    cases = {case_id: {"behavior": behavior, "behaviorClose": close, "remoteCloseCode": code,
                       "duration": 3, "reportfile": f"wsging_case_{case_id.replace('.', '_')}.json"}
             for case_id, (behavior, close, code) in CRAFTED.items()}
    path = tmp_path / "index.json"
    path.write_text(json.dumps({AGENT: cases, "another agent": {"1.1.1": cases["2.10"]}}))
    return path


def test_the_report_reader_lists_every_failed_case_in_case_order(crafted_index: Path) -> None:
    results = read_report(crafted_index, AGENT)
    assert [result.case_id for result in results] == [
        "1.1.1", "2.10", "3.1", "5.2", "6.3.1", "6.4.1", "7.1.6", "7.9.1", "9.1.9", "9.1.10", "12.1.1"]
    assert results[0] == CaseResult("1.1.1", "OK", "OK", 1000, 3)
    assert failures(results) == [
        "2.10: behavior FAILED, close OK (close code 1000)",
        "5.2: behavior OK, close UNCLEAN (close code None)",
        "6.3.1: behavior OK, close FAILED (close code 1000)",
        "7.9.1: behavior OK, close WRONG CODE (close code 1000)",
        "9.1.10: behavior NO_CLOSE, close OK (close code 1000)",
        "12.1.1: behavior UNIMPLEMENTED, close OK (close code 1000)",
    ]


def test_unimplemented_fails_only_in_the_compression_sections() -> None:
    assert CaseResult("12.2.3", "UNIMPLEMENTED", "OK", 1000, 1).failure is not None
    assert CaseResult("13.7.18", "UNIMPLEMENTED", "OK", 1000, 1).failure is not None
    assert CaseResult("10.1.1", "UNIMPLEMENTED", "OK", 1000, 1).failure is None


def test_the_report_reader_refuses_a_report_without_the_agent(crafted_index: Path) -> None:
    with pytest.raises(AssertionError, match="no results for 'nobody'"):
        read_report(crafted_index, "nobody")
