"""bench/soak's arithmetic and its split of a process tree's memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from harness import soak


def test_slope_of_a_line_and_of_noise_around_it() -> None:
    assert soak.slope([(0, 1.0), (1, 3.0), (2, 5.0)]) == pytest.approx(2.0)
    assert soak.slope([(0, 10.0), (1, 9.0), (2, 11.0), (3, 10.0)]) == pytest.approx(0.2)
    assert soak.slope([(0, 4.0), (1, 4.0)]) == 0.0


def test_slope_needs_two_distinct_points() -> None:
    assert soak.slope([]) is None
    assert soak.slope([(1, 2.0)]) is None
    assert soak.slope([(1, 2.0), (1, 3.0)]) is None


def test_second_half_starts_at_a_cycle_boundary() -> None:
    cycle = len(soak.PHASES)
    assert soak.second_half_start(4 * cycle) == 2 * cycle
    assert soak.second_half_start(5 * cycle + 2) == 3 * cycle  # the odd cycle goes to the first half
    assert soak.second_half_start(cycle + 1) == cycle + 1  # under two cycles: no second half


def test_growth_is_the_slope_per_minute_of_each_side() -> None:
    readings = [soak.Reading(60.0 * i, "plaintext", (100 + i) * 2**20, 30 * 2**20, 1)
                for i in range(4)]
    java, python = soak.growth(readings)
    assert java == pytest.approx(1.0)
    assert python == pytest.approx(0.0)


def test_split_rss_puts_the_root_apart_from_its_children() -> None:
    # A parent that holds ~40 MiB and a child that holds little: the split must say so.
    code = ("import subprocess, sys, time; big = bytearray(40 * 2**20); "
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
            "print('ready', flush=True); time.sleep(30)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              start_new_session=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
        time.sleep(0.3)
        root, rest = soak.split_rss(parent.pid)
        assert root > 40 * 2**20
        assert 0 < rest < root
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the child too
        parent.wait()
