"""Parsing of load-generator output, on outputs captured from real runs (tests/samples/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load import LoadError, h2load_protocols, h2load_tls_versions, parse_h2load, \
    parse_h2load_log, parse_wrk, parse_wsclient, \
    percentile

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_wrk_result_line_gives_requests_rate_and_microsecond_percentiles() -> None:
    result = parse_wrk(sample("wrk-echo-1k.txt"))
    assert result.requests == 68801
    assert result.duration_s == pytest.approx(2.002446)
    assert result.requests_per_s == pytest.approx(68801 / 2.002446)
    assert result.p50_ms == pytest.approx(1.746)
    assert result.p99_ms == pytest.approx(3.085)
    assert result.errors == 0 and result.error_detail == ""


def test_wrk_counts_non_2xx_answers_as_errors() -> None:
    result = parse_wrk(sample("wrk-404.txt"))
    assert result.errors == 42566
    assert result.error_detail == "42566 non-2xx/3xx"


def test_wrk_pipelined_run_reports_no_latency() -> None:
    # wrk times a pipelined batch once and records zeros for the rest of it (p50 is 0 here).
    result = parse_wrk(sample("wrk-pipelined-16.txt"), pipelined=True)
    assert result.requests == 127414
    assert result.p50_ms is None and result.p99_ms is None


def test_wrk_output_without_result_line_is_an_error() -> None:
    text = sample("wrk-echo-1k.txt").replace("WRK_RESULT", "something else")
    with pytest.raises(LoadError, match="no result line"):
        parse_wrk(text)


def test_h2load_log_gives_sorted_request_times() -> None:
    times = parse_h2load_log(sample("h2load-plaintext-log.tsv"))
    assert len(times) == 200
    assert times == sorted(times)
    assert times[0] > 0


def test_h2load_summary_and_log_give_rate_over_measured_seconds() -> None:
    log_text = sample("h2load-plaintext-log.tsv")
    result = parse_h2load(sample("h2load-plaintext.txt"), log_text, duration_s=2.0)
    assert result.requests == 105282
    assert result.requests_per_s == pytest.approx(52641.0)
    times = parse_h2load_log(log_text)
    assert result.p50_ms == pytest.approx(percentile(times, 50) / 1000)
    assert result.p99_ms == pytest.approx(percentile(times, 99) / 1000)
    assert result.errors == 0


def test_h2load_failures_and_non_2xx_are_errors() -> None:
    text = sample("h2load-plaintext.txt")
    text = text.replace("105282 succeeded, 0 failed, 0 errored",
                        "105200 succeeded, 80 failed, 2 errored")
    text = text.replace("105282 2xx, 0 3xx, 0 4xx, 0 5xx", "105190 2xx, 0 3xx, 0 4xx, 10 5xx")
    result = parse_h2load(text, "", duration_s=2.0)
    assert result.requests == 105190
    assert result.errors == 92
    assert result.p50_ms is None


def test_wsclient_result_line() -> None:
    result = parse_wsclient(sample("wsclient-echo.txt"))
    assert result.requests == 21517
    assert result.requests_per_s == pytest.approx(21517.0)
    assert (result.p50_ms, result.p99_ms) == (pytest.approx(0.353), pytest.approx(0.679))
    assert result.errors == 0


@pytest.mark.parametrize("values, pct, expected", [
    ([], 50, 0),
    ([7], 99, 7),
    ([1, 2, 3, 4], 50, 2),
    ([1, 2, 3, 4], 75, 3),
    (list(range(1, 101)), 99, 99),
    (list(range(1, 101)), 100, 100),
])
def test_nearest_rank_percentile(values: list, pct: float, expected: int) -> None:
    assert percentile(values, pct) == expected


def test_h2load_over_tls_with_h2_chosen_in_alpn() -> None:
    output = sample("h2load-tls-h2.txt")
    result = parse_h2load(output, "", duration_s=2.0, protocol="h2")
    assert result.requests == 57574
    assert result.requests_per_s == pytest.approx(28787.0)
    assert result.errors == 0
    assert h2load_protocols(output) == ["h2"]
    assert h2load_tls_versions(output) == ["TLSv1.3"]


def test_h2load_that_fell_back_to_http11_over_tls_is_no_http2_result() -> None:
    # A server that picks no protocol in ALPN gets HTTP/1.1 from h2load, counted like h2.
    output = sample("h2load-tls-http11-fallback.txt")
    assert h2load_protocols(output) == ["http/1.1"]
    with pytest.raises(LoadError, match="used http/1.1, not h2 alone"):
        parse_h2load(output, "", duration_s=1.0, protocol="h2")


def test_h2load_over_cleartext_is_not_a_tls_result_nor_the_reverse() -> None:
    with pytest.raises(LoadError, match="used h2c, not h2 alone"):
        parse_h2load(sample("h2load-plaintext.txt"), "", duration_s=2.0, protocol="h2")
    with pytest.raises(LoadError, match="used h2, not h2c alone"):
        parse_h2load(sample("h2load-tls-h2.txt"), "", duration_s=2.0, protocol="h2c")


def test_h2load_output_without_a_protocol_line_is_an_error() -> None:
    text = sample("h2load-plaintext.txt").replace("Application protocol: h2c\n", "")
    with pytest.raises(LoadError, match="none reported"):
        parse_h2load(text, "", duration_s=2.0)


def test_h2load_that_completed_no_request_is_an_error() -> None:
    # A server that does not answer the HTTP/2 preface: h2load starts streams, none ends.
    with pytest.raises(LoadError, match="completed no request over h2c"):
        parse_h2load(sample("h2load-h2c-refused.txt"), "", duration_s=1.0)
