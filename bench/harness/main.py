"""bench/run: measures wsging against its peers and prints (or writes) the results table.

Order of work: for each worker count, for each round, for each server (in the given order on
odd rounds and in reverse on even ones, A B C then C B A, so that drift and the first place
after start-up hit all alike): start the server, for each of its rows check one answer, warm
up, then measure while reading its process tree's CPU time and RSS, and stop the server.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, NoReturn, Optional, Sequence, Tuple

from harness import features, machine, procstats, report
from harness.certificate import Certificate, CertificateError, make_certificate
from harness.h2client import Http2Failure, NotHttp2, h2_get
from harness.load import ClientSettings, LoadError, LoadResult, client_cpu, run_h2load, run_wrk, \
    run_wsclient
from harness.report import Measurement
from harness.rows import QUICK_ROWS, QUICK_SERVERS, ROWS, TLS, WS_MESSAGE_BYTES, Row, WrongAnswer, \
    check_answer
from harness.servers import BENCH_DIR, REPO_DIR, SPECS, RunningServer, ServerError, ServerSpec, \
    secured, serving, stop_all

DOC = REPO_DIR / "docs" / "benchmarks.md"
RESULTS_DIR = BENCH_DIR / "results" / "raw"
SERVER_ORDER = ("wsging", "wsging-ceiling", "wsging-inline", "granian-rsgi", "granian-asgi", "granian-wsgi",
                "uvicorn", "hypercorn", "gunicorn")
FILE_BYTES = 50 * 1024


@dataclass(frozen=True)
class Plan:
    worker_counts: Sequence[int]
    rounds: int
    duration_s: int
    warmup_s: int
    server_warmup_s: int
    server_warmup_max_s: int
    rows: Sequence[Row]
    servers: Sequence[str]
    client: ClientSettings
    start_timeout_s: float


def _csv(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 worker, 1 round, short runs, a few rows and servers (< 1 minute)")
    parser.add_argument("--workers", help="worker counts, comma separated (default 1,2)")
    parser.add_argument("--rounds", type=int, help="rounds; even ones run the servers in reverse order (default 2)")
    # whole seconds: wrk takes no fractions
    parser.add_argument("--duration", type=int, help="measured seconds per run (default 5)")
    parser.add_argument("--warmup", type=int, help="warm-up seconds before each run (default 1)")
    parser.add_argument("--server-warmup", type=int,
                        help="seconds of plaintext load right after each server starts, before "
                             "any row, so JIT compilation is not charged to the first row "
                             "(default 5; quick: 2)")
    parser.add_argument("--server-warmup-max", type=int,
                        help="the start-up load goes on past --server-warmup, in 2 s slices, until "
                             "the server's CPU per request over the last 3 slices differs by at "
                             "most 15%%, for at most this many seconds (default 40; quick: no "
                             "more than --server-warmup)")
    parser.add_argument("--connections", type=int, default=64,
                        help="concurrent connections (HTTP/1.1, WebSocket) or streams (HTTP/2)")
    parser.add_argument("--rows", help="only these rows: " + ",".join(row.key for row in ROWS))
    parser.add_argument("--servers", help="only these servers: " + ",".join(SERVER_ORDER))
    parser.add_argument("--write-doc", dest="write_doc", action="store_true", default=None,
                        help="write the table into docs/benchmarks.md (default for a full run)")
    parser.add_argument("--no-write-doc", dest="write_doc", action="store_false")
    return parser.parse_args(argv)


def _all_defaults(args: argparse.Namespace) -> bool:
    chosen = (args.workers, args.rounds, args.duration, args.warmup, args.rows, args.servers)
    return all(value is None for value in chosen) and args.connections == 64


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    rows = [row for row in ROWS if not quick or row.key in QUICK_ROWS]
    if args.rows:
        wanted = set(_csv(args.rows))
        unknown = wanted - {row.key for row in ROWS}
        if unknown:
            raise SystemExit(f"bench/run: unknown rows: {', '.join(sorted(unknown))}")
        rows = [row for row in ROWS if row.key in wanted]
    servers = [key for key in SERVER_ORDER if not quick or key in QUICK_SERVERS]
    if args.servers:
        wanted = set(_csv(args.servers))
        unknown = wanted - set(SERVER_ORDER)
        if unknown:
            raise SystemExit(f"bench/run: unknown servers: {', '.join(sorted(unknown))}")
        servers = [key for key in SERVER_ORDER if key in wanted]
    server_warmup = args.server_warmup if args.server_warmup is not None else (2 if quick else 5)
    workers = [int(count) for count in _csv(args.workers)] if args.workers else \
        ([1] if quick else [1, 2])
    return Plan(
        worker_counts=workers,
        rounds=args.rounds or (1 if quick else 2),
        duration_s=args.duration or (2 if quick else 5),
        warmup_s=args.warmup if args.warmup is not None else 1,
        server_warmup_s=server_warmup,
        server_warmup_max_s=max(server_warmup, args.server_warmup_max if args.server_warmup_max
                                is not None else (server_warmup if quick else 40)),
        rows=rows,
        servers=servers,
        client=ClientSettings(connections=args.connections, cpu=client_cpu()),
        start_timeout_s=180.0,
    )


def _load(row: Row, server: RunningServer, plan: Plan, seconds: float, run_dir: Path,
          log: Path) -> LoadResult:
    if row.tool == "wrk":
        return run_wrk(server.url(row.path), plan.client, seconds, method=row.method,
                       body_bytes=row.body_bytes, depth=row.depth, log=log)
    if row.tool == "h2load":
        return run_h2load(server.url(row.path), plan.client, seconds,
                          run_dir / "h2load-requests.tsv", log=log)
    if row.tool == "ws":
        return run_wsclient(server.url(row.path, "ws"), plan.client, seconds, WS_MESSAGE_BYTES,
                            log=log)
    raise ValueError(f"unknown tool {row.tool!r}")


def measure(row: Row, server: RunningServer, plan: Plan, round_no: int, run_dir: Path,
            bench_file: Path) -> Measurement:
    log = run_dir / f"clients-{server.spec.key}-w{server.workers}.log"
    try:
        alpn = ("h2", "http/1.1") if row.tool == "h2load" else ("http/1.1",)
        try:
            check_answer(row, server.port, bench_file, server.client_context(alpn))
        except NotHttp2 as exc:
            if server.spec.is_wsging:  # the feature is not built (yet): no number, no failure
                return Measurement(server.workers, round_no, row.key, server.spec.key, None,
                                   not_built=str(exc))
            raise WrongAnswer(str(exc)) from exc
        if plan.warmup_s > 0:
            _load(row, server, plan, plan.warmup_s, run_dir, log)
        with procstats.TreeUsage(server.pid) as usage:
            result = _load(row, server, plan, plan.duration_s, run_dir, log)
    except (LoadError, WrongAnswer, OSError) as exc:
        return Measurement(server.workers, round_no, row.key, server.spec.key, None,
                           failure=str(exc).splitlines()[0][:200])
    return Measurement(server.workers, round_no, row.key, server.spec.key, result,
                       cpu_s=usage.cpu_seconds, peak_rss_bytes=usage.peak_rss_bytes,
                       cpu_by_command=usage.cpu_by_command)


def _progress(measurement: Measurement) -> str:
    head = (f"[{measurement.workers}w r{measurement.round}] {measurement.row:<17} "
            f"{measurement.server:<15}")
    result = measurement.result
    if measurement.not_built:
        return f"{head} not built: {measurement.not_built}"
    if result is None:
        return f"{head} FAILED: {measurement.failure}"
    latency = "" if result.p50_ms is None else \
        f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
    cpu = measurement.cpu_s / result.requests * 1e6 if result.requests else 0.0
    errors = f"  ERRORS {result.errors} ({result.error_detail})" if result.errors else ""
    split = ""
    if result.requests and len(measurement.cpu_by_command) > 1:
        split = " (" + ", ".join(
            f"{command} {user / result.requests * 1e6:.1f}+{system / result.requests * 1e6:.1f}"
            for command, (user, system) in measurement.cpu_by_command.items()) + " user+sys)"
    return (f"{head} {result.requests_per_s:>10,.0f} req/s{latency}  "
            f"RSS {measurement.peak_rss_bytes / 2**20:6.1f} MiB  CPU {cpu:6.1f} µs/req{split}"
            f"{errors}")


def _rows_of(server_key: str, plan: Plan) -> List[Row]:
    return [row for row in plan.rows if server_key in row.servers
            and not (server_key == "wsging" and row.wsging_not_built)
            and not row.not_offered_by(server_key)]


def server_runs(server_key: str, plan: Plan, certificate: Optional[Certificate] = None
                ) -> List[Tuple[ServerSpec, str, List[Row]]]:
    """How a server measures its rows: (spec, log name, rows) per start. A server is started
    once per app it serves and per transport: wsging serves its own app on most rows and
    another one (through a shim) on a row written for another interface; the TLS rows get a
    start of their own with `certificate` (which every run planning a TLS row makes)."""
    spec = SPECS[server_key]
    by_start: Dict[Tuple[Optional[str], bool], List[Row]] = {}
    for row in _rows_of(server_key, plan):
        app = row.wsging_app if spec.is_wsging else row.asgi_app if spec.asgi_argv else None
        by_start.setdefault((app, row.tls), []).append(row)
    runs = []
    for (app, tls), rows in by_start.items():
        chosen = spec if app is None else serving(spec, app)
        name = server_key if app is None else f"{server_key}-{app.split(':')[0]}"
        if tls:
            if certificate is None:
                raise ValueError("a TLS row needs the run's certificate")
            chosen, name = secured(chosen, certificate), f"{name}-tls"
        runs.append((chosen, name, rows))
    return runs


def needs_certificate(plan: Plan) -> bool:
    return any(row.tls for row in plan.rows)


def _missing_before_start(spec: ServerSpec, rows: Sequence[Row]) -> Optional[str]:
    """Why wsging cannot serve these rows at all, known without starting it (TLS), or None."""
    if spec.is_wsging and spec.certificate is not None and any(TLS in row.wsging_needs for row in rows):
        return features.tls_missing()
    return None


WARMUP_SLICE_S = 2  # seconds of load between two readings of the server's CPU
STEADY = 0.15  # a warm-up ends when CPU per request of the last slices differs by at most this
STEADY_SLICES = 3  # ... over this many slices (two were fooled by a pause in the compiler's work)


def until_steady(load: Callable[[float], Tuple[int, float]], minimum_s: float,
                 maximum_s: float) -> Tuple[float, List[float]]:
    """Runs `load(seconds)` -> (requests, server CPU seconds) in slices of WARMUP_SLICE_S until
    at least `minimum_s` have passed and the CPU per request of the last STEADY_SLICES slices is
    within STEADY of their lowest, or `maximum_s` have passed. Returns the seconds spent and the CPU µs per
    request of each slice. A JIT-compiled server (the JVM) costs several times its settled CPU
    per request while its compiler works, longer on a busy machine (tens of seconds measured
    here); a server that is steady from the start stops after the minimum."""
    if maximum_s <= minimum_s:
        requests, cpu_s = load(minimum_s)
        return minimum_s, [cpu_s / requests * 1e6 if requests else float("inf")]
    spent, history = 0.0, []
    while spent < maximum_s:
        seconds = min(WARMUP_SLICE_S, maximum_s - spent)
        requests, cpu_s = load(seconds)
        history.append(cpu_s / requests * 1e6 if requests else float("inf"))
        spent += seconds
        last = history[-STEADY_SLICES:]
        if spent >= minimum_s and len(last) == STEADY_SLICES and max(last) <= (1 + STEADY) * min(last):
            break
    return spent, history


def warm_up(server: RunningServer, rows: Sequence[Row], plan: Plan, log: Path, label: str) -> None:
    """Plaintext load right after a start over each protocol its rows use (HTTP/1.1 with wrk;
    HTTP/2 with h2load where a row needs it and the server speaks it), at least the server
    warm-up seconds and until its CPU per request is steady (`until_steady`, at most the
    maximum). Every server gets the same rule; for the JVM it is when the hot paths of that
    protocol get compiled, which should not count against the rows."""
    if plan.server_warmup_s <= 0:
        return
    loads: List[Tuple[str, Callable[[float], LoadResult]]] = []
    if any(row.tool != "h2load" for row in rows):
        loads.append(("HTTP/1.1", lambda seconds: run_wrk(server.url("/plaintext"), plan.client,
                                                          seconds, log=log)))
    if any(row.tool == "h2load" for row in rows) and _speaks_h2(server):
        loads.append(("HTTP/2", lambda seconds: run_h2load(
            server.url("/plaintext"), plan.client, seconds,
            log.with_name(log.stem + "-h2-warmup.tsv"), log=log)))
    for protocol, load in loads:
        def measured(seconds: float, load: Callable[[float], LoadResult] = load) -> Tuple[int, float]:
            with procstats.TreeUsage(server.pid) as usage:
                result = load(seconds)
            return result.requests, usage.cpu_seconds
        try:
            spent, history = until_steady(measured, plan.server_warmup_s, plan.server_warmup_max_s)
        except LoadError as exc:  # the rows will show what is wrong
            print(f"{label} warm-up over {protocol} failed: {exc}", flush=True)
            continue
        print(f"{label} warm-up over {protocol}: {spent:g} s, CPU µs/req by slice: "
              + ", ".join(f"{value:.0f}" for value in history), flush=True)


def _speaks_h2(server: RunningServer) -> bool:
    try:
        h2_get(server.port, "/plaintext", server.client_context(("h2", "http/1.1")))
    except (NotHttp2, Http2Failure, OSError):
        return False  # the row's own check says why
    return True


def round_order(servers: Sequence[str], round_no: int) -> List[str]:
    """The servers in the order round `round_no` runs them: as given on odd rounds, reversed
    on even ones. Each server then sits as often early as late in a pair of rounds, which a
    plain A B A B order does not give the first one (it always runs first after start-up)."""
    return list(servers) if round_no % 2 else list(reversed(servers))


def run(plan: Plan, run_dir: Path, bench_file: Path,
        certificate: Optional[Certificate] = None) -> List[Measurement]:
    measurements: List[Measurement] = []
    env = {"BENCH_FILE": str(bench_file)}
    for workers in plan.worker_counts:
        for round_no in range(1, plan.rounds + 1):
            for key in round_order(plan.servers, round_no):
                for spec, name, rows in server_runs(key, plan, certificate):
                    missing = _missing_before_start(spec, rows)
                    if missing:
                        for row in rows:
                            measurements.append(Measurement(workers, round_no, row.key, key, None,
                                                            not_built=missing))
                            print(_progress(measurements[-1]), flush=True)
                        continue
                    server = RunningServer(spec, workers,
                                           run_dir / f"server-{name}-w{workers}.log", env)
                    try:
                        took = server.wait_ready(plan.start_timeout_s)
                        print(f"[{workers}w r{round_no}] {name} ready in {took:.1f}s", flush=True)
                        warm_up(server, rows, plan, run_dir / f"clients-{name}-w{workers}.log",
                                f"[{workers}w r{round_no}] {name}")
                        for row in rows:
                            measurement = measure(row, server, plan, round_no, run_dir, bench_file)
                            measurements.append(measurement)
                            print(_progress(measurement), flush=True)
                    except ServerError as exc:
                        print(f"[{workers}w r{round_no}] {name} FAILED to start: {exc}", flush=True)
                        failure = str(exc).splitlines()[0][:200]
                        measurements += [Measurement(workers, round_no, row.key, key, None,
                                                     failure=failure) for row in rows]
                    finally:
                        server.stop()
    return measurements


def _on_sigterm(signum: int, _frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    write_doc = args.write_doc if args.write_doc is not None else not args.quick
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = RESULTS_DIR / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    bench_file = run_dir / "file-50k.bin"
    bench_file.write_bytes(random.Random(FILE_BYTES).randbytes(FILE_BYTES))  # same bytes every run
    certificate = None
    if needs_certificate(plan):
        try:
            certificate = make_certificate(run_dir / "tls")
        except CertificateError as exc:
            print(f"bench/run: {exc}", file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.monotonic()
    pin = f"core {plan.client.cpu}" if plan.client.cpu is not None else "not pinned (one core)"
    settings = {
        "mode": "quick" if args.quick else ("full" if _all_defaults(args) else "custom: " +
                                            " ".join(argv)),
        "client": f"one thread (wrk -t1, h2load -t1, one asyncio process), pinned to {pin} with "
                  "taskset; servers are not pinned and share all cores with it",
        "load": f"{plan.client.connections} connections (HTTP/2: "
                f"{max(1, plan.client.connections // plan.client.h2_streams)} connections x "
                f"{plan.client.h2_streams} streams); plaintext load after each server start for "
                f"{plan.server_warmup_s:g} s"
                + (f" and on until its CPU per request is steady (at most {plan.server_warmup_max_s:g} s)"
                   if plan.server_warmup_max_s > plan.server_warmup_s else "")
                + f"; {plan.warmup_s:g} s warm-up + "
                f"{plan.duration_s:g} s measured per run; {plan.rounds} round(s), servers "
                "alternated A B C, C B A",
    }
    if certificate is not None:
        settings["TLS"] = ("one self-signed ECDSA P-256 certificate for 127.0.0.1 made with "
                           "openssl for the run; wrk and h2load do not verify it, and negotiate "
                           "the version and cipher with each server (h2load logs them)")
    details = machine.describe(settings)
    print("\n".join(f"{name}: {value}" for name, value in details.items()), flush=True)
    try:
        measurements = run(plan, run_dir, bench_file, certificate)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        stop_all()
    elapsed = time.monotonic() - started
    details["harness time"] = f"{elapsed:.0f} s"
    (run_dir / "results.json").write_text(json.dumps(
        {"machine": details, "measurements": [asdict(m) for m in measurements]}, indent=1))
    cells = report.cells_for(measurements, plan.rows, plan.worker_counts, plan.servers)
    versions = machine.peer_versions()
    text = report.render(cells, plan.rows, SPECS, plan.worker_counts, details, versions)
    print("\n" + text)
    if write_doc:
        DOC.write_text(report.replace_generated(DOC.read_text(), text))
        print(f"wrote {DOC.relative_to(REPO_DIR)}")
    print(f"raw results and logs: {run_dir.relative_to(REPO_DIR)}; took {elapsed:.0f} s")
    # Timings are never judged; a server that did not start or answered wrongly is a fault.
    failed = sorted({f"{m.server} ({m.row}): {m.failure}" for m in measurements if m.failure})
    for line in failed:
        print(f"bench/run: failed: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
