"""The virtualenv that serves applications by default (.venv, made by the launcher) holds the
worker's optional speed-up and nothing the tests use: a framework an application needs comes
from the application's own virtualenv (`--python`), so a test cannot pass only because the
test environment happened to have it."""
from __future__ import annotations

import json
import subprocess

import pytest

from e2e_server import ROOT

pytestmark = pytest.mark.usefixtures("server_built")  # makes .venv with the launcher's own steps

# pip's own packages and uvloop, which the launcher installs when it can.
ALLOWED = {"pip", "setuptools", "wheel", "uvloop"}


def test_the_serving_virtualenv_has_nothing_but_the_workers_own_packages() -> None:
    listed = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=json"],
                            capture_output=True, text=True, timeout=120, check=True)
    installed = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert installed <= ALLOWED, f"installed beyond the worker's own: {sorted(installed - ALLOWED)}"
