"""Turns measurements into the results table (Markdown) and writes it into docs/benchmarks.md.

One table per worker count; in each, one line per row and server. Rounds of the same row and
server are pooled: requests/s is all requests over all measured seconds, CPU per request is all
CPU seconds over all requests, latency is the median over rounds of each round's percentile,
and RSS is the highest peak. "spread" is (max - min) / mean of the rounds' requests/s: the drift
that the alternating order (A B C, then C B A) spreads over all servers alike.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from harness.load import LoadResult
from harness.rows import Row
from harness.servers import ServerSpec

BEGIN = "<!-- results:begin (written by bench/run; edits inside are lost) -->"
END = "<!-- results:end -->"
NOT_BUILT = "n/a (not built yet)"


@dataclass(frozen=True)
class Measurement:
    """One measured run of one row against one server, or why there is none."""

    workers: int
    round: int
    row: str
    server: str
    result: Optional[LoadResult]
    cpu_s: float = 0.0
    peak_rss_bytes: int = 0
    failure: Optional[str] = None
    not_built: Optional[str] = None  # wsging lacks the row's feature: why (not a failure)
    # (user, system) CPU seconds by command name: the JVM (`java`) apart from Python workers.
    cpu_by_command: Dict[str, Tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One line of a table: a row and a server at one worker count, rounds pooled."""

    workers: int
    row: str
    server: str
    requests_per_s: Optional[float] = None
    p50_ms: Optional[float] = None
    p99_ms: Optional[float] = None
    peak_rss_bytes: int = 0
    cpu_us_per_request: Optional[float] = None
    spread: Optional[float] = None
    errors: int = 0
    error_detail: str = ""
    unavailable: Optional[str] = None  # "n/a (not built yet...)", "n/a (why)" or the failure


def _median(values: List[Optional[float]]) -> Optional[float]:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def not_built(reason: Optional[str] = None) -> str:
    return NOT_BUILT if not reason else f"{NOT_BUILT[:-1]}: {reason})"


def pool(workers: int, row: str, server: str, runs: Sequence[Measurement]) -> Cell:
    done = [run for run in runs if run.result is not None and run.failure is None]
    missing = sorted({run.not_built for run in runs if run.not_built})
    if not done and missing and all(run.not_built for run in runs):
        return Cell(workers, row, server, unavailable=not_built("; ".join(missing)))
    if not done:
        failures = sorted({run.failure or "no result" for run in runs})
        return Cell(workers, row, server, unavailable="failed: " + "; ".join(failures))
    results = [run.result for run in done if run.result is not None]
    requests = sum(result.requests for result in results)
    seconds = sum(result.duration_s for result in results)
    rates = [result.requests_per_s for result in results]
    mean_rate = statistics.mean(rates)
    details = sorted({result.error_detail for result in results if result.error_detail})
    return Cell(
        workers, row, server,
        requests_per_s=requests / seconds if seconds else 0.0,
        p50_ms=_median([result.p50_ms for result in results]),
        p99_ms=_median([result.p99_ms for result in results]),
        peak_rss_bytes=max(run.peak_rss_bytes for run in done),
        cpu_us_per_request=(sum(run.cpu_s for run in done) / requests * 1e6) if requests else None,
        spread=(max(rates) - min(rates)) / mean_rate if len(rates) > 1 and mean_rate else None,
        errors=sum(result.errors for result in results),
        error_detail="; ".join(details),
    )


def cells_for(measurements: Sequence[Measurement], rows: Sequence[Row],
              worker_counts: Sequence[int], servers: Sequence[str]) -> List[Cell]:
    """Pools the measurements in table order, adding the lines of servers that cannot serve a
    row: wsging where the row's feature has no code yet, a peer without the row's protocol."""
    grouped: Dict[Tuple[int, str, str], List[Measurement]] = {}
    for measurement in measurements:
        grouped.setdefault((measurement.workers, measurement.row, measurement.server),
                           []).append(measurement)
    cells = []
    for workers in worker_counts:
        for row in rows:
            for server in row.servers:
                if server not in servers:
                    continue
                if server == "wsging" and row.wsging_not_built:
                    cells.append(Cell(workers, row.key, server, unavailable=NOT_BUILT))
                elif row.not_offered_by(server):
                    cells.append(Cell(workers, row.key, server,
                                      unavailable=f"n/a ({row.not_offered_by(server)})"))
                elif (workers, row.key, server) in grouped:
                    cells.append(pool(workers, row.key, server, grouped[(workers, row.key, server)]))
    return cells


