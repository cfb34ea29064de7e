"""Load generators (wrk, h2load, the WebSocket client) and the parsing of what they print.

Every client runs as one thread (wrk -t1, h2load -t1, one asyncio process) pinned with taskset to
one core, so that on a small machine each server meets the same client. Parsing is kept apart
from running so that it is tested on outputs captured from real runs (bench/tests/samples/).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

HARNESS_DIR = Path(__file__).resolve().parent
WRK_SCRIPT = HARNESS_DIR / "wrk.lua"


class LoadError(RuntimeError):
    """A load generator failed to run or printed something this module cannot read."""


@dataclass(frozen=True)
class LoadResult:
    """What one measured run gives. Latencies are None when the tool cannot time single
    requests (wrk with pipelining times whole batches and records zeros for the rest)."""

    requests: int
    duration_s: float
    p50_ms: Optional[float]
    p99_ms: Optional[float]
    errors: int
    error_detail: str = ""

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


# ---------------------------------------------------------------- parsing

_WRK_LINE = re.compile(r"^WRK_RESULT (\{.*\})\s*$", re.MULTILINE)
_WS_LINE = re.compile(r"^WS_RESULT (\{.*\})\s*$", re.MULTILINE)
_H2_REQUESTS = re.compile(
    r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
    r"(\d+) errored, (\d+) timeout", re.MULTILINE)
_H2_STATUS = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", re.MULTILINE)
_H2_PROTOCOL = re.compile(r"^Application protocol: (\S+)", re.MULTILINE)
_H2_TLS = re.compile(r"^TLS Protocol: (\S+)", re.MULTILINE)


def _json_line(pattern: "re.Pattern[str]", output: str, tool: str) -> dict:
    match = pattern.search(output)
    if not match:
        tail = "\n".join(output.strip().splitlines()[-5:])
        raise LoadError(f"{tool} printed no result line; its output ended with:\n{tail}")
    return json.loads(match.group(1))


def _describe(counts: dict) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count)


def parse_wrk(output: str, pipelined: bool = False) -> LoadResult:
    """Reads the WRK_RESULT line that harness/wrk.lua prints from done()."""
    data = _json_line(_WRK_LINE, output, "wrk")
    errors = data["errors"]
    latency = data["latency_us"]
    timed = not pipelined
    return LoadResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1_000_000,
        p50_ms=latency["p50"] / 1000 if timed else None,
        p99_ms=latency["p99"] / 1000 if timed else None,
        errors=sum(errors.values()),
        error_detail=_describe({"non-2xx/3xx": errors["status"], "connect": errors["connect"],
                                "read": errors["read"], "write": errors["write"],
                                "timeout": errors["timeout"]}),
    )


def percentile(sorted_values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile of an ascending sequence (0 for an empty one)."""
    if not sorted_values:
        return 0
    rank = -(-int(pct * len(sorted_values)) // 100)  # ceil(pct/100 * n) without floats drifting
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def parse_h2load_log(log_text: str) -> List[int]:
    """Per-request times from `h2load --log-file`: tab-separated start time (µs since the
    epoch), status, and µs until the end of the response. Returns the times, ascending."""
    times = []
    for line in log_text.splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            times.append(int(fields[2]))
    times.sort()
    return times


def h2load_protocols(output: str) -> List[str]:
    """The application protocols h2load says its connections used, in order, without repeats:
    "h2c" (cleartext, prior knowledge), "h2" (TLS, ALPN), or "http/1.1" where it fell back."""
    found: List[str] = []
    for protocol in _H2_PROTOCOL.findall(output):
        if protocol not in found:
            found.append(protocol)
    return found


def h2load_tls_versions(output: str) -> List[str]:
    return sorted(set(_H2_TLS.findall(output)))


def parse_h2load(output: str, log_text: str, duration_s: float, protocol: str = "h2c") -> LoadResult:
    """Reads h2load's summary. Its "finished in" would include a warm-up (--warm-up-time), so
    the rate is taken as the requests done over the duration given with -D. Every connection
    must have used `protocol`: over TLS h2load falls back to HTTP/1.1 when the server does not
    pick h2 in ALPN, and counts those requests as any others; a run where no request completed
    (a server that does not answer HTTP/2 at all) is no result either."""
    requests = _H2_REQUESTS.search(output)
    if not requests:
        tail = "\n".join(output.strip().splitlines()[-5:])
        raise LoadError(f"h2load printed no request summary; its output ended with:\n{tail}")
    protocols = h2load_protocols(output)
    if protocols != [protocol]:
        used = ", ".join(protocols) or "none reported"
        raise LoadError(f"h2load used {used}, not {protocol} alone")
    _total, _started, done, succeeded, failed, errored, timeout = map(int, requests.groups())
    if done == 0:
        raise LoadError(f"h2load completed no request over {protocol}")
    status = _H2_STATUS.search(output)
    non_2xx = sum(map(int, status.groups()[1:])) if status else 0
    times = parse_h2load_log(log_text)
    return LoadResult(
        requests=succeeded - non_2xx,
        duration_s=duration_s,
        p50_ms=percentile(times, 50) / 1000 if times else None,
        p99_ms=percentile(times, 99) / 1000 if times else None,
        errors=failed + errored + timeout + non_2xx,
        error_detail=_describe({"failed": failed, "errored": errored, "timeout": timeout,
                                "non-2xx": non_2xx}),
    )


def parse_wsclient(output: str) -> LoadResult:
    data = _json_line(_WS_LINE, output, "wsclient")
    latency = data["latency_us"]
    return LoadResult(
        requests=data["messages"],
        duration_s=data["duration_us"] / 1_000_000,
        p50_ms=latency["p50"] / 1000 if data["messages"] else None,
        p99_ms=latency["p99"] / 1000 if data["messages"] else None,
        errors=data["errors"] + data["mismatches"],
        error_detail=_describe({"failed connections": data["errors"],
                                "wrong echoes": data["mismatches"]}),
    )


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class ClientSettings:
    """How every client is run: the same for all servers of one benchmark run."""

    connections: int
    cpu: Optional[int]  # the core the client is pinned to; None: not pinned
    h2_streams: int = 8  # concurrent streams per HTTP/2 connection (h2load -m)

    def pin(self, argv: List[str]) -> List[str]:
        return ["taskset", "-c", str(self.cpu)] + argv if self.cpu is not None else argv


def _run(argv: List[str], timeout_s: float, log: Optional[Path]) -> str:
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout_s, check=False,
                              cwd=HARNESS_DIR.parent)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"{argv[0]} did not finish within {timeout_s:.0f}s") from exc
    if log is not None:
        with log.open("a") as handle:
            handle.write("$ " + " ".join(argv) + "\n" + done.stdout + "\n")
    if done.returncode != 0:
        raise LoadError(f"{' '.join(argv)} exited with {done.returncode}: {done.stdout[-500:]}")
    return done.stdout


