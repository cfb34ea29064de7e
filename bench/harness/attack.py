"""Servers under attack: slow and non-reading clients, pipelining floods, a full /dev/shm.

Each scenario starts one server with the benchmark app and 2 workers, opens the attacking
connections, and meanwhile probes it: every PROBE_INTERVAL_S a fresh connection asks for
`GET /plaintext` and waits up to PROBE_TIMEOUT_S. It records

- how many probes were answered, their median and slowest answer time (a server starved by
  the attack answers late or not at all);
- the summed RSS of the server's process tree before, at its peak, and after the attack
  (a server that queues for clients that never read grows);
- how many attacking connections the server closed by itself before the end (a server that
  bounds slow clients closes them).

Scenarios (the attacks of the hardening issue):

    slow-read      connections POST /echo a large body and never read the answer
    trickle        connections announce a large body and send one byte every few seconds
    pipeline-flood connections pipeline GET /plaintext as fast as they can and never read
    shm-full       (wsging only) /dev/shm is a small private tmpfs, filled after start-up;
                   bodies of 64 KiB are echoed and must come back whole

Nothing asserts: it prints a table and writes bench/results/raw/<date-time>/attack.json.
Run it with `bench/attack`; `bench/attack --help` lists the options.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from harness import procstats
from harness.servers import SPECS, RunningServer, ServerSpec, serving, stop_all

HARNESS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = HARNESS_DIR.parent / "results" / "raw"

PROBE_INTERVAL_S = 0.5
PROBE_TIMEOUT_S = 5.0
WORKERS = 2
PROBE_REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
PIPELINE_BURST = b"GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n" * 64

# The servers compared, by key of harness.servers.SPECS; "wsging-wsgi" is wsging serving the
# WSGI benchmark app through wsging.wsgi.from_wsgi (a sync app: the case where threads matter).
DEFAULT_SERVERS = ("wsging", "wsging-wsgi", "granian-rsgi", "granian-wsgi", "uvicorn")


@dataclass(frozen=True)
class Scenario:
    key: str
    description: str
    connections: int
    seconds: float
    body_bytes: int = 0


@dataclass
class Outcome:
    scenario: str
    server: str
    probes: int = 0
    answered: int = 0
    probe_median_ms: Optional[float] = None
    probe_max_ms: Optional[float] = None
    rss_before_mib: float = 0.0
    rss_peak_mib: float = 0.0
    rss_after_mib: float = 0.0
    attackers: int = 0
    attackers_closed_by_server: int = 0
    bodies_sent: int = 0
    bodies_echoed_whole: int = 0
    failure: Optional[str] = None
    probe_times_ms: List[float] = field(default_factory=list)


def scenarios(quick: bool) -> Dict[str, Scenario]:
    # Longer than wsging's default send and body timeouts (30 s), so that a full run shows
    # whether a server ends the attacking connections by itself.
    seconds = 10.0 if quick else 45.0
    return {s.key: s for s in [
        Scenario("slow-read", "POST /echo of a large body, answer never read",
                 connections=64 if quick else 256, seconds=seconds, body_bytes=4 << 20),
        Scenario("trickle", "POST /echo announcing 1 MB, one byte every 2 s",
                 connections=256 if quick else 1000, seconds=seconds, body_bytes=1_000_000),
        Scenario("pipeline-flood", "8 connections pipelining GET /plaintext, never reading",
                 connections=8, seconds=15.0 if quick else 60.0),
        Scenario("shm-full", "/dev/shm a 4 MiB tmpfs filled after start; 64 KiB echoes",
                 connections=0, seconds=seconds, body_bytes=64 * 1024),
    ]}


def percentile_summary(times_ms: Sequence[float]) -> Tuple[Optional[float], Optional[float]]:
    """(median, max) of the answered probes' times, or (None, None) when none answered."""
    if not times_ms:
        return None, None
    return round(statistics.median(times_ms), 1), round(max(times_ms), 1)


