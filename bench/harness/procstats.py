"""Memory and CPU of a server's whole process tree, read from /proc (Linux only).

A server is its first process plus every descendant (workers, supervisors, helpers), found by
walking the parent links in /proc/<pid>/stat. Fork-based servers share pages between processes,
so the summed RSS counts shared pages once per process: it is what `ps` would add up, and it is
applied to every server alike.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class StatFields:
    """The fields of /proc/<pid>/stat this harness uses (proc(5): fields 2, 4, 14 and 15)."""

    ppid: int
    utime_ticks: int
    stime_ticks: int
    command: str = ""  # the executable's name, cut to 15 bytes by the kernel


def parse_stat(text: str) -> StatFields:
    """Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may
    itself contain spaces and parentheses, so the fields are counted from the last ')'."""
    close = text.rindex(")")
    rest = text[close + 2 :].split()
    # rest[0] is field 3 (state): field n is rest[n - 3].
    return StatFields(ppid=int(rest[1]), utime_ticks=int(rest[11]), stime_ticks=int(rest[12]),
                      command=text[text.index("(") + 1 : close])


def _read(path: str) -> Optional[str]:
    try:
        with open(path) as handle:
            return handle.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None  # the process ended between listing /proc and reading it


def _all_stats() -> Dict[int, StatFields]:
    stats: Dict[int, StatFields] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            text = _read(f"/proc/{entry}/stat")
            if text:
                stats[int(entry)] = parse_stat(text)
    return stats


def tree_of(root: int, stats: Optional[Dict[int, StatFields]] = None) -> List[int]:
    """The root pid and all its living descendants."""
    stats = _all_stats() if stats is None else stats
    children: Dict[int, List[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(fields.ppid, []).append(pid)
    found: List[int] = []
    pending = [root] if root in stats else []
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, ()))
    return found


def tree_stats(root: int) -> Dict[int, StatFields]:
    """The stat fields of every process of the tree, by pid."""
    stats = _all_stats()
    return {pid: stats[pid] for pid in tree_of(root, stats)}


def cpu_ticks(root: int) -> Dict[int, int]:
    """utime + stime, in clock ticks, of every process of the tree, by pid."""
    return {pid: fields.utime_ticks + fields.stime_ticks for pid, fields in tree_stats(root).items()}


def cpu_seconds_by_command(before: Dict[int, StatFields], after: Dict[int, StatFields]
                           ) -> Dict[str, Tuple[float, float]]:
    """(user, system) CPU seconds the tree spent between two `tree_stats` readings, summed by
    command name (for wsging: the JVM, `java`, apart from its Python workers), counted as
    `cpu_seconds_between` counts them."""
    ticks: Dict[str, Tuple[int, int]] = {}
    for pid, now in after.items():
        then = before.get(pid)
        user = now.utime_ticks - (then.utime_ticks if then else 0)
        system = now.stime_ticks - (then.stime_ticks if then else 0)
        old_user, old_system = ticks.get(now.command, (0, 0))
        ticks[now.command] = (old_user + user, old_system + system)
    return {command: (user / CLOCK_TICKS, system / CLOCK_TICKS)
            for command, (user, system) in sorted(ticks.items())}


def cpu_seconds_between(before: Dict[int, int], after: Dict[int, int]) -> float:
    """CPU time the tree spent between two `cpu_ticks` readings. A process born in between counts
    from zero; one that ended in between is lost (its time went to its parent's cutime, which
    would also count its whole life before the window, so it is left out)."""
    ticks = sum(total - before.get(pid, 0) for pid, total in after.items())
    return ticks / CLOCK_TICKS


def parse_statm_rss_bytes(text: str) -> int:
    """Resident set size from /proc/<pid>/statm (second field, in pages)."""
    return int(text.split()[1]) * PAGE_SIZE


def tree_rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        text = _read(f"/proc/{pid}/statm")
        if text:
            total += parse_statm_rss_bytes(text)
    return total


class PeakRssSampler:
    """Samples the summed RSS of a process tree on a background thread and keeps the peak.

    Used as a context manager around one load run; the tree is re-walked on every sample so
    that workers started during the run are counted."""

    def __init__(self, root: int, interval_s: float = 0.1) -> None:
        self._root = root
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.peak_bytes = 0
        self.samples = 0

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(tree_of(self._root)))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def __enter__(self) -> "PeakRssSampler":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


class TreeUsage:
    """CPU seconds (in all, and user/system by command name) and peak summed RSS of a process
    tree over one `with` block."""

    def __init__(self, root: int) -> None:
        self._root = root
        self._sampler = PeakRssSampler(root)
        self._before: Dict[int, StatFields] = {}
        self.cpu_seconds = 0.0
        self.cpu_by_command: Dict[str, Tuple[float, float]] = {}
        self.peak_rss_bytes = 0

    def __enter__(self) -> "TreeUsage":
        self._before = tree_stats(self._root)
        self._sampler.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._sampler.__exit__(*exc_info)
        after = tree_stats(self._root)
        self.cpu_seconds = cpu_seconds_between(
            {pid: f.utime_ticks + f.stime_ticks for pid, f in self._before.items()},
            {pid: f.utime_ticks + f.stime_ticks for pid, f in after.items()})
        self.cpu_by_command = cpu_seconds_by_command(self._before, after)
        self.peak_rss_bytes = self._sampler.peak_bytes
