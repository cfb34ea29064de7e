"""Running curl as an independent client, with every run bounded."""
from __future__ import annotations

import re
import subprocess
from typing import List, Sequence, Tuple

from conftest import require_tool

# After each transfer curl prints this line (see --write-out), so bodies and per-transfer
# facts can be told apart in one output.
WRITE_OUT = r"\n@@status=%{http_code} connects=%{num_connects}@@\n"
_TRANSFER = re.compile(rb"(.*?)\n@@status=(\d+) connects=(\d+)@@\n", re.S)


def curl(args: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [require_tool("curl"), "-sS", "--max-time", str(int(timeout)), *args],
        capture_output=True,
        timeout=timeout + 10,
    )


def transfers(args: Sequence[str], timeout: float = 60) -> Tuple[List[Tuple[bytes, int, int]], str]:
    """Runs curl -v over one or more URLs: [(body, status, new connections)], verbose log."""
    done = curl(["-v", "-w", WRITE_OUT, *args], timeout)
    assert done.returncode == 0, f"curl failed ({done.returncode}): {done.stderr.decode(errors='replace')}"
    found = [(body, int(status), int(connects)) for body, status, connects in _TRANSFER.findall(done.stdout)]
    return found, done.stderr.decode(errors="replace")