# ---------------------------------------------------------------- clients


async def probe_once(port: int) -> Optional[float]:
    """Milliseconds for a fresh connection's GET /plaintext to be answered 200, else None."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port),
                                                PROBE_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError):
        return None
    try:
        writer.write(PROBE_REQUEST)
        remaining = PROBE_TIMEOUT_S - (time.monotonic() - started)
        answer = await asyncio.wait_for(reader.read(4096), max(0.01, remaining))
        if not answer.startswith(b"HTTP/1.1 200"):
            return None
        return (time.monotonic() - started) * 1000
    except (OSError, asyncio.TimeoutError):
        return None
    finally:
        writer.close()


async def prober(port: int, until: float, outcome: Outcome) -> None:
    while time.monotonic() < until:
        started = time.monotonic()
        outcome.probes += 1
        elapsed = await probe_once(port)
        if elapsed is not None:
            outcome.answered += 1
            outcome.probe_times_ms.append(round(elapsed, 2))
        await asyncio.sleep(max(0.0, PROBE_INTERVAL_S - (time.monotonic() - started)))


async def slow_reader(port: int, body_bytes: int, until: float) -> bool:
    """POSTs the body to /echo and never reads; True when the server closed the connection."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    sock = writer.get_extra_info("socket")
    # A small receive window, as a client that reads nothing would soon have anyway.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        writer.write(b"POST /echo HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: %d\r\n\r\n" % body_bytes)
        chunk = b"x" * 65536
        sent = 0
        while sent < body_bytes and time.monotonic() < until:
            writer.write(chunk[: body_bytes - sent])
            sent += min(len(chunk), body_bytes - sent)
            await asyncio.wait_for(writer.drain(), max(0.01, until - time.monotonic()))
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        return _peer_gone(sock)
    except asyncio.TimeoutError:  # still sending when the attack ended
        return _peer_gone(sock)
    except OSError:
        return True
    finally:
        writer.transport.abort()


async def trickler(port: int, body_bytes: int, until: float) -> bool:
    """Announces a body and sends one byte every 2 s; True when the server closed first."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    try:
        writer.write(b"POST /echo HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: %d\r\n\r\n" % body_bytes)
        while time.monotonic() < until:
            writer.write(b"x")
            await writer.drain()
            try:
                data = await asyncio.wait_for(reader.read(65536), min(2.0, max(0.01, until - time.monotonic())))
            except asyncio.TimeoutError:
                continue
            if not data:
                return True
            # An answer (408 or the like) before the body is complete: the server gave up on it.
        return False
    except OSError:
        return True
    finally:
        writer.transport.abort()


async def flooder(port: int, until: float) -> bool:
    """Pipelines GET /plaintext without reading; True when the server closed the connection."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    sock = writer.get_extra_info("socket")
    try:
        while time.monotonic() < until:
            writer.write(PIPELINE_BURST)
            await asyncio.wait_for(writer.drain(), max(0.01, until - time.monotonic()))
        return _peer_gone(sock)
    except asyncio.TimeoutError:
        return _peer_gone(sock)
    except OSError:
        return True
    finally:
        writer.transport.abort()


def _peer_gone(sock: socket.socket) -> bool:
    """Whether the server has closed or reset its side, read from the kernel without reading
    the data the attacker ignores: a pending socket error, or a TCP state other than
    ESTABLISHED (TCP_INFO's first byte; 1 = ESTABLISHED)."""
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            return True
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] != 1
    except OSError:
        return True


