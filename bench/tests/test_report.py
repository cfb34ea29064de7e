"""Pooling of rounds, the n/a lines, and the replacement of the generated doc section."""

from __future__ import annotations

import dataclasses

import pytest

from harness import report
from harness.load import LoadResult
from harness.report import Measurement
from harness.rows import ROWS
from harness.servers import SPECS


def run(server: str, round_no: int, requests: int, cpu_s: float, rss: int) -> Measurement:
    result = LoadResult(requests=requests, duration_s=5.0, p50_ms=1.0 * round_no, p99_ms=3.0,
                        errors=0)
    return Measurement(1, round_no, "plaintext", server, result, cpu_s=cpu_s, peak_rss_bytes=rss)


def test_pool_sums_requests_and_cpu_and_keeps_the_highest_rss() -> None:
    cell = report.pool(1, "plaintext", "granian-rsgi",
                       [run("granian-rsgi", 1, 100_000, 2.0, 50), run("granian-rsgi", 2, 300_000, 4.0, 70)])
    assert cell.requests_per_s == pytest.approx(400_000 / 10.0)
    assert cell.cpu_us_per_request == pytest.approx(6.0 / 400_000 * 1e6)
    assert cell.peak_rss_bytes == 70
    assert cell.p50_ms == pytest.approx(1.5)
    assert cell.spread == pytest.approx((60_000 - 20_000) / 40_000)


def test_a_row_wsging_cannot_serve_is_shown_not_built_and_peers_get_no_ratio() -> None:
    # A row as it stands before a feature is built (ws-echo was one until WebSocket came).
    ws = dataclasses.replace(next(row for row in ROWS if row.key == "ws-echo"),
                             wsging_not_built="WebSocket comes in a later issue")
    peer = Measurement(1, 1, "ws-echo", "granian-rsgi",
                       LoadResult(1000, 1.0, 1.0, 2.0, 0), cpu_s=0.1, peak_rss_bytes=1)
    cells = report.cells_for([peer], [ws], [1], ["wsging", "granian-rsgi"])
    assert [(cell.server, cell.unavailable) for cell in cells] == \
        [("wsging", report.NOT_BUILT), ("granian-rsgi", None)]
    table = report.render_table(cells, [ws], SPECS, {"granian": "2.8.7"})
    assert "| WebSocket echo (64 B) | wsging | WSGI-NG | n/a (not built yet) |" in table
    assert table.splitlines()[-1].endswith("| n/a |")


def test_a_feature_found_missing_at_run_time_is_not_built_with_its_reason_not_a_failure() -> None:
    h2 = next(row for row in ROWS if row.key == "h2-get")
    reason = "answered the HTTP/2 connection preface with HTTP/1.x: HTTP/1.1 400 Bad Request"
    missing = [Measurement(1, round_no, "h2-get", "wsging", None, not_built=reason)
               for round_no in (1, 2)]
    peer = Measurement(1, 1, "h2-get", "granian-rsgi", LoadResult(5000, 1.0, 1.0, 2.0, 0),
                       cpu_s=0.1, peak_rss_bytes=1)
    cells = report.cells_for(missing + [peer], [h2], [1], ["wsging", "granian-rsgi"])
    assert cells[0].unavailable == f"n/a (not built yet: {reason})"
    table = report.render_table(cells, [h2], SPECS, {})
    assert f"| HTTP/2 GET (h2c) | wsging | WSGI-NG | n/a (not built yet: {reason}) |" in table
    # One round failing where the other was not built is a failure, never hidden as "not built".
    failed = Measurement(1, 2, "h2-get", "wsging", None, failure="h2load exited with 1")
    assert report.pool(1, "h2-get", "wsging", [missing[0], failed]).unavailable.startswith("failed:")


def test_wsging_measured_on_an_h2_row_gets_cpu_per_request_and_a_ratio() -> None:
    h2 = next(row for row in ROWS if row.key == "h2-get")
    measured = [Measurement(1, 1, "h2-get", "wsging", LoadResult(60_000, 1.0, 1.0, 2.0, 0),
                            cpu_s=1.2, peak_rss_bytes=1),
                Measurement(1, 1, "h2-get", "granian-rsgi", LoadResult(50_000, 1.0, 1.0, 2.0, 0),
                            cpu_s=1.0, peak_rss_bytes=1)]
    cells = report.cells_for(measured, [h2], [1], ["wsging", "granian-rsgi"])
    assert [cell.cpu_us_per_request for cell in cells] == [pytest.approx(20.0), pytest.approx(20.0)]
    assert report.render_table(cells, [h2], SPECS, {}).splitlines()[-1].endswith("| 1.20 |")


def test_a_peer_without_the_rows_protocol_says_why_in_its_line() -> None:
    https_h2 = next(row for row in ROWS if row.key == "https-h2-get")
    cells = report.cells_for([], [https_h2], [1], ["wsging", "granian-rsgi", "uvicorn"])
    assert ("uvicorn", "n/a (uvicorn has no HTTP/2)") in [(c.server, c.unavailable) for c in cells]
    table = report.render_table(cells, [https_h2], SPECS, {"uvicorn": "0.54.0"})
    assert "| HTTPS HTTP/2 GET (ALPN h2) | uvicorn 0.54.0 | ASGI, uvloop + httptools | " \
        "n/a (uvicorn has no HTTP/2) |" in table


def test_ratio_is_wsging_over_peer() -> None:
    plaintext = next(row for row in ROWS if row.key == "plaintext")
    measurements = [run("wsging", 1, 150_000, 1.0, 1), run("granian-rsgi", 1, 100_000, 1.0, 1)]
    cells = report.cells_for(measurements, [plaintext], [1], ["wsging", "granian-rsgi"])
    table = report.render_table(cells, [plaintext], SPECS, {})
    assert table.splitlines()[-1].endswith("| 1.50 |")


def test_a_failed_run_is_reported_as_failed() -> None:
    failed = Measurement(1, 1, "plaintext", "uvicorn", None, failure="wrk exited with 1")
    cell = report.pool(1, "plaintext", "uvicorn", [failed])
    assert cell.unavailable == "failed: wrk exited with 1"


def test_replace_generated_keeps_the_prose_around_the_markers() -> None:
    document = f"intro\n{report.BEGIN}\nold table\n{report.END}\nafter\n"
    assert report.replace_generated(document, "new table\n") == \
        f"intro\n{report.BEGIN}\nnew table\n{report.END}\nafter\n"


def test_replace_generated_refuses_a_document_without_markers() -> None:
    with pytest.raises(ValueError):
        report.replace_generated("no markers here", "table")
