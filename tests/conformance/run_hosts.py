"""Runs the conformance kit against every host (or those named) and regenerates
docs/conformance.md from the results. Used by scripts/conformance and by
test_hosts_conform.py.

    python tests/conformance/run_hosts.py [--hosts a,b] [--results DIR] [--doc FILE]
    python tests/conformance/run_hosts.py --render-only      # the doc from saved results
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "src"))
from conformance_hosts import BY_NAME, HOSTS, ROOT, WORK, Host, HostUnavailable, RunningHost, host_env, kit_python  # noqa: E402
from wsging.conformance.table import render_markdown  # noqa: E402

DOC = ROOT / "docs" / "conformance.md"
KIT_TIMEOUT = 240  # seconds for one host's whole run (it takes a few when all is well)


def run_host(host: Host, results: Path) -> Dict[str, Any]:
    """The kit's JSON for one host, or {"host", "error"} when it could not be graded."""
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"{host.name}.json"
    out.unlink(missing_ok=True)
    try:
        with RunningHost(host, results / f"{host.name}.log") as running:
            done = subprocess.run(
                [kit_python(), "-m", "wsging.conformance", running.url, "--json", str(out),
                 "--host", host.name],
                env=host_env(), capture_output=True, text=True, timeout=KIT_TIMEOUT,
            )
            (results / f"{host.name}.txt").write_text(done.stdout + done.stderr)
    except HostUnavailable as exc:
        result: Dict[str, Any] = {"host": host.name, "error": str(exc)}
    except subprocess.TimeoutExpired:
        result = {"host": host.name, "error": f"the kit did not finish within {KIT_TIMEOUT} s"}
    else:
        if out.exists():
            result = json.loads(out.read_text())
        else:
            result = {"host": host.name, "error": "the kit wrote no results: " + done.stderr.strip()[-300:]}
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return result


def saved(results: Path, hosts: Sequence[Host]) -> List[Dict[str, Any]]:
    found = []
    for host in hosts:
        path = results / f"{host.name}.json"
        if not path.exists():
            raise SystemExit(f"no results for {host.name} in {results}: run without --render-only")
        found.append(json.loads(path.read_text()))
    return found


def render(results: Sequence[Dict[str, Any]]) -> str:
    return render_markdown(results, {host.name: host.note for host in HOSTS})


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", help="comma-separated host names (default: all)")
    parser.add_argument("--results", type=Path, default=WORK / "results")
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the table (default docs/conformance.md)")
    parser.add_argument("--render-only", action="store_true", help="only regenerate the doc from saved results")
    args = parser.parse_args(argv)
    names = args.hosts.split(",") if args.hosts else [host.name for host in HOSTS]
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown hosts: {', '.join(unknown)} (known: {', '.join(BY_NAME)})")
    hosts = [BY_NAME[name] for name in names]
    if args.render_only:
        results = saved(args.results, hosts)
    else:
        results = []
        for host in hosts:
            print(f"==> {host.name}", flush=True)
            result = run_host(host, args.results)
            results.append(result)
            print(f"<== {host.name}: " + (result.get("error") or f"{result['failed']} failed"), flush=True)
    if args.hosts and not args.render_only:
        print(f"results in {args.results}; the doc is regenerated from every host (--hosts left it as it was)")
        return 1 if any(r.get("error") or r.get("failed") for r in results) else 0
    args.doc.write_text(render(results))
    print(f"wrote {args.doc}")
    return 1 if any(r.get("error") or r.get("failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
