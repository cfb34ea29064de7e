"""Which server starts measure which rows: wsging serves the WSGI row through its shim, and
every server its TLS rows in a start of its own with the run's certificate."""

from __future__ import annotations

import os
from pathlib import Path

from harness.certificate import Certificate
from harness.load import LoadResult
from harness.main import make_plan, needs_certificate, parse_args, round_order, server_runs
from harness.servers import SPECS, RunningServer, ServerSpec, secured, serving

import pytest


def test_wsging_serves_the_wsgi_row_with_the_shimmed_wsgi_app_in_a_start_of_its_own() -> None:
    plan = make_plan(parse_args(["--rows", "plaintext,wsgi-hello", "--servers", "wsging,granian-wsgi"]))
    runs = server_runs("wsging", plan)
    assert [(name, [row.key for row in rows]) for _, name, rows in runs] == [
        ("wsging", ["plaintext"]), ("wsging-wsging_wsgi_app", ["wsgi-hello"])]
    own, shimmed = (spec.argv(1, 8000) for spec, _, _ in runs)
    assert own[own.index("serve") + 1] == "wsging_app:app"
    assert shimmed[shimmed.index("serve") + 1] == "wsging_wsgi_app:app"
    assert [name for _, name, _ in server_runs("granian-wsgi", plan)] == ["granian-wsgi"]


def test_only_wsging_and_the_asgi_servers_can_serve_another_app() -> None:
    assert serving(SPECS["wsging"], "x:app").key == "wsging"
    with pytest.raises(ValueError):
        serving(SPECS["gunicorn"], "x:app")
    with pytest.raises(ValueError):
        serving(SPECS["granian-rsgi"], "x:app")


def test_the_fastapi_rows_serve_one_fastapi_app_on_every_server() -> None:
    plan = make_plan(parse_args(["--rows", "plaintext,fastapi-plaintext,fastapi-json",
                                 "--servers", "wsging,granian-asgi,uvicorn"]))
    for key, wanted in (("wsging", "wsging_fastapi_app:app"), ("granian-asgi", "fastapi_app:app"),
                        ("uvicorn", "fastapi_app:app")):
        (own, _, own_rows), (framework, name, rows) = server_runs(key, plan)
        assert [row.key for row in own_rows] == ["plaintext"]
        assert [row.key for row in rows] == ["fastapi-plaintext", "fastapi-json"]
        assert wanted in framework.argv(1, 8000) and wanted not in own.argv(1, 8000)


def test_even_rounds_run_the_servers_in_reverse() -> None:
    servers = ["wsging", "granian-rsgi", "uvicorn"]
    assert round_order(servers, 1) == servers
    assert round_order(servers, 2) == ["uvicorn", "granian-rsgi", "wsging"]
    assert round_order(servers, 3) == servers


CERT = Certificate(Path("/run/cert.pem"), Path("/run/key.pem"))


def test_tls_rows_get_a_start_of_their_own_with_each_servers_certificate_options() -> None:
    plan = make_plan(parse_args(["--rows", "plaintext,https-plaintext,https-h2-get",
                                 "--servers", "wsging,granian-rsgi,uvicorn"]))
    assert needs_certificate(plan)
    options = {
        "wsging": ["--certfile", "/run/cert.pem", "--keyfile", "/run/key.pem"],
        "granian-rsgi": ["--ssl-certificate", "/run/cert.pem", "--ssl-keyfile", "/run/key.pem"],
        "uvicorn": ["--ssl-certfile", "/run/cert.pem", "--ssl-keyfile", "/run/key.pem"],
    }
    for key, wanted in options.items():
        (plain, plain_name, plain_rows), (tls, tls_name, tls_rows) = server_runs(key, plan, CERT)
        assert (plain_name, [row.key for row in plain_rows]) == (key, ["plaintext"])
        assert plain.certificate is None and "/run/cert.pem" not in plain.argv(1, 8000)
        assert tls_name == f"{key}-tls" and tls.certificate == CERT
        assert tls.argv(2, 8000)[-4:] == wanted
        assert tls.argv(2, 8000)[:-4] == plain.argv(2, 8000)
        # uvicorn has no HTTP/2: it is not started for that row, its line says why.
        expected = ["https-plaintext"] + ([] if key == "uvicorn" else ["https-h2-get"])
        assert [row.key for row in tls_rows] == expected


