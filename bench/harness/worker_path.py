"""bench/worker-path: the worker's CPU per request from REQUEST frames to encoded responses, in
process, with no front end and no socket: batches of GET frames are fed to a WorkerSession over
an in-memory transport, as the front end's reads would arrive, and every response is encoded.

Each measurement runs in a fresh interpreter, alternately with the link codec's C accelerator
and without it (WSGING_PURE_PYTHON=1), and reports the process CPU time per request; the
summary gives each side's median and range, and their ratio."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

REPO_DIR = Path(__file__).resolve().parents[2]

# Runs in the child interpreter: prints {"accelerated": bool, "us": [per-round µs/request]}.
CHILD = r"""
import asyncio, json, sys, time
from wsging import Response
from wsging.testing.memory_link import MemoryTransport
from wsging.worker import link
from wsging.worker.dispatch import Dispatcher, ThreadPool
from wsging.worker.runtime import new_event_loop
from wsging.worker.session import WorkerSession

batch_size, batches, rounds = (int(x) for x in sys.argv[1:4])
loop = new_event_loop()
asyncio.set_event_loop(loop)

async def app(request):
    return Response(b"Hello, world!", content_type="text/plain")

session = WorkerSession(Dispatcher(app, is_async=True, pool=ThreadPool(2), loop=loop),
                        loop=loop, worker_id=1, max_streams=batch_size)
written = []
session.connection_made(MemoryTransport(loop, session, written.append))
session.data_received(link.encode_hello(((link.SETTING_INITIAL_WINDOW, 262144),)))
headers = [(b"host", b"localhost"), (b"user-agent", b"h2load nghttp2/1.52.0"), (b"accept", b"*/*")]
data = [b"".join(link.encode_request(link.RequestFrame(
    stream, link.END_STREAM, "2", b"http", b"GET", b"/plaintext", b"", b"127.0.0.1", 40000,
    b"127.0.0.1", 8000, -1, 0x03, headers)) for stream in range(1, 2 * batch_size, 2))]

async def run():
    for _ in range(batches):
        session.data_received(data[0])
        await asyncio.sleep(0)  # the loop turn that flushes the responses
        written.clear()

loop.run_until_complete(run())  # warm-up
results = []
for _ in range(rounds):
    started = time.process_time()
    loop.run_until_complete(run())
    results.append((time.process_time() - started) / (batches * batch_size) * 1e6)
print(json.dumps({"accelerated": link.ACCELERATED, "us": results}))
"""


def measure(python: str, pure: bool, batch_size: int, batches: int, rounds: int) -> Dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(REPO_DIR / "python" / "src"))
    env.pop("WSGING_PURE_PYTHON", None)
    if pure:
        env["WSGING_PURE_PYTHON"] = "1"
    out = subprocess.run([python, "-c", CHILD, str(batch_size), str(batches), str(rounds)],
                         env=env, capture_output=True, text=True, check=True)
    result: Dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/worker-path", description=__doc__)
    parser.add_argument("--python", default=str(REPO_DIR / ".venv" / "bin" / "python"),
                        help="the worker interpreter (default: the project's .venv)")
    parser.add_argument("--runs", type=int, default=3, help="interpreters per side, alternated")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds in each interpreter")
    parser.add_argument("--batches", type=int, default=2000, help="reads per round")
    parser.add_argument("--batch-size", type=int, default=37, help="REQUEST frames per read")
    args = parser.parse_args(argv)
    sides: Dict[str, List[float]] = {"C accelerator": [], "Python codec": []}
    for _ in range(args.runs):
        for name, pure in (("C accelerator", False), ("Python codec", True)):
            result = measure(args.python, pure, args.batch_size, args.batches, args.rounds)
            if result["accelerated"] == pure:
                print(f"bench/worker-path: the accelerator is {'not ' if not pure else ''}loaded "
                      f"where {name} is measured (build it: ./wsging builds it for .venv)",
                      file=sys.stderr)
                return 2
            sides[name] += [float(x) for x in result["us"]]  # type: ignore[attr-defined]
    for name, values in sides.items():
        print(f"{name}: {statistics.median(values):.2f} µs/request "
              f"({min(values):.2f}-{max(values):.2f}, {len(values)} rounds)")
    ratio = statistics.median(sides["C accelerator"]) / statistics.median(sides["Python codec"])
    print(f"C accelerator / Python codec: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
