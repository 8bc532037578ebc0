"""Benchmark 5: 500 ``CustomHostnameTrigger``s in one asyncio loop, as a triggerer runs them.

The emulator runs in its own process (so its CPU does not disturb the loop) with rate limits out of the way;
500 projects each get a custom hostname at ``2_initiated``. A fresh process (the "triggerer") then builds and
starts all triggers at once (a triggerer restart picking up 500 deferred tasks) with ``poll_interval`` 1 s,
the default reverify floor (6 s, so each trigger reverifies twice and reaches ``4_origin_setup_completed``)
and a target they never reach, so every trigger polls for the whole ``--duration`` and ends with a timeout
event. Measured in that process: RSS over the baseline taken after imports and one warm-up call (peak from
``VmHWM``), the event-loop lag seen by a 10 ms heartbeat task (whole run, start-up second, steady state),
and its CPU time; on the emulator: requests per second. For the poke-mode comparison, one process that runs
one ``SupabaseCustomHostnameSensor`` poke is measured; 500 such sensors would be 500 of them, each holding a
worker slot.

    python -m bench.triggerer_scale --triggers 500 --poll-interval 1 --duration 25

``--kind branch`` measures ``BranchReadyTrigger``s instead (the preview-branch issue's 200 deferred branch waits:
< 100 MB, no stall > 100 ms): one parent project with ``--triggers`` preview branches, held starting by the
emulator for the whole run, so every trigger keeps polling (branch, branch project, action runs: three requests
per check) until its timeout event. The poke comparison is then one ``SupabaseBranchSensor`` poke.

    python -m bench.triggerer_scale --kind branch --triggers 200 --poll-interval 1 --duration 25
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Any

from bench._common import (
    emit,
    peak_rss_mb,
    reset_peak_rss,
    rss_mb,
    set_supabase_conn,
    setup_airflow_env,
    stats,
)

_CTX = mp.get_context("spawn")
TARGET = "5_services_reconfigured"
HEARTBEAT = 0.010
IDLE_BASELINE = 3.0
# (one SSL context per client, no poll jitter, gc.freeze() after start-up): "as_is" runs the code as it is;
# "before_fixes" puts back, in the benchmark process only, what this benchmark found and the provider then fixed
# (each async client loading the CA bundle, triggers checking at once and then polling in lockstep); the last
# row adds what a triggerer process itself could do about garbage-collection pauses.
VARIANTS = {
    "before_fixes": (True, True, False),
    "as_is": (False, False, False),
    "as_is_gc_freeze": (False, False, True),
}


def _quiet() -> None:
    """Trigger logs (one line per status change) go nowhere: a real triggerer writes them to files."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))]


def _ssl_context_per_client() -> None:
    """Undo the shared SSL context of ``SupabaseAsyncHook``: hand httpx the plain ``verify`` value, so every
    client builds its own context and loads the CA bundle, as the hook did before this benchmark."""
    import airflow_provider_supabase.hooks.transport as transport

    transport._ssl_context = lambda verify: verify  # type: ignore[assignment]


def _no_poll_jitter() -> None:
    """Undo the triggers' jitter: the first check at once and every sleep the full ``poll_interval``, as before
    this benchmark."""
    import types

    import airflow_provider_supabase.triggers.supabase as module

    module.random = types.SimpleNamespace(uniform=lambda low, high: high, random=lambda: 0.0)  # type: ignore[assignment]


def _build_trigger(kind: str, target: Any, conn_id: str, poll: float, duration: float) -> Any:
    if kind == "branch":
        from airflow_provider_supabase.triggers.branches import BranchReadyTrigger

        parent, name = target
        return BranchReadyTrigger(
            project_ref=parent, branch_name=name, supabase_conn_id=conn_id, poll_interval=poll, timeout=duration
        )
    from airflow_provider_supabase.triggers.supabase import CustomHostnameTrigger

    return CustomHostnameTrigger(
        project_ref=target,
        supabase_conn_id=conn_id,
        target_status=TARGET,
        reverify=True,
        poll_interval=poll,
        reverify_interval=6.0,
        timeout=duration,
    )


