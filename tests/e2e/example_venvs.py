"""Virtualenvs of the example projects and of the framework apps the tests serve: each is
served with an interpreter of its own (`--python`), as its users would do, so a dependency it
forgot shows up here instead of hiding in the test environment."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VENVS = ROOT / "target" / "venvs"


def venv_python(requirements: Path, name: str) -> Path:
    """The interpreter of target/venvs/NAME, made or brought up to date with `requirements`
    first (a copy of the file in the virtualenv records what it was made from)."""
    if not requirements.is_file():
        raise AssertionError(f"{requirements} is missing")
    venv = VENVS / name
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


def example_python(project: str) -> Path:
    """The interpreter of examples/PROJECT's virtualenv (target/venvs/PROJECT)."""
    return venv_python(EXAMPLES / project / "requirements.txt", project)
