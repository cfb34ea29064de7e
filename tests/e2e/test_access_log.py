"""--access-log: one line per request in the Combined Log Format (what log tools parse), with a
timestamp, IPv6 clients in their short form, and the request's duration appended."""
from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from e2e_server import free_port, wait_for

# host ident authuser [time] "request" status bytes "referer" "user-agent" duration-seconds
COMBINED = re.compile(
    r'^(?P<host>\S+) - - \[(?P<time>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
    r'"(?P<method>\S+) (?P<target>\S+) (?P<version>HTTP/\d\.\d)" (?P<status>\d{3}) (?P<bytes>\d+|-) '
    r'"(?P<referer>[^"]*)" "(?P<agent>[^"]*)" (?P<duration>\d+\.\d{6})$'
)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def access_lines(log: str):
    return [m for m in (COMBINED.match(line) for line in log.splitlines()) if m]


def test_lines_are_combined_log_format_with_time_and_duration(start_server) -> None:
    server = start_server(options=["--access-log"])
    before = datetime.now(timezone.utc)
    response = httpx.get(server.url + "/slow?ms=200", headers={"User-Agent": "probe/1.0",
                                                               "Referer": "http://example.test/a"})
    assert response.status_code == 200
    httpx.get(server.url + "/missing-route", headers={"User-Agent": 'quote " and \\ back'})
    lines = wait_for("two access-log lines", lambda: (lambda m: m if len(m) >= 2 else None)(
        access_lines(server.log())), timeout=10)
    first, second = lines[0], lines[1]
    assert (first["host"], first["method"], first["target"], first["version"], first["status"], first["bytes"],
            first["referer"], first["agent"]) == ("127.0.0.1", "GET", "/slow?ms=200", "HTTP/1.1", "200", "5",
                                                  "http://example.test/a", "probe/1.0")
    assert 0.2 <= float(first["duration"]) < 5, first["duration"]
    logged = datetime.strptime(first["time"], "%d/%b/%Y:%H:%M:%S %z")
    assert before - timedelta(seconds=2) <= logged <= datetime.now(timezone.utc) + timedelta(seconds=1), logged
    assert second["status"] == "404" and second["agent"] == "quote \\x22 and \\x5C back", second.group(0)


def test_an_ipv6_client_is_written_in_short_form(start_server) -> None:
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    port = free_port()
    server = start_server(options=["--access-log", "--bind", f"[::1]:{port}"])
    wait_for("the IPv6 listener", lambda: httpx.get(f"http://[::1]:{port}/", timeout=5).status_code == 200,
             timeout=10)
    lines = wait_for("an access-log line", lambda: access_lines(server.log()) or None, timeout=10)
    assert lines[0]["host"] == "::1", lines[0].group(0)
