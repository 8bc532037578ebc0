"""Benchmark 4: throughput under the API rate limit, one token shared by threads, then by threads in processes.

The emulator (own process) enforces a scaled-down fixed window (default 20 requests per 2 s per token and
endpoint, like the real API's 120 per minute). Worker processes (spawned, each with its own ``SupabaseHook``
per thread and default retry settings) wait at a common start instant, then make ``--calls`` ``list_projects``
calls in total. Two layouts with the same number of concurrent callers:

* threads only: 1 process x 6 threads (they share the hook's in-process rate-limit gate);
* threads + processes: 3 processes x 2 threads (each process has its own gate; they learn only from replies).

Reported per run: achieved rate as a fraction of the limit, the fixed-window efficiency (the least possible
time for the calls, (ceil(calls/limit) - 1) x window, over the time taken), 429s the server sent, failed calls,
and the idle time between windows seen on the server (time no window was open while calls were waiting).

    python -m bench.rate_limit --reps 3 --calls 300 --limit 20 --window 2
"""

from __future__ import annotations

import argparse
import itertools
import math
import multiprocessing as mp
import threading
import time
from typing import Any

from bench._common import emit, set_supabase_conn, setup_airflow_env, stats

_CTX = mp.get_context("spawn")
LAYOUTS = {"threads_only": (1, 6), "threads_and_processes": (3, 2)}


def _worker(conn: Any, url: str, home: str, threads: int) -> None:
    """A worker process: ``threads`` hooks; each ("go", start_at, calls) runs them once and sends the results."""
    import os

    # The hook logs each retry (a warning per 429); keep them off the benchmark's stdout.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.environ["SUPABASE_BENCH_AIRFLOW_HOME"] = home
    setup_airflow_env()
    conn_id = set_supabase_conn(url, conn_id="bench_rate")
    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    hooks = [SupabaseHook(conn_id) for _ in range(threads)]
    for hook in hooks:
        hook.settings  # noqa: B018 - resolve the connection before the clock starts
        hook.get_conn()
    conn.send("ready")
    while True:
        command = conn.recv()
        if command[0] != "go":
            return
        _, start_at, calls = command
        conn.send(_burst(hooks, start_at, calls))


