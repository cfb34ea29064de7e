"""Medians and ranges over several bench/run results files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import summary


def measurement(server: str, requests: int, cpu_s: float, p99: float, round_no: int = 1,
                **extra: object) -> dict:
    return {"workers": 1, "round": round_no, "row": "h2-get", "server": server,
            "result": {"requests": requests, "duration_s": 5.0, "p50_ms": 1.0, "p99_ms": p99,
                       "errors": 0, "error_detail": ""},
            "cpu_s": cpu_s, "peak_rss_bytes": 1, "failure": None, "not_built": None,
            "cpu_by_command": {"java": [cpu_s * 0.5, cpu_s * 0.1], "python": [cpu_s * 0.4, 0.0]},
            **extra}


def test_medians_and_ranges_over_runs_leave_failed_and_not_built_runs_out(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    first.write_text(json.dumps({"measurements": [
        measurement("wsging", 100_000, 2.0, 3.0), measurement("wsging", 150_000, 2.4, 2.0, 2)]}))
    second.write_text(json.dumps({"measurements": [
        measurement("wsging", 120_000, 2.4, 4.0),
        {**measurement("wsging", 0, 0.0, 0.0), "result": None, "failure": "h2load exited with 1"},
        {**measurement("wsging", 0, 0.0, 0.0), "result": None, "not_built": "no TLS"}]}))
    found = summary.runs_of(json.loads(first.read_text())["measurements"]
                            + json.loads(second.read_text())["measurements"])
    runs = found[(1, "h2-get", "wsging")]
    assert [run.requests_per_s for run in runs] == [20_000, 30_000, 24_000]
    assert summary.spread([run.requests_per_s for run in runs]) == \
        summary.Spread(24_000, 20_000, 30_000, 3)
    assert [run.cpu_us for run in runs] == [pytest.approx(20.0), pytest.approx(16.0), pytest.approx(20.0)]
    assert runs[0].cpu_us_by_command == {"java": pytest.approx(12.0), "python": pytest.approx(8.0)}
    table = summary.render(found)
    assert "| 1 | h2-get | wsging | 3 | 24,000 (20,000-30,000) | 20.0 (16.0-20.0) " \
           "| java 12.0, python 8.0 | 3.00 (2.00-4.00) |" in table
