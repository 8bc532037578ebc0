"""Benchmark 1: DAG-parse cost of importing the operators and sensors, beside the HTTP and dbt Cloud providers.

Each sample is a fresh interpreter that first imports ``from airflow.sdk import DAG, BaseOperator`` (what every
DAG file pays anyway), then times only the import under test. Targets are interleaved, one warm-up round
(byte-compiles everything) is discarded, and one extra ``-X importtime`` run per target names the modules that
cost the most. Then each of our operator and sensor modules is imported alone, the way a DAG file that uses one
of them pays for it.

    python -m bench.parse_cost --runs 11 --module-runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from typing import Any

from bench._common import ROOT, emit, scratch_dir, setup_airflow_env, stats


def our_modules() -> list[str]:
    from airflow_provider_supabase import get_provider_info

    info = get_provider_info()
    modules = [m for group in info["operators"] for m in group["python-modules"]]
    modules += [m for group in info["sensors"] for m in group["python-modules"]]
    return modules


def present(modules: list[str]) -> tuple[list[str], list[str]]:
    import importlib.util

    found, missing = [], []
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        (found if spec is not None else missing).append(name)
    return found, missing


OURS = "airflow_provider_supabase (all operators + sensors)"


def targets() -> dict[str, list[str]]:
    found, _ = present(our_modules())
    return {
        OURS: found,
        "HttpOperator (apache-airflow-providers-http)": ["airflow.providers.http.operators.http"],
        "DbtCloudRunJobOperator (apache-airflow-providers-dbt-cloud)": ["airflow.providers.dbt.cloud.operators.dbt"],
    }


ATTRS = {
    "airflow.providers.http.operators.http": "HttpOperator",
    "airflow.providers.dbt.cloud.operators.dbt": "DbtCloudRunJobOperator",
}

_CHILD = r"""
import json, sys, time
modules, attrs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
t0 = time.perf_counter()
from airflow.sdk import DAG, BaseOperator
t1 = time.perf_counter()
before = set(sys.modules)
for name in modules:
    __import__(name)  # not importlib.import_module: -X importtime only sees the import statement's path
    if name in attrs:
        getattr(sys.modules[name], attrs[name])
t2 = time.perf_counter()
new = sorted(set(sys.modules) - before)
tops = sorted({m.split(".")[0] for m in new})
print(json.dumps({"base_ms": (t1 - t0) * 1e3, "incremental_ms": (t2 - t1) * 1e3, "new_modules": len(new),
                  "new_top_level": tops}))
"""


def _child_env(pycache: str, cold: bool) -> dict[str, str]:
    """Warm: byte-code cached under ``pycache`` (what a deployed Airflow sees after its first parse).
    Cold: no byte-code read or written, every module compiled from source on each import."""
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONPYCACHEPREFIX"] = pycache
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def sample(modules: list[str], pycache: str, cold: bool = False, importtime: bool = False) -> dict[str, Any]:
    cmd = [sys.executable]
    if importtime:
        cmd += ["-X", "importtime"]
    cmd += ["-c", _CHILD, json.dumps(modules), json.dumps(ATTRS)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_child_env(pycache, cold), timeout=120, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"import of {modules} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if importtime:
        result["importtime_top"] = _importtime_top(proc.stderr, modules)
    return result


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def _importtime_top(stderr: str, modules: list[str], count: int = 8) -> list[dict[str, Any]]:
    """The costliest imports made after airflow.sdk was already loaded, by self time (and cumulative)."""
    rows = [(int(m[1]), int(m[2]), len(m[3]), m[4]) for m in _LINE.finditer(stderr)]
    # Lines are printed when each import finishes; everything after the airflow.sdk line is ours.
    start = max((i for i, r in enumerate(rows) if r[3] == "airflow.sdk"), default=-1) + 1
    tail = rows[start:]
    by_self = sorted(tail, key=lambda r: r[0], reverse=True)[:count]
    return [{"module": r[3], "self_ms": round(r[0] / 1e3, 2), "cumulative_ms": round(r[1] / 1e3, 2)} for r in by_self]


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "incremental_ms": stats((r["incremental_ms"] for r in rows), 1),
        "airflow_sdk_import_ms": stats((r["base_ms"] for r in rows), 1),
        "new_modules": rows[-1]["new_modules"],
        "new_top_level_packages": rows[-1]["new_top_level"],
    }


def run(runs: int = 7, cold_runs: int = 3, module_runs: int = 3) -> dict[str, Any]:
    home = setup_airflow_env()
    warm_cache, cold_cache = str(home / "pycache-warm"), scratch_dir("supabase-bench-nopyc-")
    found, missing = present(our_modules())
    plan = targets()
    for modules in plan.values():  # warm-up: byte-compile into the warm cache, fill the page cache
        sample(modules, warm_cache)
    warm: dict[str, list[dict[str, Any]]] = {name: [] for name in plan}
    cold: dict[str, list[dict[str, Any]]] = {name: [] for name in plan}
    for _ in range(runs):
        for name, modules in plan.items():
            warm[name].append(sample(modules, warm_cache))
    for _ in range(cold_runs):
        for name, modules in plan.items():
            cold[name].append(sample(modules, cold_cache, cold=True))
    alone: dict[str, list[dict[str, Any]]] = {module: [] for module in found}
    for _ in range(module_runs):
        for module in found:
            alone[module].append(sample([module], warm_cache))
    out: dict[str, Any] = {
        "benchmark": "parse_cost",
        "command": f"python -m bench.parse_cost --runs {runs} --cold-runs {cold_runs} --module-runs {module_runs}",
        "our_modules_imported": found,
        "our_modules_missing": missing,
        "results": {},
        "results_no_bytecode_cache": {},
    }
    for name in plan:
        out["results"][name] = _summary(warm[name])
        out["results"][name]["importtime_top_self"] = sample(plan[name], warm_cache, importtime=True)["importtime_top"]
        if cold[name]:
            out["results_no_bytecode_cache"][name] = _summary(cold[name])
    # One module alone: what a DAG file using one of our operators or sensors pays (its dependencies included).
    out["per_module"] = {
        module: {
            "incremental_ms": stats((r["incremental_ms"] for r in rows), 1),
            "new_modules": rows[-1]["new_modules"],
        }
        for module, rows in alone.items()
        if rows
    }
    ours = out["results"][OURS]["incremental_ms"]["median"]
    out["summary"] = {name: r["incremental_ms"]["median"] for name, r in out["results"].items()}
    out["target"] = "ours <= 20 ms (median incremental import time, byte-code cached)"
    out["met"] = ours <= 20.0 and not missing
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--module-runs", type=int, default=3, help="runs of each module imported alone")
    parser.add_argument("--output", help="write the JSON result here instead of printing it")
    args = parser.parse_args()
    emit(run(args.runs, args.cold_runs, args.module_runs), args.output)


if __name__ == "__main__":
    main()