def run_wrk(url: str, settings: ClientSettings, seconds: float, *, method: str = "GET",
            body_bytes: int = 0, depth: int = 1, log: Optional[Path] = None) -> LoadResult:
    argv = settings.pin(["wrk", "-t1", f"-c{settings.connections}", f"-d{seconds:g}s",
                         "--timeout", "5s", "-s", str(WRK_SCRIPT), url,
                         "--", method, str(body_bytes), str(depth)])
    return parse_wrk(_run(argv, seconds + 30, log), pipelined=depth > 1)


def run_h2load(url: str, settings: ClientSettings, seconds: float, log_file: Path,
               log: Optional[Path] = None) -> LoadResult:
    """HTTP/2 with prior knowledge (RFC 9113 section 3.3) over cleartext for an http:// URL, or
    over TLS with h2 chosen in ALPN for an https:// one (h2load does not verify the
    certificate), with as many streams in flight in all as there are connections in the
    HTTP/1.1 rows."""
    streams = settings.h2_streams
    connections = max(1, settings.connections // streams)
    if log_file.exists():
        log_file.unlink()
    argv = settings.pin(["h2load", "-t1", f"-c{connections}", f"-m{streams}",
                         "-D", f"{seconds:g}", "--log-file", str(log_file), url])
    output = _run(argv, seconds + 30, log)
    log_text = log_file.read_text() if log_file.exists() else ""
    return parse_h2load(output, log_text, seconds, "h2" if url.startswith("https:") else "h2c")


# The Go WebSocket client bench/run builds next to the venv's Python (bench/wsload): about a
# third of the Python client's CPU per message, so the fastest servers, not the client, set the
# rate. Without it, the Python client (harness/wsclient.py) prints the same result line.
WSLOAD = Path(sys.executable).parent / "wsload"


def wsclient_name() -> str:
    return "bench/wsload (Go)" if WSLOAD.exists() else "harness/wsclient.py (Python)"


def run_wsclient(url: str, settings: ClientSettings, seconds: float, message_bytes: int,
                 log: Optional[Path] = None) -> LoadResult:
    if WSLOAD.exists():
        argv = [str(WSLOAD), "echo", url, "-connections", str(settings.connections),
                "-duration", f"{seconds:g}", "-warmup", "0", "-size", str(message_bytes)]
    else:
        argv = [sys.executable, "-m", "harness.wsclient", url,
                "--connections", str(settings.connections),
                "--duration", f"{seconds:g}", "--warmup", "0", "--size", str(message_bytes)]
    return parse_wsclient(_run(settings.pin(argv), seconds + 60, log))


def client_cpu() -> Optional[int]:
    """The last core this process may use, or None on a one-core machine (nothing to pin)."""
    cores = sorted(os.sched_getaffinity(0))
    return cores[-1] if len(cores) > 1 else None
