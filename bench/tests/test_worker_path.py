"""bench/worker-path: both sides are measured in interpreters of their own, and the report says
which is which."""

from __future__ import annotations

import re

import pytest

from harness import worker_path


def test_each_side_runs_with_its_codec_and_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    status = worker_path.main(["--runs", "1", "--rounds", "2", "--batches", "20", "--batch-size", "8"])
    out = capsys.readouterr().out
    assert status == 0, out
    for side in ("C accelerator", "Python codec"):
        match = re.search(rf"^{side}: ([0-9.]+) µs/request \(([0-9.]+)-([0-9.]+), 2 rounds\)$", out, re.M)
        assert match, out
        median, low, high = (float(x) for x in match.groups())
        assert 0 < low <= median <= high
    assert re.search(r"^C accelerator / Python codec: [0-9.]+$", out, re.M), out


def test_a_side_without_its_codec_is_refused(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # An interpreter for which the accelerator is not built (PyPy never has it) cannot stand for
    # the accelerated side: the run stops instead of reporting the Python codec twice.
    monkeypatch.setattr(worker_path, "measure", lambda *args: {"accelerated": False, "us": [9.0]})
    assert worker_path.main(["--runs", "1"]) == 2
    assert "the accelerator is not loaded" in capsys.readouterr().err
