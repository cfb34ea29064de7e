"""The conformance suite: every host of tests/conformance/conformance_hosts.py serves the
conformance application and is graded by the kit, each host once per session."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance_hosts import HOSTS, Host
from run_hosts import run_host

# One host's start, run and stop take seconds; a host that hangs is cut off by the kit's own
# timeout (run_hosts.KIT_TIMEOUT) before this.
TEST_TIMEOUT = 600


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT))


class Graded:
    """Each host's results, made on first use."""

    def __init__(self, results: Path) -> None:
        self.results = results
        self.by_host: Dict[str, Dict[str, Any]] = {}

    def of(self, host: Host) -> Dict[str, Any]:
        if host.name not in self.by_host:
            self.by_host[host.name] = run_host(host, self.results)
        return self.by_host[host.name]

    def every_host(self) -> List[Dict[str, Any]]:
        return [self.of(host) for host in HOSTS]


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    return Graded(tmp_path_factory.mktemp("conformance"))


def unavailable(reason: str) -> None:
    """A host that cannot run here fails under CI=true (CI installs every host), else skips."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
