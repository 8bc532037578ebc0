"""Benchmark 3: ``SyncSecretsOperator`` request count and wall time for N = 10, 100, 1,000 secrets.

For each N and repetition, a fresh project on the real emulator (own process) goes through three syncs with
``prune=True``: the first sync, an unchanged re-sync, and a sync where 10 % of the values changed and another
10 % of the names were dropped (so pruned). The operator's ``execute`` is called directly; requests are counted
from the emulator's log and the end state is checked against the desired mapping after every sync.

    python -m bench.secret_sync --reps 5 --sizes 10,100,1000
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import secrets as secrets_module
from typing import Any

from bench._common import OperatorRuns, emit, execute_directly, set_supabase_conn, setup_airflow_env, stats

SCENARIOS = ("first_sync", "unchanged_resync", "changed_10pct_pruned_10pct")


def _desired(n: int) -> dict[str, str]:
    return {f"BENCH_SECRET_{i:05d}": secrets_module.token_urlsafe(24) for i in range(n)}


def _mutate(desired: dict[str, str]) -> dict[str, str]:
    names = sorted(desired)
    tenth = max(1, len(names) // 10)
    changed = set(names[:tenth])
    pruned = set(names[tenth : 2 * tenth])
    return {
        name: (secrets_module.token_urlsafe(24) if name in changed else value)
        for name, value in desired.items()
        if name not in pruned
    }


def _check_state(hook: Any, ref: str, desired: dict[str, str]) -> None:
    remote = {s["name"]: s["value"] for s in hook.list_secrets(ref)}
    expected = {name: hashlib.sha256(value.encode()).hexdigest() for name, value in desired.items()}
    if remote != expected:
        raise AssertionError(f"project {ref}: remote secrets differ from the desired mapping after sync")


def run(reps: int = 5, sizes: tuple[int, ...] = (10, 100, 1000)) -> dict[str, Any]:
    setup_airflow_env()
    from bench._servers import EmulatorProcess

    with EmulatorProcess(rate_limit=10_000_000) as emu:
        conn_id = set_supabase_conn(emu.url, conn_id="bench_secrets")
        from airflow_provider_supabase.hooks.supabase import SupabaseHook
        from airflow_provider_supabase.operators.secrets import SyncSecretsOperator

        checker = SupabaseHook(conn_id)
        org = emu.call("seed_organization", "bench-org")
        # One untimed sync first, so the timings exclude imports and the one-off connection lookup.
        warm = emu.call("seed_project", "secrets-warm-up", org["slug"])["ref"]
        execute_directly(
            SyncSecretsOperator(
                task_id="warm_up", project_ref=warm, secrets={"WARM": "up-value"}, supabase_conn_id=conn_id
            )
        )
        runs = OperatorRuns(emu)
        for n in sizes:
            for rep in range(reps):
                ref = emu.call("seed_project", f"secrets-{n}-{rep}", org["slug"])["ref"]
                first = _desired(n)
                plan = [("first_sync", first), ("unchanged_resync", first), (SCENARIOS[2], _mutate(first))]
                for scenario, desired in plan:
                    operator = SyncSecretsOperator(
                        task_id=f"sync_{n}_{rep}_{scenario}",
                        project_ref=ref,
                        secrets=dict(desired),
                        prune=True,
                        supabase_conn_id=conn_id,
                    )
                    runs.execute((n, scenario), operator)
                    _check_state(checker, ref, desired)
        checker.close()

    out: dict[str, Any] = {
        "benchmark": "secret_sync",
        "command": f"python -m bench.secret_sync --reps {reps} --sizes {','.join(map(str, sizes))}",
        "results": [],
    }
    worst_requests: dict[str, int] = {}
    for n in sizes:
        for scenario in SCENARIOS:
            key = (n, scenario)
            worst_requests[scenario] = max(worst_requests.get(scenario, 0), max(runs.counts[key]))
            out["results"].append(
                {
                    "n": n,
                    "scenario": scenario,
                    "requests": sorted(set(runs.counts[key])),
                    "request_kinds": dict(runs.kinds[key]),
                    "ms": stats(runs.times_ms[key], 2),
                }
            )
    medians = {(r["n"], r["scenario"]): r["ms"]["median"] for r in out["results"]}
    growth = []
    for scenario in SCENARIOS:
        for small, big in itertools.pairwise(sizes):
            ratio = medians[(big, scenario)] / medians[(small, scenario)]
            growth.append(
                {"scenario": scenario, "n": f"{small}->{big}", "n_ratio": big / small, "t_ratio": round(ratio, 2)}
            )
    out["time_growth"] = growth
    linear = all(g["t_ratio"] <= g["n_ratio"] for g in growth)
    out["target"] = "<= 3 requests always, 1 when unchanged; time grows no worse than linearly in N"
    out["met"] = (
        max(worst_requests.values()) <= 3 and worst_requests["unchanged_resync"] == 1 and linear and len(sizes) > 1
    )
    out["worst_request_count"] = worst_requests
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--output", help="write the JSON result here instead of printing it")
    args = parser.parse_args()
    emit(run(args.reps, tuple(int(s) for s in args.sizes.split(","))), args.output)


if __name__ == "__main__":
    main()
