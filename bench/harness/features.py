"""Which of the rows' features the wsging server under test has, where that is known before it
starts: TLS, from its own usage text. HTTP/2 is found on the running server instead (the answer
check of an HTTP/2 row raises h2client.NotHttp2 when the server does not speak it)."""

from __future__ import annotations

import functools
import os
import subprocess
from typing import List, Optional

from harness.servers import REPO_DIR, java_home, wsging_base


def usage_lacks(usage: str, option: str) -> bool:
    """True when `option` is not among the options the usage text lists (each at a line start)."""
    return not any(line.lstrip().startswith(option + " ") or line.strip() == option
                   for line in usage.splitlines())


@functools.lru_cache(maxsize=None)
def _usage(argv: tuple) -> str:
    env = dict(os.environ, WSGING_HOME=str(REPO_DIR))
    env.setdefault("JAVA_HOME", str(java_home()))
    try:
        done = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=900, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {argv[0]}: {exc}"
    return done.stdout


def tls_missing(base: Optional[List[str]] = None) -> Optional[str]:
    """Why wsging cannot serve the TLS rows, or None when its usage lists --certfile."""
    argv = tuple((base or wsging_base()) + ["serve", "--help"])
    usage = _usage(argv)
    if usage_lacks(usage, "--certfile") or usage_lacks(usage, "--keyfile"):
        return "no TLS: `wsging serve --help` lists no --certfile/--keyfile"
    return None
