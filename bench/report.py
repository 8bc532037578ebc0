"""Render ``bench/results.json`` as the Markdown tables of ``bench/README.md``.

python -m bench.report [bench/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench._common import ROOT


def _mmm(s: dict[str, Any] | None, unit: str = "") -> str:
    """median (min-max) of a stats() dict."""
    if not s or s.get("median") is None:
        return "n/a"
    return f"{s['median']:g}{unit} ({s['min']:g}-{s['max']:g})"


def _table(head: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine(results: dict[str, Any]) -> str:
    m = results["machine"]
    v = m["versions"]
    load = results["load"]
    rows = [
        ["CPU", f"{m['nproc']} x {m['cpu']}"],
        ["memory", m["memory"]],
        ["kernel", m["kernel"]],
        ["Python", m["python"]],
        ["apache-airflow / task-sdk", f"{v['apache-airflow']} / {v['apache-airflow-task-sdk']}"],
        [
            "providers http / dbt-cloud",
            f"{v['apache-airflow-providers-http']} / {v['apache-airflow-providers-dbt-cloud']}",
        ],
        ["requests / httpx / tenacity", f"{v['requests']} / {v['httpx']} / {v['tenacity']}"],
        ["run at", m["date"]],
        [
            "load average (1/5/15 min)",
            f"{load['load_at_start']} at start (waited {load['waited_s']} s), {load.get('load_at_end')} at end",
        ],
        ["total time", f"{results['total_elapsed_s']:.0f} s"],
    ]
    return _table(["", ""], rows)


def parse_cost(r: dict[str, Any]) -> str:
    rows = []
    for name, res in r["results"].items():
        cold = r.get("results_no_bytecode_cache", {}).get(name, {})
        rows.append(
            [
                name,
                _mmm(res["incremental_ms"], " ms"),
                _mmm(cold.get("incremental_ms"), " ms"),
                res["new_modules"],
                _mmm(res["airflow_sdk_import_ms"], " ms"),
            ]
        )
    head = [
        "import (after `from airflow.sdk import DAG, BaseOperator`)",
        "incremental, .pyc cached: median (min-max)",
        "incremental, no .pyc",
        "modules added",
        "the airflow.sdk import itself",
    ]
    table = _table(head, rows)
    alone = r.get("per_module")
    if not alone:
        return table
    by_cost = sorted(alone.items(), key=lambda item: -(item[1]["incremental_ms"]["median"] or 0))
    each = _table(
        ["one module imported alone", "incremental, .pyc cached: median (min-max)", "modules added"],
        [[f"`{module}`", _mmm(res["incremental_ms"], " ms"), res["new_modules"]] for module, res in by_cost],
    )
    return f"{table}\n\n{each}"


def call_overhead(r: dict[str, Any]) -> str:
    rows = []
    for server in ("loopback", "emulator"):
        for client, res in r[server]["clients"].items():
            rows.append(
                [
                    server,
                    client,
                    _mmm(res["wall_us_per_call"], " us"),
                    _mmm(res["client_cpu_us_per_call"], " us"),
                    _mmm(res.get("ratio_to_bare_wall"), "x") if "ratio_to_bare_wall" in res else "1x",
                    _mmm(res.get("ratio_to_bare_cpu"), "x") if "ratio_to_bare_cpu" in res else "1x",
                    res.get("new_connections_during_timed_calls", "-"),
                ]
            )
    head = [
        "server",
        "client",
        "wall per call",
        "client CPU per call",
        "wall / bare",
        "CPU / bare",
        "connections opened",
    ]
    return _table(head, rows)


def secret_sync(r: dict[str, Any]) -> str:
    rows = [
        [row["n"], row["scenario"], "/".join(map(str, row["requests"])), _mmm(row["ms"], " ms")] for row in r["results"]
    ]
    table = _table(["N secrets", "sync", "requests", "wall time: median (min-max)"], rows)
    growth = _table(
        ["sync", "N", "time ratio (medians)"],
        [[g["scenario"], g["n"], f"{g['t_ratio']}x for {g['n_ratio']:g}x N"] for g in r["time_growth"]],
    )
    return table + "\n\n" + growth


def config_noop(r: dict[str, Any]) -> str:
    rows = [
        [
            row["auth_fields"],
            row["scenario"],
            "/".join(map(str, row["requests"])),
            row["writes"],
            _mmm(row["ms"], " ms"),
        ]
        for row in r["results"]
    ]
    return _table(["Auth settings", "apply", "requests", "writes", "wall time: median (min-max)"], rows)


def rate_limit(r: dict[str, Any]) -> str:
    rows = []
    for layout, s in r["summary"].items():
        runs = r["runs"][layout]
        rows.append(
            [
                r["layouts"][layout],
                _mmm(s["fraction_of_limit"]),
                _mmm(s["window_efficiency"]),
                _mmm(s["http_429"]),
                _mmm(s["failed_calls"]),
                _mmm(s["elapsed_s"], " s"),
                f"{max(x['longest_single_call_s'] for x in runs):g} s",
                f"{max(x['server_windows']['idle_total_s'] for x in runs):g} s",
            ]
        )
    head = [
        "callers",
        "achieved rate / limit",
        "window efficiency",
        "429s",
        "failed calls",
        "elapsed",
        "slowest call",
        "idle between windows (worst run)",
    ]
    return _table(head, rows)


def triggerer(r: dict[str, Any]) -> str:
    rows = []
    for run in r["runs"]:
        rows.append(
            [
                run["variant"],
                f"{run['peak_over_baseline_mb']:g} MB",
                f"{run['max_lag_ms']:g} ms",
                f"{run['startup_1s_max_lag_ms']:g} ms",
                f"{run['steady_max_lag_ms']:g} / {run['steady_p99_lag_ms']:g} ms",
                f"{run['gc_pauses']['gen2']['max_ms']:g} ms x{run['gc_pauses']['gen2']['count']}",
                f"{run['idle_loop_max_lag_ms']:g} ms",
                f"{run['all_started_s']:g} s",
                f"{run['requests_per_s']:g} ({run['status_gets_per_s']:g} GET, {run['expected_requests_per_s']:g} due)",
                f"{run['loop_cpu_utilisation']:.0%}",
                f"{run['events']} ({', '.join(f'{k}: {v}' for k, v in run['event_status'].items())})",
            ]
        )
    head = [
        "variant",
        "peak RSS over baseline",
        "longest stall",
        "stall in 1st second",
        "steady max / p99",
        "longest gen-2 GC",
        "idle-loop stall",
        "all started after",
        "requests/s served",
        "loop CPU",
        "events",
    ]
    poke = r["poke_mode_comparison"]
    base = r["runs"][0]["baseline_rss_mb"]
    waits = r["runs"][0]["events"]  # one event per trigger
    text = _table(head, rows)
    text += (
        f"\n\nBaseline RSS of the triggerer process (Airflow + provider imported, one warm-up call): {base:g} MB. "
        f"One poke-mode sensor process after one poke: {poke['rss_after_poke_mb']:g} MB RSS, so {waits} poke-mode "
        f"sensors need {waits} worker slots and at least ~{waits * poke['rss_after_poke_mb'] / 1024:.0f} GiB."
    )
    return text


def database_query(r: dict[str, Any]) -> str:
    rows = [
        ["first query (starts the PostgreSQL cluster)", _mmm(r["first_query_s"], " s")],
        ["of which the cluster start", _mmm(r["cluster_start_s"], " s")],
        ["first query of a second project (a new database)", _mmm(r["second_project_first_query_s"], " s")],
        ["`select 1`", _mmm(r["select_1_ms"], " ms")],
        ["a three-statement write", _mmm(r["three_statement_write_ms"], " ms")],
        ["a read-only select", _mmm(r["read_only_select_ms"], " ms")],
        ["`GET /v1/projects/{ref}` on the same emulator, for scale", _mmm(r["get_project_ms"], " ms")],
        ["emulator reset (drops the databases)", _mmm(r["reset_s"], " s")],
        ["emulator stop", _mmm(r["stop_s"], " s")],
    ]
    return _table(["what", "wall time: median (min-max)"], rows)


def migrations(r: dict[str, Any]) -> str:
    rows = [
        [f"{r['files']} pending", ", ".join(map(str, r["all_pending_requests"])), _mmm(r["all_pending_s"], " s")],
        ["nothing pending", ", ".join(map(str, r["nothing_pending_requests"])), _mmm(r["nothing_pending_s"], " s")],
    ]
    return _table(["run", "requests (each rep)", "wall time: median (min-max)"], rows)


def render(results: dict[str, Any]) -> str:
    parts = ["### Machine", machine(results)]
    sections = [
        ("1. DAG-parse cost", "parse_cost", parse_cost),
        ("2. Per-call overhead", "call_overhead", call_overhead),
        ("3. Secret sync", "secret_sync", secret_sync),
        ("4. Rate-limit throughput", "rate_limit", rate_limit),
        ("5. Triggerer scale", "triggerer_scale", triggerer),
        ("5b. Triggerer scale: deferred preview-branch waits", "triggerer_scale_branch", triggerer),
        ("5c. The same at the triggers' default 10 s poll", "triggerer_scale_branch_default_poll", triggerer),
        ("6. SQL on the emulator's PostgreSQL", "database_query", database_query),
        ("7. Migrations", "migrations", migrations),
        ("8. Config as code", "config_noop", config_noop),
    ]
    for title, key, fn in sections:
        r = results["benchmarks"].get(key)
        if r is None:
            continue
        parts.append(f"### {title}")
        if "error" in r:
            parts.append(f"FAILED: {r['error']}\n\n```\n{r.get('output_tail', '')}\n```")
            continue
        parts.append(f"`{r['command']}` ({r['elapsed_s']:.0f} s, load before: {r['loadavg_before']})")
        if r.get("rerun_note"):
            parts.append(f"({r['rerun_note']})")
        parts.append(fn(r))
        parts.append(f"Target: {r['target']}. Met: {r['met']}")
    return "\n\n".join(parts)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    print(render(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
