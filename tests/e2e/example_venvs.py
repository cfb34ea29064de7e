"""Virtualenvs of the example projects: each project under examples/ that has a
requirements.txt is served with an interpreter of its own (`--python`), as its users would do,
so a dependency the project forgot shows up here instead of hiding in the test environment."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VENVS = ROOT / "target" / "venvs"


def example_python(project: str) -> Path:
    """The interpreter of examples/PROJECT's virtualenv (target/venvs/PROJECT), made or brought
    up to date with the project's requirements.txt first."""
    requirements = EXAMPLES / project / "requirements.txt"
    if not requirements.is_file():
        raise AssertionError(f"{requirements} is missing")
    venv = VENVS / project
    python = venv / "bin" / "python"
    stamp = venv / "requirements.txt"
    if python.exists() and stamp.exists() and filecmp.cmp(requirements, stamp, shallow=False):
        return python
    base = shutil.which("python3") or sys.executable
    if not python.exists():
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(requirements)],
        check=True,
        timeout=600,
    )
    shutil.copyfile(requirements, stamp)
    return python
