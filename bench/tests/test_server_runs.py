"""Which server starts measure which rows: wsging serves the WSGI row through its shim."""

from __future__ import annotations

from harness.main import make_plan, parse_args, round_order, server_runs
from harness.servers import SPECS, serving

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


def test_only_wsging_can_serve_another_app() -> None:
    assert serving(SPECS["wsging"], "x:app").key == "wsging"
    with pytest.raises(ValueError):
        serving(SPECS["gunicorn"], "x:app")


def test_even_rounds_run_the_servers_in_reverse() -> None:
    servers = ["wsging", "granian-rsgi", "uvicorn"]
    assert round_order(servers, 1) == servers
    assert round_order(servers, 2) == ["uvicorn", "granian-rsgi", "wsging"]
    assert round_order(servers, 3) == servers