async def echo_bodies(port: int, body_bytes: int, count: int) -> int:
    """POSTs `count` random bodies to /echo, one connection each; how many came back whole."""
    whole = 0
    for _ in range(count):
        body = random.randbytes(body_bytes)
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            writer.write(b"POST /echo HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % body_bytes + body)
            answer = await asyncio.wait_for(reader.read(), 10)
            writer.close()
        except (OSError, asyncio.TimeoutError):
            continue
        head, _, content = answer.partition(b"\r\n\r\n")
        if head.startswith(b"HTTP/1.1 200") and _dechunk_if_needed(head, content) == body:
            whole += 1
    return whole


def _dechunk_if_needed(head: bytes, content: bytes) -> bytes:
    if b"chunked" not in head.lower():
        return content
    out = bytearray()
    while content:
        size_line, _, rest = content.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        content = rest[size + 2:]
    return bytes(out)


# ---------------------------------------------------------------- one run


def _rss_mib(root: int) -> float:
    return procstats.tree_rss_bytes(procstats.tree_of(root)) / (1 << 20)


async def _attack(scenario: Scenario, port: int, outcome: Outcome) -> None:
    until = time.monotonic() + scenario.seconds
    if scenario.key == "slow-read":
        attackers = [slow_reader(port, scenario.body_bytes, until) for _ in range(scenario.connections)]
    elif scenario.key == "trickle":
        attackers = [trickler(port, scenario.body_bytes, until) for _ in range(scenario.connections)]
    elif scenario.key == "pipeline-flood":
        attackers = [flooder(port, until) for _ in range(scenario.connections)]
    else:
        attackers = []
    outcome.attackers = len(attackers)
    tasks = [asyncio.ensure_future(a) for a in attackers]
    probe = asyncio.ensure_future(prober(port, until, outcome))
    if scenario.key == "shm-full":
        outcome.bodies_sent = 40
        outcome.bodies_echoed_whole = await echo_bodies(port, scenario.body_bytes, outcome.bodies_sent)
    closed = await asyncio.gather(*tasks, return_exceptions=True)
    outcome.attackers_closed_by_server = sum(1 for c in closed if c is True)
    await probe


def shm_wrapped(spec: ServerSpec, size: str) -> ServerSpec:
    """The server run in a mount namespace of its own whose /dev/shm is a small tmpfs."""
    inner = spec.argv

    def argv(workers: int, port: int) -> List[str]:
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                f'mount -t tmpfs -o size={size} tmpfs /dev/shm && exec "$@"', "sh",
                *inner(workers, port)]
    return replace(spec, argv=argv)


def fill_shm(pid: int) -> None:
    """Fills the server's private /dev/shm (entering its mount namespace) until it is full."""
    subprocess.run(["nsenter", "-t", str(pid), "-m", "sh", "-c",
                    "cat /dev/zero > /dev/shm/filler 2>/dev/null; df -k /dev/shm | tail -1"],
                   check=False, timeout=30)


def server_spec(key: str) -> ServerSpec:
    if key == "wsging-wsgi":
        return replace(serving(SPECS["wsging"], "wsgi_app:app", "wsgi"), key="wsging-wsgi",
                       interface="WSGI via --interface wsgi")
    return SPECS[key]


def run_one(scenario: Scenario, key: str, run_dir: Path) -> Outcome:
    outcome = Outcome(scenario=scenario.key, server=key)
    spec = server_spec(key)
    if scenario.key == "shm-full":
        spec = shm_wrapped(spec, "4m")
    server = RunningServer(spec, WORKERS, run_dir / f"{scenario.key}-{key}.log", {})
    try:
        server.wait_ready(60)
        if scenario.key == "shm-full":
            fill_shm(server.pid)
        outcome.rss_before_mib = round(_rss_mib(server.pid), 1)
        with procstats.PeakRssSampler(server.pid, 0.2) as sampler:
            asyncio.run(_attack(scenario, server.port, outcome))
        outcome.rss_peak_mib = round(sampler.peak_bytes / (1 << 20), 1)
        outcome.rss_after_mib = round(_rss_mib(server.pid), 1)
        if server.process.poll() is not None:
            outcome.failure = f"server exited with {server.process.returncode}"
    except Exception as exc:  # one server's failure is reported, the others still run
        outcome.failure = f"{type(exc).__name__}: {exc}"
    finally:
        server.stop(grace_s=5)
    outcome.probe_median_ms, outcome.probe_max_ms = percentile_summary(outcome.probe_times_ms)
    return outcome


