"""The launcher's JDK choice (scripts/lib/env.sh), on fake JDK directories."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict, Optional

from e2e_server import ROOT


def fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    (home / "release").write_text(f'IMPLEMENTOR="test"\nJAVA_VERSION="{version}"\n')
    return home


def chosen(jvm_root: Path, java_home: Optional[Path]) -> subprocess.CompletedProcess:
    env: Dict[str, str] = {"PATH": "/usr/bin:/bin", "WSGING_JVM_ROOT": str(jvm_root)}
    if java_home is not None:
        env["JAVA_HOME"] = str(java_home)
    return subprocess.run(["bash", "-c", '. scripts/lib/env.sh && wsging_find_jdk && echo "$JAVA_HOME"'],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)


def test_newest_jdk_is_chosen_when_java_home_is_too_old(tmp_path: Path) -> None:
    old = fake_jdk(tmp_path, "jdk-17", "17.0.15")
    fake_jdk(tmp_path, "jdk-8", "1.8.0_402")
    newest = fake_jdk(tmp_path, "jdk-25", "25.0.3")
    fake_jdk(tmp_path, "jdk-21", "21.0.7")
    assert chosen(tmp_path, old).stdout.strip() == str(newest)


def test_java_home_is_kept_when_new_enough(tmp_path: Path) -> None:
    fake_jdk(tmp_path, "jdk-25", "25.0.3")
    mine = fake_jdk(tmp_path / "elsewhere", "jdk-21", "21")
    assert chosen(tmp_path, mine).stdout.strip() == str(mine)


def test_no_jdk_21_is_one_line_error(tmp_path: Path) -> None:
    fake_jdk(tmp_path, "jdk-17", "17.0.15")
    done = chosen(tmp_path, None)
    assert done.returncode != 0
    assert done.stderr.startswith("wsging: error: no JDK 21 or newer found") and done.stderr.count("\n") == 1