def _burst(hooks: list[Any], start_at: float, calls: list[int]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def call_many(hook: Any, count: int) -> None:
        ok, errors, latencies = 0, [], [0.0]
        while time.monotonic() < start_at:
            time.sleep(min(0.01, max(0.0, start_at - time.monotonic())))
        for _ in range(count):
            t0 = time.monotonic()
            try:
                hook.list_projects()
                ok += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            latencies.append(time.monotonic() - t0)
        with lock:
            results.append({"ok": ok, "errors": errors, "end": time.monotonic(), "max_call_s": max(latencies)})

    pool = [threading.Thread(target=call_many, args=(h, n)) for h, n in zip(hooks, calls, strict=True)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


class Workers:
    """``processes`` spawned worker processes of ``threads`` threads each, kept for every repetition."""

    def __init__(self, url: str, home: str, processes: int, threads: int) -> None:
        self.threads = threads
        self.workers: list[tuple[Any, Any]] = []
        for _ in range(processes):
            parent, child = _CTX.Pipe()
            proc = _CTX.Process(target=_worker, args=(child, url, home, threads), daemon=True)
            proc.start()
            child.close()
            self.workers.append((proc, parent))
        for _, parent in self.workers:
            if not parent.poll(180) or parent.recv() != "ready":
                raise RuntimeError("rate-limit worker did not start")

    def burst(self, calls: int) -> tuple[float, list[dict[str, Any]]]:
        per_thread = _split(calls, len(self.workers) * self.threads)
        start_at = time.monotonic() + 0.2
        for i, (_, parent) in enumerate(self.workers):
            parent.send(("go", start_at, per_thread[i * self.threads : (i + 1) * self.threads]))
        results: list[dict[str, Any]] = []
        for _, parent in self.workers:
            if not parent.poll(600):
                raise RuntimeError("rate-limit worker did not finish")
            results.extend(parent.recv())
        return start_at, results

    def close(self) -> None:
        for proc, parent in self.workers:
            parent.send(("stop",))
            proc.join(10)
            if proc.is_alive():
                proc.terminate()


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _windows(records: list[tuple[str, str | None, int | None, float]], window: float) -> dict[str, Any]:
    """Replay the server's fixed windows (one starts at the first hit after the previous one expired)."""
    times = sorted(t for m, tpl, _, t in records if tpl == "/v1/projects" and m == "GET")
    starts: list[float] = []
    for t in times:
        if not starts or t - starts[-1] >= window:
            starts.append(t)
    gaps = [b - (a + window) for a, b in itertools.pairwise(starts)]
    return {"windows": len(starts), "idle_between_windows_s": stats(gaps, 3), "idle_total_s": round(sum(gaps), 2)}


def one_run(emu: Any, workers: Workers, calls: int, limit: int, window: float) -> dict[str, Any]:
    emu.call("reset")
    start_at, results = workers.burst(calls)
    elapsed = max(r["end"] for r in results) - start_at
    ok = sum(r["ok"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    records = emu.records()
    statuses = [s for _, _, s, _ in records]
    rate = ok / elapsed
    ideal = (math.ceil(calls / limit) - 1) * window
    return {
        "elapsed_s": round(elapsed, 2),
        "ok_calls": ok,
        "failed_calls": len(errors),
        "errors_sample": errors[:3],
        "requests_sent": len(records),
        "http_429": statuses.count(429),
        "achieved_rate_per_s": round(rate, 2),
        "fraction_of_limit": round(rate / (limit / window), 3),
        "window_efficiency": round(ideal / elapsed, 3),
        "longest_single_call_s": round(max(r["max_call_s"] for r in results), 2),
        "server_windows": _windows(records, window),
    }


def run(reps: int = 3, calls: int = 300, limit: int = 20, window: float = 2.0) -> dict[str, Any]:
    home = str(setup_airflow_env())
    from bench._servers import EmulatorProcess

    out: dict[str, Any] = {
        "benchmark": "rate_limit",
        "command": f"python -m bench.rate_limit --reps {reps} --calls {calls} --limit {limit} --window {window:g}",
        "limit": f"{limit} requests per {window:g} s per (token, endpoint) = {limit / window:g}/s",
        "calls": calls,
        "ideal_elapsed_s": (math.ceil(calls / limit) - 1) * window,
        "layouts": {k: f"{p} process(es) x {t} threads" for k, (p, t) in LAYOUTS.items()},
        "runs": {},
        "summary": {},
    }
    with EmulatorProcess(rate_limit=limit, rate_window=window) as emu:
        for layout, (processes, threads) in LAYOUTS.items():
            out["runs"][layout] = []
            workers = Workers(emu.url, home, processes, threads)
            try:
                for _ in range(reps):
                    time.sleep(window)  # every window (and every gate) expires before the next run
                    out["runs"][layout].append(one_run(emu, workers, calls, limit, window))
            finally:
                workers.close()
    for layout, runs in out["runs"].items():
        out["summary"][layout] = {
            "fraction_of_limit": stats((r["fraction_of_limit"] for r in runs), 3),
            "window_efficiency": stats((r["window_efficiency"] for r in runs), 3),
            "http_429": stats((r["http_429"] for r in runs), 0),
            "failed_calls": stats((r["failed_calls"] for r in runs), 0),
            "elapsed_s": stats((r["elapsed_s"] for r in runs), 2),
        }
    out["target"] = ">= 90 % of the limit, 0 failures"
    out["met"] = {
        layout: s["fraction_of_limit"]["min"] >= 0.9 and s["failed_calls"]["max"] == 0
        for layout, s in out["summary"].items()
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--output", help="write the JSON result here instead of printing it")
    args = parser.parse_args()
    emit(run(args.reps, args.calls, args.limit, args.window), args.output)


if __name__ == "__main__":
    main()
