"""Benchmark 8: ``UpdateProjectConfigOperator`` request count and wall time, first apply vs unchanged re-apply.

For each repetition, a fresh project on the real emulator (own process) gets one config with N Auth settings
(a secret, ``smtp_pass``, among them), two PostgREST settings and two Postgres settings: first applied, then
applied again unchanged. The operator's ``execute`` is called directly; requests are counted from the emulator's
log, by method and path template, and the stored config is checked against the desired one after each apply.

    python -m bench.config_noop --reps 5 --auth-fields 5,40
"""

from __future__ import annotations

import argparse
from typing import Any

from bench._common import OperatorRuns, emit, execute_directly, set_supabase_conn, setup_airflow_env, stats

SCENARIOS = ("first_apply", "unchanged_reapply")
SECTIONS = ("auth", "postgrest", "postgres")


def _auth(n: int) -> dict[str, Any]:
    """``smtp_pass`` plus ``n - 1`` string settings of the spec (mailer subjects and templates, OAuth client ids)."""
    from airflow_provider_supabase.hooks.endpoints.config import known_fields

    names = sorted(
        f
        for f in known_fields("auth")
        if f.startswith(("mailer_subjects_", "mailer_templates_")) or f.endswith("_client_id")
    )
    if len(names) < n - 1:
        raise ValueError(f"at most {len(names) + 1} Auth settings in this benchmark")
    return {"smtp_pass": "bench-smtp-password-0123", **{name: f"bench {name}" for name in names[: n - 1]}}


def _config(n: int) -> dict[str, dict[str, Any]]:
    return {
        "auth": _auth(n),
        "postgrest": {"db_schema": "public,api", "max_rows": 500},
        "postgres": {"statement_timeout": "60s", "work_mem": "8MB"},
    }


def _check_state(hook: Any, ref: str, wanted: dict[str, dict[str, Any]]) -> None:
    from airflow_provider_supabase.config_rules import is_secret_field, secret_digest

    for section, fields in wanted.items():
        current = getattr(hook, f"get_{section}_config")(ref)
        for name, value in fields.items():
            expected = secret_digest(value) if is_secret_field(name) else value
            if current.get(name) != expected:
                raise AssertionError(f"project {ref}: {section}.{name} differs from the desired config")


def run(reps: int = 5, auth_fields: tuple[int, ...] = (5, 40)) -> dict[str, Any]:
    setup_airflow_env()
    from bench._servers import EmulatorProcess

    with EmulatorProcess(rate_limit=10_000_000, project_ready_seconds=0) as emu:
        conn_id = set_supabase_conn(emu.url, conn_id="bench_config")
        from airflow_provider_supabase.hooks.supabase import SupabaseHook
        from airflow_provider_supabase.operators.config import UpdateProjectConfigOperator

        checker = SupabaseHook(conn_id)
        org = emu.call("seed_organization", "bench-org")
        # One untimed apply first, so the timings exclude imports and the one-off connection lookup.
        warm = emu.call("seed_project", "config-warm-up", org["slug"])["ref"]
        execute_directly(
            UpdateProjectConfigOperator(task_id="warm_up", project_ref=warm, supabase_conn_id=conn_id, **_config(2))
        )
        runs = OperatorRuns(emu)
        for n in auth_fields:
            for rep in range(reps):
                ref = emu.call("seed_project", f"config-{n}-{rep}", org["slug"])["ref"]
                wanted = _config(n)
                for scenario in SCENARIOS:
                    operator = UpdateProjectConfigOperator(
                        task_id=f"config_{n}_{rep}_{scenario}", project_ref=ref, supabase_conn_id=conn_id, **wanted
                    )
                    runs.execute((n, scenario), operator)
                    _check_state(checker, ref, wanted)
        checker.close()

    out: dict[str, Any] = {
        "benchmark": "config_noop",
        "command": f"python -m bench.config_noop --reps {reps} --auth-fields {','.join(map(str, auth_fields))}",
        "results": [],
    }
    for n in auth_fields:
        for scenario in SCENARIOS:
            key = (n, scenario)
            writes = sum(c for kind, c in runs.kinds[key].items() if not kind.startswith("GET "))
            out["results"].append(
                {
                    "auth_fields": n,
                    "scenario": scenario,
                    "requests": sorted(set(runs.counts[key])),
                    "writes": writes,
                    "request_kinds": dict(runs.kinds[key]),
                    "ms": stats(runs.times_ms[key], 2),
                }
            )
    unchanged = [r for r in out["results"] if r["scenario"] == "unchanged_reapply"]
    out["target"] = "an unchanged config costs 1 GET per section and 0 writes"
    out["met"] = all(
        r["writes"] == 0 and r["requests"] == [len(SECTIONS)] and all(c == 1 for c in r["request_kinds"].values())
        for r in unchanged
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--auth-fields", default="5,40")
    parser.add_argument("--output", help="write the JSON result here instead of printing it")
    args = parser.parse_args()
    emit(run(args.reps, tuple(int(s) for s in args.auth_fields.split(","))), args.output)


if __name__ == "__main__":
    main()