def _triggerer(
    conn: Any,
    url: str,
    home: str,
    refs: list[Any],
    poll: float,
    duration: float,
    variant: tuple[bool, bool, bool],
    kind: str = "hostname",
) -> None:
    _quiet()
    per_client_ssl, no_jitter, freeze = variant
    if per_client_ssl:
        _ssl_context_per_client()
    if no_jitter:
        _no_poll_jitter()
    os.environ["SUPABASE_BENCH_AIRFLOW_HOME"] = home
    setup_airflow_env()
    conn_id = set_supabase_conn(url, conn_id="bench_trigger")
    import asyncio
    import gc

    from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook

    async def warm_up() -> None:
        async with SupabaseAsyncHook(conn_id) as hook:
            if kind == "branch":
                await hook.get_branch(*refs[0])
            else:
                await hook.get_custom_hostname(refs[0])

    asyncio.run(warm_up())
    gc.collect()
    if freeze:
        gc.freeze()
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - gc_started[0])

    gc.callbacks.append(on_gc)
    tracked_objects = len(gc.get_objects())
    baseline = rss_mb()
    reset_peak_rss()
    cpu0 = time.process_time()

    async def main() -> dict[str, Any]:
        lags: list[tuple[float, float]] = []
        rss_samples: list[float] = []
        stop = asyncio.Event()

        async def heartbeat() -> None:
            last_rss = 0.0
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(HEARTBEAT)
                now = time.perf_counter()
                lags.append((now, now - before - HEARTBEAT))
                if now - last_rss >= 0.25:
                    rss_samples.append(rss_mb())
                    last_rss = now

        beat = asyncio.create_task(heartbeat())
        idle_from = time.perf_counter()
        await asyncio.sleep(IDLE_BASELINE)  # the machine's own noise: the heartbeat alone
        start = time.perf_counter()
        idle = [lag for t, lag in lags if t >= idle_from + 0.1]
        events: list[tuple[float, dict[str, Any]]] = []

        async def consume(trigger: Any) -> None:
            async for event in trigger.run():
                events.append((time.perf_counter() - start, event.payload))

        # As Airflow's triggerer does (TriggerRunner.create_triggers): for each trigger, yield to the loop,
        # build it from its kwargs, yield again, start it as a task.
        tasks = []
        for ref in refs:
            await asyncio.sleep(0)
            trigger = _build_trigger(kind, ref, conn_id, poll, duration)
            await asyncio.sleep(0)
            tasks.append(asyncio.create_task(consume(trigger)))
        started = time.perf_counter() - start
        await asyncio.gather(*tasks)
        end = time.perf_counter()
        stop.set()
        await beat
        run_lags = [lag for t, lag in lags if start <= t <= end]
        startup = [lag for t, lag in lags if start <= t <= start + 1.0]
        steady = [lag for t, lag in lags if start + 1.0 < t <= end]
        worst_at = max(((lag, t - start) for t, lag in lags if start <= t <= end), default=(0.0, 0.0))
        statuses: dict[str, int] = {}
        hostname: dict[str, int] = {}
        for _, payload in events:
            statuses[payload["status"]] = statuses.get(payload["status"], 0) + 1
            key = str(payload.get("hostname_status") or payload.get("branch_status"))
            hostname[key] = hostname.get(key, 0) + 1
        return {
            "wall_s": round(end - start, 2),
            "all_started_s": round(started, 2),
            "events": len(events),
            "event_status": statuses,
            "final_hostname_status": hostname,
            "first_event_s": round(min(t for t, _ in events), 2) if events else None,
            "last_event_s": round(max(t for t, _ in events), 2) if events else None,
            "max_lag_ms": round(max(run_lags, default=0.0) * 1e3, 1),
            "max_lag_at_s": round(worst_at[1], 2),
            "p99_lag_ms": round(_percentile(run_lags, 0.99) * 1e3, 1),
            "startup_1s_max_lag_ms": round(max(startup, default=0.0) * 1e3, 1),
            "steady_max_lag_ms": round(max(steady, default=0.0) * 1e3, 1),
            "steady_p99_lag_ms": round(_percentile(steady, 0.99) * 1e3, 1),
            "lags_over_100ms": sum(1 for lag in run_lags if lag > 0.1),
            "idle_loop_max_lag_ms": round(max(idle, default=0.0) * 1e3, 1),
            "lag_timeline_max_ms_per_s": [
                round(max((lag for t, lag in lags if start + i <= t < start + i + 1), default=0.0) * 1e3, 1)
                for i in range(int(end - start) + 1)
            ],
            "rss_sampled_max_mb": round(max(rss_samples, default=0.0), 1),
            "start_perf": start,
            "start_monotonic_offset": time.monotonic() - time.perf_counter(),
        }

    result = asyncio.run(main())
    gc.callbacks.remove(on_gc)
    result["gc_tracked_objects_at_start"] = tracked_objects
    result["gc_pauses"] = {
        f"gen{gen}": {"count": len(p), "max_ms": round(max(p, default=0.0) * 1e3, 1), "total_ms": round(sum(p) * 1e3)}
        for gen, p in pauses.items()
    }
    result["cpu_s"] = round(time.process_time() - cpu0, 2)
    result["baseline_rss_mb"] = round(baseline, 1)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["peak_over_baseline_mb"] = round(result["peak_rss_mb"] - baseline, 1)
    result["start_monotonic"] = result.pop("start_perf") + result.pop("start_monotonic_offset")
    conn.send(result)