def test_a_plan_without_tls_rows_needs_no_certificate_and_quick_has_none() -> None:
    plan = make_plan(parse_args(["--quick"]))
    assert not needs_certificate(plan)
    assert [name for _, name, _ in server_runs("wsging", plan)] == ["wsging"]


def test_a_tls_row_without_the_runs_certificate_is_refused() -> None:
    plan = make_plan(parse_args(["--rows", "https-plaintext", "--servers", "granian-rsgi"]))
    with pytest.raises(ValueError, match="certificate"):
        server_runs("granian-rsgi", plan)
    with pytest.raises(ValueError, match="not measured over TLS"):
        secured(SPECS["hypercorn"], CERT)


def test_running_server_urls_follow_its_transport() -> None:
    class Bare(RunningServer):
        def __init__(self, spec: ServerSpec) -> None:  # no process: only the addressing
            self.spec, self.port = spec, 8443

    assert Bare(SPECS["uvicorn"]).url("/plaintext") == "http://127.0.0.1:8443/plaintext"
    assert Bare(SPECS["uvicorn"]).client_context() is None
    secure = Bare(secured(SPECS["uvicorn"], CERT))
    assert secure.url("/plaintext") == "https://127.0.0.1:8443/plaintext"
    assert secure.url("/ws", "ws") == "ws://127.0.0.1:8443/ws"


def test_warm_up_loads_each_protocol_the_starts_rows_use(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    from harness import main

    calls = []

    def fake(tool: str):
        def run(url: str, *args: object, **kwargs: object) -> LoadResult:
            calls.append((tool, url))
            return LoadResult(1000, 3.0, 1.0, 2.0, 0)
        return run

    monkeypatch.setattr(main, "run_wrk", fake("wrk"))
    monkeypatch.setattr(main, "run_h2load", fake("h2load"))

    class Bare(RunningServer):
        def __init__(self, spec: ServerSpec) -> None:
            self.spec, self.port = spec, 8443

        @property
        def pid(self) -> int:
            return os.getpid()  # this very process stands for the server whose CPU is read

    rows = {row.key: row for row in main.ROWS}
    plan = make_plan(parse_args(["--server-warmup", "3", "--server-warmup-max", "3"]))
    server = Bare(secured(SPECS["granian-rsgi"], CERT))
    url = "https://127.0.0.1:8443/plaintext"
    for speaks_h2, chosen, expected in [
        (True, ["https-plaintext", "https-h2-get"], [("wrk", url), ("h2load", url)]),
        (True, ["https-h2-get"], [("h2load", url)]),
        (False, ["https-plaintext", "https-h2-get"], [("wrk", url)]),  # not built: its row says so
    ]:
        calls.clear()
        monkeypatch.setattr(main, "_speaks_h2", lambda _server: speaks_h2)
        main.warm_up(server, [rows[key] for key in chosen], plan, tmp_path / "c.log", "test")
        assert calls == expected
    calls.clear()
    main.warm_up(server, [rows["https-plaintext"]], make_plan(parse_args(["--server-warmup", "0"])),
                 tmp_path / "c.log", "test")
    assert calls == []


@pytest.mark.parametrize("costs, minimum, maximum, spent, slices", [
    ([300, 120, 60, 40, 38, 37], 5, 40, 12, 6),  # a JIT settling: stops once 40, 38, 37 agree
    ([1116, 199, 249, 150, 138, 60, 40, 30, 28, 27], 5, 40, 20, 10),  # a pause fools no pair
    ([30, 29, 30], 5, 40, 6, 3),  # steady from the start: stops after the minimum
    ([300, 200, 100, 50, 25, 12], 2, 8, 8, 4),  # never steady: stops at the maximum
    ([30], 2, 2, 2, 1),  # quick mode: one slice of the minimum, nothing more
])
def test_warm_up_goes_on_until_cpu_per_request_is_steady(costs: list, minimum: int, maximum: int,
                                                         spent: int, slices: int) -> None:
    from harness.main import until_steady

    asked = []

    def load(seconds: float) -> tuple:
        asked.append(seconds)
        return 1000, costs[len(asked) - 1] * 1000 / 1e6  # 1000 requests at that many µs each

    assert until_steady(load, minimum, maximum) == (spent, pytest.approx(costs[:slices]))
    assert sum(asked) == spent
