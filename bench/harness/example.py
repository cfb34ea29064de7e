"""Requests/second and p99 latency of the example app (examples/hello.py) at a few concurrencies.

The small companion of harness.main: no peers, one table, for a quick look at how the example
app behaves as the number of connections grows. Run it with `bench/example`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import time
from typing import List, Optional

from harness.load import ClientSettings, LoadResult, client_cpu, run_wrk
from harness.procstats import TreeUsage
from harness.servers import REPO_DIR, free_port

ROUTES = (("GET /", "GET", "/", 0), ("POST /echo 1 KB", "POST", "/echo", 1024))


def _wait_ready(port: int, process: "subprocess.Popen[bytes]", timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench/example: the server exited with {process.returncode} while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            if conn.getresponse().read() == b"Hello, world!":
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"bench/example: the server did not answer within {timeout_s:.0f}s")


def _cell(result: LoadResult, cpu_s: float) -> List[str]:
    p99 = f"{result.p99_ms:.2f}" if result.p99_ms is not None else "-"
    cpu = f"{cpu_s * 1e6 / result.requests:.0f}" if result.requests else "-"
    errors = str(result.errors) if result.errors else ""
    return [f"{result.requests_per_s:,.0f}", p99, cpu, errors]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/example", description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,16,64,256",
                        help="connection counts, comma separated (default 1,16,64,256)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run (default 5)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.concurrency.split(",") if n.strip()]

    port = free_port()
    server = subprocess.Popen(
        [str(REPO_DIR / "wsging"), "serve", "hello:app", "--app-dir", str(REPO_DIR / "examples"),
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_ready(port, server, 120)
        rows = []
        for label, method, path, body in ROUTES:
            for connections in levels:
                settings = ClientSettings(connections=connections, cpu=client_cpu())
                url = f"http://127.0.0.1:{port}{path}"
                run_wrk(url, settings, 1, method=method, body_bytes=body)  # warm-up
                with TreeUsage(server.pid) as usage:
                    result = run_wrk(url, settings, args.duration, method=method, body_bytes=body)
                rows.append([label, str(connections)] + _cell(result, usage.cpu_seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    header = ["route", "connections", "req/s", "p99 ms", "server CPU µs/req", "errors"]
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    print(f"\n{args.workers} worker(s), {args.duration:g} s per run, wrk -t1 pinned like bench/run; "
          "compare numbers only within one run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