def _poke_process(conn: Any, url: str, home: str, ref: Any, kind: str = "hostname") -> None:
    _quiet()
    os.environ["SUPABASE_BENCH_AIRFLOW_HOME"] = home
    setup_airflow_env()
    conn_id = set_supabase_conn(url, conn_id="bench_poke")
    before = rss_mb()
    sensor: Any
    if kind == "branch":
        from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor

        sensor = SupabaseBranchSensor(
            task_id="wait_branch",
            project_ref=ref[0],
            branch_name=ref[1],
            supabase_conn_id=conn_id,
            poke_interval=1.0,
            mode="poke",
        )
    else:
        from airflow_provider_supabase.sensors.custom_hostname import SupabaseCustomHostnameSensor

        sensor = SupabaseCustomHostnameSensor(
            task_id="wait_hostname",
            project_ref=ref,
            target_status=TARGET,
            supabase_conn_id=conn_id,
            poke_interval=1.0,
            mode="poke",
        )
    sensor.poke({})  # type: ignore[arg-type]
    conn.send({"rss_before_sensor_import_mb": round(before, 1), "rss_after_poke_mb": round(rss_mb(), 1)})


def _child(target: Any, *args: Any) -> Any:
    parent, child = _CTX.Pipe()
    proc = _CTX.Process(target=target, args=(child, *args), daemon=True)
    proc.start()
    child.close()
    if not parent.poll(600):
        proc.terminate()
        raise RuntimeError(f"{target.__name__} did not report")
    result = parent.recv()
    proc.join(10)
    return result


def _server_side(result: dict[str, Any], records: list[Any], triggers: int, poll_interval: float) -> None:
    start = result.pop("start_monotonic")
    window = [r for r in records if start <= r[3] <= start + result["wall_s"]]
    statuses: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for method, template, status, _ in window:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        kinds[f"{method} {template}"] = kinds.get(f"{method} {template}", 0) + 1
    result["requests"] = len(window)
    result["requests_per_s"] = round(len(window) / result["wall_s"], 1)
    result["status_gets_per_s"] = round(sum(1 for r in window if r[0] == "GET") / result["wall_s"], 1)
    # A hostname check is one GET (reverify aside); a branch check three (branch, its project, its runs).
    per_check = 3 if any(r[1] == "/v1/projects/{ref}/branches/{name}" for r in window) else 1
    result["expected_requests_per_s"] = round(per_check * triggers / poll_interval, 1)
    result["request_status"] = statuses
    result["request_kinds"] = kinds
    result["loop_cpu_utilisation"] = round(result["cpu_s"] / result["wall_s"], 2)


