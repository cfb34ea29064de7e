"""The virtualenv of the ASGI framework apps under apps/asgi_frameworks (Quart, Django), made
from their requirements.txt as the example projects' are (example_venvs.py): the workers run
with its interpreter (`--python`), so nothing the tests need hides in the test environment."""
from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).resolve().parent / "apps" / "asgi_frameworks" / "requirements.txt"
VENV = ROOT / "target" / "venvs" / "asgi-frameworks"


def frameworks_python() -> Path:
    """The interpreter of target/venvs/asgi-frameworks, made or brought up to date first."""
    python = VENV / "bin" / "python"
    stamp = VENV / "requirements.txt"
    if python.exists() and stamp.exists() and filecmp.cmp(REQUIREMENTS, stamp, shallow=False):
        return python
    base = shutil.which("python3") or sys.executable
    if not python.exists():
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
        check=True,
        timeout=600,
    )
    shutil.copyfile(REQUIREMENTS, stamp)
    return python
