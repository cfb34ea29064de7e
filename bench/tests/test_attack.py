"""bench/attack's pure parts: its summary arithmetic, its report and its command lines."""

from __future__ import annotations

from harness import attack


def test_summary_of_probe_times() -> None:
    assert attack.percentile_summary([]) == (None, None)
    assert attack.percentile_summary([3.0, 1.0, 2.0, 100.0]) == (2.5, 100.0)


def test_chunked_answers_are_decoded_before_comparing() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
    assert attack._dechunk_if_needed(head, b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n") == b"abcde"
    assert attack._dechunk_if_needed(b"HTTP/1.1 200 OK\r\nContent-Length: 2", b"ab") == b"ab"


def test_shm_scenario_runs_the_server_in_a_private_mount_namespace() -> None:
    spec = attack.shm_wrapped(attack.server_spec("wsging"), "4m")
    argv = spec.argv(2, 8123)
    assert argv[:4] == ["unshare", "--mount", "--propagation", "private"]
    assert "mount -t tmpfs -o size=4m tmpfs /dev/shm" in argv[6]
    assert "--bind" in argv and "127.0.0.1:8123" in argv


def test_wsgi_variant_serves_the_wsgi_app_through_the_shim() -> None:
    argv = attack.server_spec("wsging-wsgi").argv(2, 8123)
    assert argv[argv.index("serve") + 1] == "wsgi_app:app"
    assert argv[argv.index("--interface") + 1] == "wsgi"


def test_report_has_a_table_per_scenario() -> None:
    chosen = attack.scenarios(quick=True)
    outcomes = [
        attack.Outcome("slow-read", "wsging", probes=10, answered=9, probe_median_ms=1.5,
                       probe_max_ms=40.0, rss_before_mib=100, rss_peak_mib=120, rss_after_mib=110,
                       attackers=64, attackers_closed_by_server=64),
        attack.Outcome("shm-full", "wsging", probes=4, answered=4, bodies_sent=40,
                       bodies_echoed_whole=40),
    ]
    text = attack.render(outcomes, chosen)
    assert "#### slow-read" in text and "| wsging | 9 / 10 | 1.5 ms | 40 ms | 100 → 120 → 110 | 64 / 64 |" in text
    assert "#### shm-full" in text and "| 40 / 40 |" in text
    assert "#### trickle" not in text
