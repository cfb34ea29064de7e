"""The details printed above the results: machine, toolchain, peer versions, date."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata
from typing import Dict, List

from harness.servers import REPO_DIR, java_home

PEERS = ("granian", "uvicorn", "uvloop", "httptools", "hypercorn", "gunicorn", "websockets")


def _first_line(argv: List[str]) -> str:
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    lines = done.stdout.strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peer_versions() -> Dict[str, str]:
    versions = {}
    for name in PEERS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def wsging_revision() -> str:
    revision = _first_line(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"])
    changes = subprocess.run(["git", "-C", str(REPO_DIR), "status", "--porcelain"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             check=False).stdout.strip()
    return f"{revision} (with uncommitted changes)" if changes else revision


def _chosen_jar() -> str:
    jar = os.environ.get("BENCH_WSGING_JAR")
    if not jar:
        return ""
    built = datetime.datetime.fromtimestamp(os.path.getmtime(jar), datetime.timezone.utc)
    return f", server jar given in BENCH_WSGING_JAR, built {built:%Y-%m-%d %H:%M} UTC"


def describe(settings: Dict[str, str]) -> Dict[str, str]:
    versions = peer_versions()
    details = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu_model()}, {os.cpu_count()} cores",
        "kernel": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]} "
                  "(servers, workers and the WebSocket client alike)",
        "Java": _first_line([str(java_home() / "bin" / "java"), "-version"]),
        "wsging": wsging_revision() + _chosen_jar(),
        "peers": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "load generators": f"{_first_line(['wrk', '-v'])}; {_first_line(['h2load', '--version'])}",
    }
    details.update(settings)
    return details
