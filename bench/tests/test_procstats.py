"""Reading /proc: the stat line format, and the tree and RSS of this very process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from harness import procstats

# A stat line as proc(5) lays it out (cut after field 17), with a command name holding a
# space and parentheses, which a naive split on spaces would misread.
STAT = "9408 (granian (worker) x) S 9406 9406 9406 0 -1 4194624 6420 0 0 0 153 41 0 0 20"


def test_parse_stat_counts_fields_after_the_last_parenthesis() -> None:
    fields = procstats.parse_stat(STAT)
    assert fields == procstats.StatFields(ppid=9406, utime_ticks=153, stime_ticks=41,
                                          command="granian (worker) x")


def test_statm_rss_is_the_second_field_in_pages() -> None:
    assert procstats.parse_statm_rss_bytes("5000 1200 300 1 0 800 0\n") == \
        1200 * procstats.PAGE_SIZE


def test_tree_of_finds_a_child_and_usage_measures_it() -> None:
    # The child waits for its stdin to close: no timing involved.
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        tree = procstats.tree_of(os.getpid())
        assert tree[0] == os.getpid()
        assert child.pid in tree
        with procstats.TreeUsage(os.getpid()) as usage:
            spent_from = time.process_time()
            while time.process_time() - spent_from < 0.1:  # burns 0.1 s of CPU in this process
                sum(range(10_000))
        assert usage.peak_rss_bytes >= procstats.tree_rss_bytes([os.getpid()]) // 2
        assert 0.08 <= usage.cpu_seconds
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def test_cpu_seconds_between_counts_new_processes_from_zero() -> None:
    before = {1: 100, 2: 50}
    after = {1: 150, 2: 50, 3: 20}
    assert procstats.cpu_seconds_between(before, after) == 70 / procstats.CLOCK_TICKS


def test_cpu_by_command_splits_user_and_system_time_by_executable() -> None:
    def stat(command: str, user: int, system: int) -> procstats.StatFields:
        return procstats.StatFields(ppid=1, utime_ticks=user, stime_ticks=system, command=command)

    before = {10: stat("java", 100, 40), 11: stat("python3.11", 50, 5)}
    after = {10: stat("java", 130, 60), 11: stat("python3.11", 80, 6), 12: stat("python3.11", 7, 1)}
    ticks = procstats.CLOCK_TICKS
    assert procstats.cpu_seconds_by_command(before, after) == {
        "java": (30 / ticks, 20 / ticks), "python3.11": (37 / ticks, 2 / ticks)}


def test_tree_usage_names_this_process() -> None:
    with procstats.TreeUsage(os.getpid()) as usage:
        spent_from = time.process_time()
        while time.process_time() - spent_from < 0.05:
            sum(range(10_000))
    name = procstats.parse_stat(open(f"/proc/{os.getpid()}/stat").read()).command
    user, system = usage.cpu_by_command[name]
    assert user + system >= 0.03
