"""Benchmark 7: ``ApplyMigrationsOperator`` requests and wall time for N pending Supabase CLI migrations.

Each repetition starts a fresh emulator (with its PostgreSQL) in this process, writes N migration files (one
table and one index each, the CLI layout ``<version>_<name>.sql``) and calls the operator's ``execute`` twice:
with all N pending, then with nothing pending. Requests are counted from the emulator's log; after each run the
ledger (``supabase_migrations.schema_migrations``) is read back and must hold exactly the N versions.

    python -m bench.migrations --reps 3 --files 200
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import emit, execute_directly, loadavg, set_supabase_conn, setup_airflow_env, stats


def _write_files(folder: Path, n: int) -> list[str]:
    versions = []
    for i in range(n):
        version = f"2024{i + 1:010d}"
        (folder / f"{version}_table_{i}.sql").write_text(
            f"create table public.t{i} (id bigint primary key, note text);\n"
            f"create index t{i}_note_idx on public.t{i} (note);\n"
        )
        versions.append(version)
    return versions


def one_rep(n: int) -> dict[str, Any]:
    from airflow_provider_supabase.emulator import Emulator
    from airflow_provider_supabase.hooks.supabase import SupabaseHook
    from airflow_provider_supabase.operators.database import ApplyMigrationsOperator

    with Emulator(project_ready_seconds=0, rate_limit=1_000_000) as emu, tempfile.TemporaryDirectory() as scratch:
        conn_id = set_supabase_conn(emu.url)
        ref = emu.seed_project("bench", emu.seed_organization("bench")["slug"])["ref"]
        folder = Path(scratch)
        versions = _write_files(folder, n)
        hook = SupabaseHook(supabase_conn_id=conn_id)
        # Untimed: the cluster's start and the project database's creation are not the operator's cost.
        hook.run_query(ref, "select 1")

        def run(task_id: str) -> tuple[dict[str, list[str]], int, float]:
            operator = ApplyMigrationsOperator(
                task_id=task_id, project_ref=ref, migrations_dir=str(folder), supabase_conn_id=conn_id
            )
            before = emu.request_count()
            started = time.perf_counter()
            xcom = execute_directly(operator)
            elapsed = time.perf_counter() - started
            ledger = hook.run_query(ref, "select version from supabase_migrations.schema_migrations order by 1")
            if [row["version"] for row in ledger] != versions:
                raise AssertionError(f"the ledger does not hold the {n} versions after {task_id}")
            return xcom, emu.request_count() - before - 1, elapsed

        first, first_requests, first_s = run("all_pending")
        second, second_requests, second_s = run("nothing_pending")
        hook.close()
    if first["applied"] != versions or second != {"applied": [], "pending": [], "skipped": versions}:
        raise AssertionError("unexpected XCom")
    return {
        "all_pending_requests": first_requests,
        "all_pending_s": first_s,
        "nothing_pending_requests": second_requests,
        "nothing_pending_s": second_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--output")
    args = parser.parse_args()
    setup_airflow_env()
    load_before = loadavg()
    reps = [one_rep(args.files) for _ in range(args.reps)]
    most = max(r["all_pending_requests"] for r in reps)
    idle = max(r["nothing_pending_requests"] for r in reps)
    result = {
        "benchmark": "migrations",
        "command": f"python -m bench.migrations --reps {args.reps} --files {args.files}",
        "target": f"{args.files} pending migrations cost at most {args.files + 2} requests; nothing pending costs 1",
        "met": most <= args.files + 2 and idle == 1,
        "load_before": load_before,
        "load_after": loadavg(),
        "files": args.files,
        "all_pending_requests": [r["all_pending_requests"] for r in reps],
        "nothing_pending_requests": [r["nothing_pending_requests"] for r in reps],
        "all_pending_s": stats(r["all_pending_s"] for r in reps),
        "nothing_pending_s": stats(r["nothing_pending_s"] for r in reps),
    }
    emit(result, args.output)


if __name__ == "__main__":
    main()