# ---------------------------------------------------------------- report


def render(outcomes: Sequence[Outcome], all_scenarios: Dict[str, Scenario]) -> str:
    lines: List[str] = []
    for key, scenario in all_scenarios.items():
        rows = [o for o in outcomes if o.scenario == key]
        if not rows:
            continue
        lines.append(f"#### {key}: {scenario.description}"
                     + (f" ({scenario.connections} connections, {scenario.seconds:g} s)"
                        if scenario.connections else f" ({scenario.seconds:g} s)"))
        lines.append("")
        extra = " | 64 KiB echoes whole" if key == "shm-full" else " | attackers closed by the server"
        lines.append("| server | probes answered | probe median | probe max | RSS before → peak → after (MiB)"
                     + extra + " |")
        lines.append("|---|---|---|---|---|---|")
        for o in rows:
            median = "-" if o.probe_median_ms is None else f"{o.probe_median_ms:g} ms"
            slowest = "-" if o.probe_max_ms is None else f"{o.probe_max_ms:g} ms"
            last = (f"{o.bodies_echoed_whole} / {o.bodies_sent}" if key == "shm-full"
                    else f"{o.attackers_closed_by_server} / {o.attackers}")
            name = o.server + (f" (failed: {o.failure})" if o.failure else "")
            lines.append(f"| {name} | {o.answered} / {o.probes} | {median} | {slowest} | "
                         f"{o.rss_before_mib:g} → {o.rss_peak_mib:g} → {o.rss_after_mib:g} | {last} |")
        lines.append("")
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/attack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer connections, shorter attacks")
    parser.add_argument("--servers", default=",".join(DEFAULT_SERVERS),
                        help="comma-separated server keys (default: %(default)s)")
    parser.add_argument("--scenarios", default="slow-read,trickle,pipeline-flood,shm-full",
                        help="comma-separated scenarios (default: %(default)s)")
    return parser.parse_args(argv)


def _on_sigterm(signum: int, _frame: object) -> None:
    stop_all()
    sys.exit(128 + signum)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    chosen = scenarios(args.quick)
    wanted = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in wanted if s not in chosen]
    if unknown:
        print(f"bench/attack: unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    servers = [s for s in args.servers.split(",") if s]
    signal.signal(signal.SIGTERM, _on_sigterm)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = RESULTS_DIR / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    bench_file = run_dir / "file-50k.bin"
    bench_file.write_bytes(b"\0" * 50_000)
    os.environ["BENCH_FILE"] = str(bench_file)
    outcomes: List[Outcome] = []
    try:
        for key in wanted:
            scenario = chosen[key]
            # /dev/shm matters to wsging alone: the peers keep bodies in their own memory.
            keys = [s for s in servers if s.startswith("wsging")] if key == "shm-full" else servers
            for server in keys:
                outcome = run_one(scenario, server, run_dir)
                print(f"[{key}] {server}: probes {outcome.answered}/{outcome.probes}, "
                      f"median {outcome.probe_median_ms} ms, max {outcome.probe_max_ms} ms, RSS "
                      f"{outcome.rss_before_mib} -> {outcome.rss_peak_mib} -> {outcome.rss_after_mib} MiB, "
                      f"closed {outcome.attackers_closed_by_server}/{outcome.attackers}"
                      + (f", echoes {outcome.bodies_echoed_whole}/{outcome.bodies_sent}"
                         if key == "shm-full" else "")
                      + (f", FAILED {outcome.failure}" if outcome.failure else ""), flush=True)
                outcomes.append(outcome)
    finally:
        stop_all()
    text = render(outcomes, chosen)
    print("\n" + text)
    (run_dir / "attack.json").write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    print(f"raw results and logs: {run_dir}")
    return 1 if any(o.failure for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
