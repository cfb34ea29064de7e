"""Makes the `harness` package of bench/ importable when pytest runs from anywhere."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))


def require_tool(name: str) -> None:
    """A test that runs `name` fails without it under CI=true (bench/run installs it), else skips."""
    if shutil.which(name) is None:
        message = f"{name} is not installed (bench/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
