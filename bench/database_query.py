"""Benchmark 6: the emulator's PostgreSQL: cold start, database per project, per-query latency, reset and stop.

Each repetition starts a fresh emulator in this process and times, through ``requests`` over loopback HTTP:
the first query of the first project (cluster start + template + project database + query), the first query of
a second project (its CREATE DATABASE + query), then ``--queries`` sequential keep-alive ``select 1`` queries,
as many three-statement writes (insert, update, select in one implicit transaction) and read-only selects,
and as many ``GET /v1/projects/{ref}`` for the emulator's own HTTP cost; then ``reset()`` with ``--projects``
project databases and ``stop()``.  The cluster's start alone is read from the cluster (``started_in``).

    python -m bench.database_query --reps 3 --queries 300 --projects 10
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import requests

from airflow_provider_supabase.emulator import Emulator
from bench._common import TOKEN, emit, loadavg, stats


def _timed(call: Callable[[], requests.Response], expected: int) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code != expected:
        raise AssertionError(f"expected {expected}, got {response.status_code}: {response.text[:300]}")
    return elapsed


def one_rep(queries: int, projects: int) -> dict[str, Any]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    emu = Emulator(project_ready_seconds=0, rate_limit=1_000_000)
    emu.start()
    try:
        org = emu.seed_organization("bench")["slug"]
        refs = [emu.seed_project(f"p{i}", org)["ref"] for i in range(max(2, projects))]

        def query(ref: str, sql: str, path: str = "/database/query") -> Callable[[], requests.Response]:
            url = f"{emu.url}/v1/projects/{ref}{path}"
            return lambda: session.post(url, json={"query": sql}, timeout=120)

        first = _timed(query(refs[0], "select 1"), 201)
        started_in = emu._app.database.cluster.started_in
        second_project = _timed(query(refs[1], "select 1"), 201)
        for ref in refs[2:]:
            _timed(query(ref, "select 1"), 201)
        ref = refs[0]
        _timed(query(ref, "create table public.counter (id int primary key, n int)"), 201)
        select = [_timed(query(ref, "select 1"), 201) for _ in range(queries)]
        write_sql = (
            "insert into public.counter values (1, 0) on conflict (id) do nothing;"
            "update public.counter set n = n + 1 where id = 1;"
            "select n from public.counter where id = 1;"
        )
        writes = [_timed(query(ref, write_sql), 201) for _ in range(queries)]
        read_only = [
            _timed(query(ref, "select n from public.counter", "/database/query/read-only"), 201) for _ in range(queries)
        ]
        get_url = f"{emu.url}/v1/projects/{ref}"
        gets = [_timed(lambda: session.get(get_url, timeout=30), 200) for _ in range(queries)]
        started = time.perf_counter()
        emu.reset()
        reset_s = time.perf_counter() - started
    finally:
        started = time.perf_counter()
        emu.stop()
        stop_s = time.perf_counter() - started
        session.close()
    return {
        "first_query_s": first,
        "cluster_start_s": started_in,
        "second_project_first_query_s": second_project,
        "select_1_ms": [s * 1000 for s in select],
        "three_statement_write_ms": [s * 1000 for s in writes],
        "read_only_select_ms": [s * 1000 for s in read_only],
        "get_project_ms": [s * 1000 for s in gets],
        "reset_s": reset_s,
        "stop_s": stop_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--output")
    args = parser.parse_args()
    load_before = loadavg()
    reps = [one_rep(args.queries, args.projects) for _ in range(args.reps)]

    def each(key: str, scale: float = 1.0) -> dict[str, Any]:
        return stats(r[key] * scale for r in reps)

    def pooled(key: str) -> dict[str, Any]:
        return stats(v for r in reps for v in r[key])

    result = {
        "benchmark": "database_query",
        "command": f"python -m bench.database_query --reps {args.reps} --queries {args.queries} "
        f"--projects {args.projects}",
        "target": "none: measured for the record (tests pay the cold start once per module that queries)",
        "met": "n/a",
        "uid": os.geteuid(),
        "load_before": load_before,
        "load_after": loadavg(),
        "first_query_s": each("first_query_s"),
        "cluster_start_s": each("cluster_start_s"),
        "second_project_first_query_s": each("second_project_first_query_s"),
        "select_1_ms": pooled("select_1_ms"),
        "three_statement_write_ms": pooled("three_statement_write_ms"),
        "read_only_select_ms": pooled("read_only_select_ms"),
        "get_project_ms": pooled("get_project_ms"),
        "reset_s": each("reset_s"),
        "stop_s": each("stop_s"),
    }
    emit(result, args.output)


if __name__ == "__main__":
    main()
