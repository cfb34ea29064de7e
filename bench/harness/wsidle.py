"""Server memory per idle WebSocket connection: N connections opened, handshaken and left idle.

For each server: start it (1 worker), read its process tree's RSS, open N WebSocket connections
to /ws with bench/wsload (Go; each completes the handshake, then sends nothing), wait until
the RSS settles, read it again, check that the server still answers an ordinary request, and
report (RSS with the connections - RSS before) / N. The client holds the connections until the
reading is done, then closes them all. Run it with `bench/ws-idle` (after bench/run has built
bench/.venv and wsload).

The RSS is the summed RSS of every process of the server (harness/procstats.py), the same for
every server. Idle connections cost a server its per-connection state (socket buffers in the
kernel are not in any RSS): a JVM channel and pipeline for wsging, a task or coroutine and its
buffers for the Python servers, and, where a server keeps one, a compression context.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional, Sequence

from harness import procstats
from harness.load import WSLOAD
from harness.servers import SPECS, RunningServer, stop_all

HARNESS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = HARNESS_DIR.parent / "results" / "raw"
DEFAULT_SERVERS = ("wsging", "granian-rsgi", "uvicorn", "hypercorn")
WORKERS = 1
SETTLE_S = 3.0


@dataclass
class Outcome:
    server: str
    connections_wanted: int
    connections_open: int = 0
    rss_before_mib: float = 0.0
    rss_idle_mib: float = 0.0
    kib_per_connection: Optional[float] = None
    answers_meanwhile: bool = False
    failure: str = ""


def _rss_bytes(root: int) -> int:
    return procstats.tree_rss_bytes(procstats.tree_of(root))


def _settled_rss(root: int, seconds: float) -> int:
    """The tree's RSS once it stops growing for `seconds` (at most 4 × `seconds` of waiting)."""
    last = _rss_bytes(root)
    deadline = time.monotonic() + 4 * seconds
    while time.monotonic() < deadline:
        time.sleep(seconds / 3)
        now = _rss_bytes(root)
        if abs(now - last) < 256 * 1024:
            return now
        last = now
    return last


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/plaintext")
        response = connection.getresponse()
        return response.status == 200 and response.read() == b"Hello, world!"
    except OSError:
        return False


def run_one(key: str, connections: int, run_dir: Path) -> Outcome:
    outcome = Outcome(server=key, connections_wanted=connections)
    server = RunningServer(SPECS[key], WORKERS, run_dir / f"ws-idle-{key}.log", {})
    client: Optional[subprocess.Popen] = None
    try:
        server.wait_ready(60)
        before = _settled_rss(server.pid, SETTLE_S)
        outcome.rss_before_mib = round(before / (1 << 20), 1)
        client = subprocess.Popen([str(WSLOAD), "idle", server.url("/ws", "ws"),
                                   "-connections", str(connections)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert client.stdout is not None
        line = client.stdout.readline()
        if not line.startswith("WS_IDLE_READY "):
            raise RuntimeError(f"wsload printed {line!r}")
        outcome.connections_open = int(line.split()[1])
        idle = _settled_rss(server.pid, SETTLE_S)
        outcome.rss_idle_mib = round(idle / (1 << 20), 1)
        outcome.answers_meanwhile = _answers(server.port)
        if outcome.connections_open:
            outcome.kib_per_connection = round((idle - before) / 1024 / outcome.connections_open, 1)
        if outcome.connections_open < connections:
            outcome.failure = f"only {outcome.connections_open} of {connections} connections opened"
    except Exception as exc:  # one server's failure is reported, the others still run
        outcome.failure = f"{type(exc).__name__}: {exc}"
    finally:
        if client is not None:
            client.stdin.close()  # type: ignore[union-attr]
            try:
                client.wait(30)
            except subprocess.TimeoutExpired:
                client.kill()
        server.stop(grace_s=5)
    return outcome


def render(outcomes: Sequence[Outcome]) -> str:
    lines = ["| server | connections open | RSS before (MiB) | RSS with them idle (MiB) | per connection | "
             "answers meanwhile |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        name = o.server + (f" (failed: {o.failure})" if o.failure else "")
        per = "-" if o.kib_per_connection is None else f"{o.kib_per_connection:g} KiB"
        lines.append(f"| {name} | {o.connections_open} / {o.connections_wanted} | {o.rss_before_mib:g} | "
                     f"{o.rss_idle_mib:g} | {per} | {'yes' if o.answers_meanwhile else 'no'} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/ws-idle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--servers", default=",".join(DEFAULT_SERVERS),
                        help="comma-separated server keys (default: %(default)s)")
    return parser.parse_args(argv)


def _on_sigterm(signum: int, _frame: object) -> None:
    stop_all()
    sys.exit(128 + signum)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not WSLOAD.exists():
        print("bench/ws-idle: bench/wsload is not built: run bench/run --quick once (it needs Go)",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _on_sigterm)
    # The client and every server started from here inherit the raised limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.connections + 1024)), hard))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = RESULTS_DIR / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    bench_file = run_dir / "file-50k.bin"
    bench_file.write_bytes(b"\0" * 50_000)
    os.environ["BENCH_FILE"] = str(bench_file)
    outcomes: List[Outcome] = []
    try:
        for key in [s for s in args.servers.split(",") if s]:
            outcome = run_one(key, args.connections, run_dir)
            print(f"{key}: {outcome.connections_open}/{outcome.connections_wanted} open, RSS "
                  f"{outcome.rss_before_mib} -> {outcome.rss_idle_mib} MiB, "
                  f"{outcome.kib_per_connection} KiB per connection"
                  + (f", FAILED {outcome.failure}" if outcome.failure else ""), flush=True)
            outcomes.append(outcome)
    finally:
        stop_all()
    text = render(outcomes)
    print("\n" + text)
    (run_dir / "ws-idle.json").write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    print(f"raw results and logs: {run_dir}")
    return 1 if any(o.failure for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