# ---------------------------------------------------------------- rendering


def _number(value: Optional[float], digits: int) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(wsging: Optional[Cell], cell: Cell, peer: Optional[Cell] = None) -> str:
    if cell.server == "wsging":
        return ""
    if cell.server == "wsging-inline":
        # Its own ratio against the row's first peer: the line shows what the option buys.
        if peer is None or not peer.requests_per_s or not cell.requests_per_s:
            return "n/a"
        return f"{cell.requests_per_s / peer.requests_per_s:.2f} vs {peer.server}"
    if wsging is None or wsging.unavailable or not wsging.requests_per_s:
        return "n/a"
    if not cell.requests_per_s:
        return "-"
    return f"{wsging.requests_per_s / cell.requests_per_s:.2f}"


def render_table(cells: Sequence[Cell], rows: Sequence[Row], specs: Dict[str, ServerSpec],
                 versions: Dict[str, str]) -> str:
    titles = {row.key: row.title for row in rows}
    lines = [
        "| row | server | interface | req/s | p50 ms | p99 ms | peak RSS MiB | CPU µs/req "
        "| spread | wsging/this |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    by_row: Dict[str, Cell] = {cell.row: cell for cell in cells if cell.server == "wsging"}
    first_peer: Dict[str, Cell] = {}
    for cell in cells:
        if not specs[cell.server].is_wsging and not cell.unavailable:
            first_peer.setdefault(cell.row, cell)
    for cell in cells:
        spec = specs[cell.server]
        name = spec.name if spec.is_wsging else f"{spec.name} {versions.get(spec.name, '')}".strip()
        interface = spec.interface if not (spec.is_wsging and cell.row == "wsgi-hello") \
            else "WSGI via the shim"
        if cell.unavailable:
            lines.append(f"| {titles[cell.row]} | {name} | {interface} | {cell.unavailable} "
                         "| | | | | | |")
            continue
        rate = _number(cell.requests_per_s, 0)
        if cell.errors:
            rate += f" ({cell.errors} errors: {cell.error_detail})"
        lines.append(
            f"| {titles[cell.row]} | {name} | {interface} | {rate} | {_number(cell.p50_ms, 2)} "
            f"| {_number(cell.p99_ms, 2)} | {_number(cell.peak_rss_bytes / 2**20, 1)} "
            f"| {_number(cell.cpu_us_per_request, 1)} "
            f"| {'-' if cell.spread is None else f'{cell.spread * 100:.0f}%'} "
            f"| {_ratio(by_row.get(cell.row), cell, first_peer.get(cell.row))} |")
    return "\n".join(lines)


def render(cells: Sequence[Cell], rows: Sequence[Row], specs: Dict[str, ServerSpec],
           worker_counts: Sequence[int], machine: Dict[str, str], versions: Dict[str, str]) -> str:
    parts = ["### Machine and settings", ""]
    parts += [f"- {name}: {value}" for name, value in machine.items()]
    for workers in worker_counts:
        chosen = [cell for cell in cells if cell.workers == workers]
        if not chosen:
            continue
        parts += ["", f"### {workers} worker{'s' if workers > 1 else ''}", "",
                  render_table(chosen, rows, specs, versions)]
    return "\n".join(parts) + "\n"


def replace_generated(document: str, generated: str) -> str:
    """Puts the generated text between the markers of the document, keeping the prose around."""
    if BEGIN not in document or END not in document:
        raise ValueError(f"the document has no '{BEGIN}' ... '{END}' section to replace")
    head, rest = document.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{generated}{END}{tail}"