def _branch_targets(emu: Any, hook: Any, org: dict[str, Any], label: str, count: int) -> list[tuple[str, str]]:
    """``count`` preview branches of one new parent project, held starting so that none becomes ready."""
    parent = emu.call("seed_project", f"branch-parent-{label}", org["slug"])["ref"]
    emu.call("hold_branches")
    names = [f"preview-{label}-{i}" for i in range(count)]
    for name in names:
        hook.create_branch(parent, name)
    return [(parent, name) for name in names]


def run(
    triggers: int = 500, poll_interval: float = 1.0, duration: float = 25.0, reps: int = 1, kind: str = "hostname"
) -> dict[str, Any]:
    home = str(setup_airflow_env())
    from bench._servers import EmulatorProcess

    out: dict[str, Any] = {
        "benchmark": "triggerer_scale" if kind == "hostname" else "triggerer_scale_branch",
        "command": f"python -m bench.triggerer_scale --kind {kind} --triggers {triggers} "
        f"--poll-interval {poll_interval:g} --duration {duration:g} --reps {reps}",
        "runs": [],
    }
    with EmulatorProcess(rate_limit=1_000_000, hostname_rate_limit=100_000) as emu:
        conn_id = set_supabase_conn(emu.url, conn_id="bench_trigger_setup")
        from airflow_provider_supabase.hooks.supabase import SupabaseHook

        org = emu.call("seed_organization", "bench-org")
        server_pid = emu.process.pid
        for rep in range(reps):
            for variant, patches in VARIANTS.items():
                hook = SupabaseHook(conn_id)
                refs: list[Any]
                if kind == "branch":
                    refs = _branch_targets(emu, hook, org, f"{variant}-{rep}", triggers)
                else:
                    refs = [
                        emu.call("seed_project", f"hostname-{variant}-{rep}-{i}", org["slug"])["ref"]
                        for i in range(triggers)
                    ]
                    for i, ref in enumerate(refs):
                        hook.initialize_custom_hostname(ref, f"api{i}.v{len(out['runs'])}.example.com")
                hook.close()
                since = len(emu.records())
                server_cpu0 = _cpu_seconds(server_pid)
                result = _child(_triggerer, emu.url, home, refs, poll_interval, duration, patches, kind)
                result["variant"] = variant
                result["server_cpu_s"] = round(_cpu_seconds(server_pid) - server_cpu0, 2)
                _server_side(result, emu.records(since), triggers, poll_interval)
                out["runs"].append(result)
        poke = _child(_poke_process, emu.url, home, refs[0], kind)
    out["summary"] = {}
    for variant in VARIANTS:
        runs = [r for r in out["runs"] if r["variant"] == variant]
        out["summary"][variant] = {
            key: stats((r[key] for r in runs), 1)
            for key in (
                "peak_over_baseline_mb",
                "max_lag_ms",
                "startup_1s_max_lag_ms",
                "steady_max_lag_ms",
                "steady_p99_lag_ms",
                "idle_loop_max_lag_ms",
                "all_started_s",
                "requests_per_s",
                "status_gets_per_s",
                "loop_cpu_utilisation",
            )
        }
    out["poke_mode_comparison"] = {
        **poke,
        "estimate_sensors_mb": round(triggers * poke["rss_after_poke_mb"]),
        "worker_slots": triggers,
        "note": "one Python process per poking sensor, each holding a worker slot for the whole wait; Airflow 3 "
        "also runs a supervisor process per task, so this is a lower bound",
    }
    out["target"] = "< 100 MB over baseline, no event-loop stall > 100 ms"
    out["met"] = {
        variant: all(
            r["peak_over_baseline_mb"] < 100 and r["max_lag_ms"] <= 100 for r in out["runs"] if r["variant"] == variant
        )
        for variant in VARIANTS
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["hostname", "branch"], default="hostname")
    parser.add_argument("--triggers", type=int, default=500)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=25.0)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--output", help="write the JSON result here instead of printing it")
    args = parser.parse_args()
    emit(run(args.triggers, args.poll_interval, args.duration, args.reps, args.kind), args.output)


if __name__ == "__main__":
    main()
