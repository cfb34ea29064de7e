"""Memory over a long run, and per connection, for wsging (the issue's memory targets).

Starts wsging with the benchmark app and one worker, then:

1. cycles the body-heavy and the small rows (plaintext, 1 KB echo, 100 KB streamed echo, 50 KB
   file) under wrk for the whole duration, reading the summed RSS of the JVM and of the Python
   workers after every phase; growth is the least-squares slope of those readings once the
   first cycle (warm-up: JIT, pools, caches) is over, in MiB per minute;
2. opens idle keep-alive connections (each after one request) in steps and reads the RSS of the
   JVM at each step: the cost of one more connection is the slope, in KiB per connection.

Nothing asserts: it prints a table (also in bench/results/raw/<date-time>/soak.json). Run it
with `bench/soak`; `bench/soak --help` lists the options.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from harness import procstats
from harness.load import ClientSettings, client_cpu, run_wrk
from harness.servers import SPECS, RunningServer, stop_all

HARNESS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = HARNESS_DIR.parent / "results" / "raw"

# (label, method, path, body bytes): one phase each, in this order, again and again.
PHASES = (
    ("plaintext", "GET", "/plaintext", 0),
    ("1 KB echo", "POST", "/echo", 1024),
    ("100 KB streamed echo", "POST", "/stream-echo", 100 * 1024),
    ("50 KB file", "GET", "/file", 0),
)


@dataclass(frozen=True)
class Reading:
    seconds: float  # since the load began
    phase: str
    java_bytes: int
    python_bytes: int
    requests: int


def slope(points: Sequence[Tuple[float, float]]) -> Optional[float]:
    """Least-squares slope of (x, y) points; None with fewer than two distinct x."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var_x = sum((x - mean_x) ** 2 for x, _ in points)
    if var_x == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var_x


def split_rss(root: int) -> Tuple[int, int]:
    """(JVM, Python workers) resident bytes: the root process and the rest of its tree."""
    pids = procstats.tree_of(root)
    java = procstats.tree_rss_bytes([root])
    return java, procstats.tree_rss_bytes([pid for pid in pids if pid != root])


def growth(readings: Sequence[Reading]) -> Tuple[Optional[float], Optional[float]]:
    """Least-squares RSS slopes of the JVM and of the workers, in MiB per minute."""
    return (slope([(r.seconds / 60, r.java_bytes / 2**20) for r in readings]),
            slope([(r.seconds / 60, r.python_bytes / 2**20) for r in readings]))


def second_half_start(count: int) -> int:
    """Index of the first reading of the second half, at a cycle boundary (each cycle runs
    every phase once, so the phases' different footprints do not tilt the slope)."""
    cycles = count // len(PHASES)
    return (cycles - cycles // 2) * len(PHASES) if cycles >= 2 else count


def _open_idle(port: int, count: int, sockets: List[socket.socket]) -> None:
    request = b"GET /plaintext HTTP/1.1\r\nHost: soak\r\n\r\n"
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(request)
        if b"Hello, world!" not in sock.recv(4096):
            raise RuntimeError("an idle connection's first request was not answered")
        sockets.append(sock)


def per_connection(server: RunningServer, steps: Sequence[int]) -> List[Tuple[int, int]]:
    """JVM RSS after each step of open idle connections: [(connections, bytes)]."""
    sockets: List[socket.socket] = []
    readings = [(0, split_rss(server.pid)[0])]
    try:
        for target in steps:
            _open_idle(server.port, target - len(sockets), sockets)
            time.sleep(1.0)
            readings.append((len(sockets), split_rss(server.pid)[0]))
    finally:
        for sock in sockets:
            sock.close()
    return readings


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/soak", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180.0,
                        help="seconds of load (default 180)")
    parser.add_argument("--phase", type=float, default=10.0, help="seconds per phase (default 10)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--idle", default="250,500,1000,2000",
                        help="idle connection counts for the per-connection cost (default "
                             "250,500,1000,2000)")
    args = parser.parse_args(argv)

    out_dir = RESULTS_DIR / time.strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    bench_file = out_dir / "file-50k.bin"
    bench_file.write_bytes(os.urandom(50 * 1024))
    server = RunningServer(SPECS["wsging"], 1, out_dir / "server-wsging-soak.log",
                           {"BENCH_FILE": str(bench_file)})
    readings: List[Reading] = []
    try:
        server.wait_ready(120)
        settings = ClientSettings(connections=args.connections, cpu=client_cpu())
        started = time.monotonic()
        index = 0
        while time.monotonic() - started < args.duration:
            label, method, path, body = PHASES[index % len(PHASES)]
            result = run_wrk(server.url(path), settings, args.phase, method=method,
                             body_bytes=body, log=out_dir / "clients-soak.log")
            if result.errors:
                raise RuntimeError(f"{label}: {result.errors} errors ({result.error_detail})")
            java, python = split_rss(server.pid)
            readings.append(Reading(time.monotonic() - started, label, java, python,
                                    result.requests))
            print(f"{readings[-1].seconds:6.0f} s  {label:22s} JVM {java / 2**20:6.1f} MiB  "
                  f"workers {python / 2**20:6.1f} MiB  {result.requests_per_s:9,.0f} req/s",
                  flush=True)
            index += 1
        idle = per_connection(server, [int(n) for n in args.idle.split(",") if n.strip()])
    finally:
        server.stop()
        stop_all()

    settled = readings[len(PHASES):]  # the first cycle warms the JIT, pools and caches
    java_slope, python_slope = growth(settled)
    # The JIT keeps compiling for minutes: the second half (whole cycles) shows the steady state.
    late_java, late_python = growth(readings[second_half_start(len(readings)):])
    idle_slope = slope([(n, rss / 1024) for n, rss in idle])
    summary = {
        "duration_s": args.duration,
        "requests": sum(r.requests for r in readings),
        "jvm_mib_per_min": java_slope,
        "workers_mib_per_min": python_slope,
        "jvm_mib_per_min_second_half": late_java,
        "workers_mib_per_min_second_half": late_python,
        "kib_per_idle_connection": idle_slope,
        "readings": [r.__dict__ for r in readings],
        "idle": idle,
    }
    (out_dir / "soak.json").write_text(json.dumps(summary, indent=1))

    def fmt(value: Optional[float], unit: str) -> str:
        return "-" if value is None else f"{value:+.2f} {unit}"

    print()
    print(f"requests served: {summary['requests']:,} in {args.duration:.0f} s")
    print(f"RSS growth after the first cycle: JVM {fmt(java_slope, 'MiB/min')}, "
          f"workers {fmt(python_slope, 'MiB/min')}")
    print(f"RSS growth over the second half: JVM {fmt(late_java, 'MiB/min')}, "
          f"workers {fmt(late_python, 'MiB/min')}")
    print(f"JVM RSS per idle keep-alive connection: {fmt(idle_slope, 'KiB')} "
          f"(measured at {', '.join(str(n) for n, _ in idle)} connections)")
    print(f"raw readings: {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
