"""Every host serving the conformance application fails no feature of the kit, and
docs/conformance.md is what the generator makes of a fresh run."""
from __future__ import annotations

import pytest

from conformance_hosts import HOSTS, Host
from conftest import Graded, unavailable
from run_hosts import DOC, render


@pytest.mark.parametrize("host", HOSTS, ids=[host.name for host in HOSTS])
def test_host_fails_no_feature(graded: Graded, host: Host) -> None:
    result = graded.of(host)
    if result.get("error"):
        unavailable(f"{host.name} could not be graded: {result['error']}")
    failures = {row["id"]: row["reason"] for row in result["results"] if row["grade"] == "fail"}
    assert failures == {}, f"{host.name} fails: " + "; ".join(f"{k}: {v}" for k, v in failures.items())


def test_docs_conformance_md_matches_a_fresh_run(graded: Graded) -> None:
    fresh = render(graded.every_host())
    committed = DOC.read_text() if DOC.exists() else ""
    assert committed == fresh, (
        "docs/conformance.md differs from what a fresh run gives: run scripts/conformance and "
        "commit the file it writes"
    )
