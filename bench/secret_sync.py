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
import time
from collections import Counter
from typing import Any

from bench._common import emit, set_supabase_conn, setup_airflow_env, stats

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


def _warm_up(emu: Any, org_slug: str, conn_id: str, operator_class: Any, safeguard: Any) -> None:
    """One untimed sync first, so the timings exclude imports and the one-off connection lookup."""
    ref = emu.call("seed_project", "secrets-warm-up", org_slug)["ref"]
    operator = operator_class(
        task_id="warm_up", project_ref=ref, secrets={"WARM": "up-value"}, supabase_conn_id=conn_id
    )
    operator.execute({}, **{f"{operator_class.__name__}__sentinel": safeguard.sentinel_value})


def run(reps: int = 5, sizes: tuple[int, ...] = (10, 100, 1000)) -> dict[str, Any]:
    setup_airflow_env()
    from bench._servers import EmulatorProcess

    with EmulatorProcess(rate_limit=10_000_000) as emu:
        conn_id = set_supabase_conn(emu.url, conn_id="bench_secrets")
        from airflow.sdk.bases.operator import ExecutorSafeguard

        from airflow_provider_supabase.hooks.supabase import SupabaseHook
        from airflow_provider_supabase.operators.secrets import SyncSecretsOperator

        checker = SupabaseHook(conn_id)
        org = emu.call("seed_organization", "bench-org")
        _warm_up(emu, org["slug"], conn_id, SyncSecretsOperator, ExecutorSafeguard)
        times: dict[tuple[int, str], list[float]] = {}
        counts: dict[tuple[int, str], list[int]] = {}
        methods: dict[tuple[int, str], Counter] = {}
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
                    since = len(emu.records())
                    start = time.perf_counter()
                    # The sentinel is what Airflow's task runner passes; without it execute() warns it is
                    # being called outside the runner (and the warning would be timed too).
                    operator.execute({}, **{f"{type(operator).__name__}__sentinel": ExecutorSafeguard.sentinel_value})
                    elapsed = time.perf_counter() - start
                    sent = emu.records(since)
                    if any(status is None or status >= 400 for _, _, status, _ in sent):
                        raise AssertionError(f"{scenario} N={n}: failed requests {sent}")
                    times.setdefault((n, scenario), []).append(elapsed * 1e3)
                    counts.setdefault((n, scenario), []).append(len(sent))
                    methods[(n, scenario)] = Counter(f"{m} {t}" for m, t, _, _ in sent)
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
            worst_requests[scenario] = max(worst_requests.get(scenario, 0), max(counts[key]))
            out["results"].append(
                {
                    "n": n,
                    "scenario": scenario,
                    "requests": sorted(set(counts[key])),
                    "request_kinds": dict(methods[key]),
                    "ms": stats(times[key], 2),
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
