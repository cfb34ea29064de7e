"""WebSocket echo load generator (RFC 6455): N connections, one message in flight on each.

Run as `python -m harness.wsclient URL --connections N --duration S --warmup S --size B`. Every
connection sends a binary message, waits for its echo, checks the bytes and sends the next,
for warmup + duration seconds; only round trips that start after the warm-up are counted. It
prints one line `WS_RESULT {json}` that harness/load.py parses.

It is one Python process on one core (the `websockets` library on uvloop when importable), so
for the fastest servers the client, not the server, may be the limit; the doc says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import List

from websockets.asyncio.client import connect

from harness.load import percentile


class Tally:
    def __init__(self) -> None:
        self.latencies_us: List[int] = []
        self.errors = 0
        self.mismatches = 0


async def _one_connection(url: str, payload: bytes, start_counting: float, stop: float,
                          tally: Tally) -> None:
    try:
        async with connect(url, compression=None, max_size=None, ping_interval=None) as ws:
            while True:
                began = time.perf_counter()
                if began >= stop:
                    return
                await ws.send(payload)
                echoed = await ws.recv()
                ended = time.perf_counter()
                if echoed != payload:
                    tally.mismatches += 1
                if began >= start_counting:
                    tally.latencies_us.append(int((ended - began) * 1_000_000))
    except Exception:  # noqa: BLE001 - a failed connection is counted and reported, not fatal
        tally.errors += 1


async def _run(url: str, connections: int, duration: float, warmup: float, size: int) -> dict:
    payload = os.urandom(size)
    tally = Tally()
    now = time.perf_counter()
    start_counting = now + warmup
    stop = start_counting + duration
    await asyncio.gather(*(_one_connection(url, payload, start_counting, stop, tally)
                           for _ in range(connections)))
    latencies = sorted(tally.latencies_us)
    return {
        "messages": len(latencies),
        "duration_us": int(duration * 1_000_000),
        "errors": tally.errors,
        "mismatches": tally.mismatches,
        "latency_us": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="wsclient")
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args(argv)
    run = asyncio.run
    try:
        import uvloop
        run = uvloop.run
    except ImportError:
        pass
    result = run(_run(args.url, args.connections, args.duration, args.warmup, args.size))
    print("WS_RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
