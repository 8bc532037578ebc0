"""Run every benchmark, each in its own interpreter, and write ``bench/results.json``.

    python -m bench.run_all            # what ``make bench`` runs
    python -m bench.run_all --quick    # small counts, for checking the harness only (numbers mean little)

Before starting, waits (at most ``--max-load-wait`` seconds) for the 1-minute load average to drop below
``--load-threshold``, since other work on a small machine skews every timing; the load seen before each
benchmark is recorded with its result.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import ROOT, loadavg, machine_info

FULL: dict[str, list[str]] = {
    "parse_cost": ["--runs", "11", "--cold-runs", "3", "--module-runs", "3"],
    "call_overhead": ["--reps", "5", "--calls", "1000"],
    "secret_sync": ["--reps", "5", "--sizes", "10,100,1000"],
    "rate_limit": ["--reps", "3", "--calls", "300", "--limit", "20", "--window", "2"],
    "triggerer_scale": ["--triggers", "500", "--poll-interval", "1", "--duration", "20"],
    "triggerer_scale_branch": ["--kind", "branch", "--triggers", "200", "--poll-interval", "1", "--duration", "20"],
    "database_query": ["--reps", "3", "--queries", "300", "--projects", "10"],
    "migrations": ["--reps", "3", "--files", "200"],
    "config_noop": ["--reps", "5", "--auth-fields", "5,40"],
}
QUICK: dict[str, list[str]] = {
    "parse_cost": ["--runs", "2", "--cold-runs", "1", "--module-runs", "1"],
    "call_overhead": ["--reps", "2", "--calls", "200"],
    "secret_sync": ["--reps", "2", "--sizes", "10,100"],
    "rate_limit": ["--reps", "1", "--calls", "60", "--limit", "20", "--window", "2"],
    "triggerer_scale": ["--triggers", "100", "--poll-interval", "1", "--duration", "6"],
    "triggerer_scale_branch": ["--kind", "branch", "--triggers", "40", "--poll-interval", "1", "--duration", "6"],
    "database_query": ["--reps", "1", "--queries", "30", "--projects", "3"],
    "migrations": ["--reps", "1", "--files", "20"],
    "config_noop": ["--reps", "1", "--auth-fields", "5"],
}
# Entries that run another entry's module with other arguments.
MODULES: dict[str, str] = {"triggerer_scale_branch": "triggerer_scale"}


def wait_for_quiet(threshold: float, max_wait: float) -> dict[str, Any]:
    start = time.monotonic()
    first = loadavg()
    while loadavg()[0] > threshold and time.monotonic() - start < max_wait:
        time.sleep(10)
    return {"load_at_start": first, "waited_s": round(time.monotonic() - start), "load_after_wait": loadavg()}


def run_one(name: str, args: list[str], scratch: str) -> dict[str, Any]:
    output = Path(scratch) / f"{name}.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SUPABASE_BENCH_AIRFLOW_HOME"] = str(Path(scratch) / "airflow-home")
    load = loadavg()
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{MODULES.get(name, name)}", *args, "--output", str(output)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )
    elapsed = time.monotonic() - start
    if proc.returncode != 0 or not output.exists():
        tail = "\n".join(proc.stdout.splitlines()[-40:])
        return {"benchmark": name, "error": f"exit {proc.returncode}", "output_tail": tail, "elapsed_s": elapsed}
    result = json.loads(output.read_text())
    result["loadavg_before"] = load
    result["elapsed_s"] = round(elapsed, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts: checks the harness, not the numbers")
    parser.add_argument("--only", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--load-threshold", type=float, default=1.0)
    parser.add_argument("--max-load-wait", type=float, default=60.0)
    args = parser.parse_args()

    plan = QUICK if args.quick else FULL
    names = args.only.split(",") if args.only else list(plan)
    quiet = wait_for_quiet(args.load_threshold, args.max_load_wait)
    results: dict[str, Any] = {
        "command": "make bench  (= .venv-bench/bin/python -m bench.run_all" + (" --quick" if args.quick else "") + ")",
        "machine": machine_info(),
        "load": quiet,
        "benchmarks": {},
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="supabase-bench-") as scratch:
        for name in names:
            print(f"[bench] {name} {' '.join(plan[name])} (load {loadavg()})", flush=True)
            result = run_one(name, plan[name], scratch)
            results["benchmarks"][name] = result
            status = result.get("error") or f"met={result.get('met')}"
            print(f"[bench] {name}: {status} in {result['elapsed_s']:.0f} s", flush=True)
    results["total_elapsed_s"] = round(time.monotonic() - started, 1)
    results["load"]["load_at_end"] = loadavg()
    Path(args.output).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"[bench] wrote {args.output} after {results['total_elapsed_s']:.0f} s")
    from bench.report import render

    print(render(results))
    return 1 if any("error" in r for r in results["benchmarks"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
