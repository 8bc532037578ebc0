"""Benchmark 2: per-call overhead of ``SupabaseHook`` vs a bare ``requests.Session`` vs ``HttpHook.run``.

Each client sends ``GET /v1/projects`` ``--calls`` times, with the same headers, over keep-alive, to the same
server, and parses the JSON reply. Two servers, each in its own process: a minimal stdlib loopback server
(fixed reply; shows the client's own cost) and the real emulator (what a user's test suite would see).
The clients take turns in blocks of 100 calls within each repetition (rotating order) so drift hits all of them
alike.

    python -m bench.call_overhead --reps 5 --calls 1000
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

from bench._common import emit, set_http_conn, set_supabase_conn, setup_airflow_env, stats

CLIENTS = ("bare_requests", "supabase_hook", "http_hook")
BLOCK = 100


def _clients(url: str, tag: str) -> tuple[dict[str, Callable[[], Any]], list[Callable[[], None]]]:
    import requests
    from airflow.providers.http.hooks.http import HttpHook

    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    conn_id = set_supabase_conn(url, conn_id=f"bench_{tag}")
    http_conn_id = set_http_conn(url, conn_id=f"bench_http_{tag}")
    hook = SupabaseHook(conn_id)
    headers = dict(hook.settings.headers)  # exactly what the hook sends

    session = requests.Session()
    session.headers.update(headers)
    full_url = url + "/v1/projects"

    def bare() -> Any:
        response = session.get(full_url, timeout=(10.0, 30.0), allow_redirects=False)
        response.raise_for_status()
        return response.json()

    http_hook = HttpHook(method="GET", http_conn_id=http_conn_id)

    def via_http_hook() -> Any:
        return http_hook.run("/v1/projects", headers=headers).json()

    clients = {"bare_requests": bare, "supabase_hook": hook.list_projects, "http_hook": via_http_hook}
    return clients, [session.close, hook.close]


def _time(fn: Callable[[], Any], calls: int) -> tuple[float, float]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - wall0, time.process_time() - cpu0


def measure(url: str, tag: str, reps: int, calls: int, warmup: int, stats_fn: Callable[[], dict] | None) -> dict:
    """Per-call wall and client-CPU time of each client against one server (each rep: ``calls`` per client)."""
    clients, closers = _clients(url, tag)
    first = clients["bare_requests"]()
    if not first:
        raise RuntimeError(f"{tag}: GET /v1/projects returned nothing")
    for fn in clients.values():
        for _ in range(warmup):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in CLIENTS}
    cpu: dict[str, list[float]] = {name: [] for name in CLIENTS}
    connections: dict[str, int] = dict.fromkeys(CLIENTS, 0)
    for rep in range(reps):
        # Each repetition interleaves the clients in blocks, so a burst of load elsewhere on the machine lands on
        # all of them alike instead of on whichever client happened to be running.
        order = CLIENTS[rep % len(CLIENTS) :] + CLIENTS[: rep % len(CLIENTS)]
        totals = {name: [0.0, 0.0] for name in CLIENTS}
        gc.collect()
        for start in range(0, calls, BLOCK):
            for name in order:
                before = stats_fn()["connections"] if stats_fn else 0
                w, c = _time(clients[name], min(BLOCK, calls - start))
                if stats_fn:
                    # Each stats request opens a connection of its own: the later one is not the client's.
                    connections[name] += stats_fn()["connections"] - before - 1
                totals[name][0] += w
                totals[name][1] += c
        for name in CLIENTS:
            wall[name].append(totals[name][0] / calls * 1e6)
            cpu[name].append(totals[name][1] / calls * 1e6)
    for close in closers:
        close()
    result: dict[str, Any] = {"calls_per_rep": calls, "reps": reps, "clients": {}}
    for name in CLIENTS:
        entry = {"wall_us_per_call": stats(wall[name], 1), "client_cpu_us_per_call": stats(cpu[name], 1)}
        if stats_fn:
            entry["new_connections_during_timed_calls"] = connections[name]
        if name != "bare_requests":
            paired = [a / b for a, b in zip(wall[name], wall["bare_requests"], strict=True)]
            paired_cpu = [a / b for a, b in zip(cpu[name], cpu["bare_requests"], strict=True)]
            entry["ratio_to_bare_wall"] = stats(paired, 3)
            entry["ratio_to_bare_cpu"] = stats(paired_cpu, 3)
        result["clients"][name] = entry
    return result


def hook_cpu_without_network(rounds: int = 7, calls: int = 20000) -> dict[str, Any]:
    """The hook's own Python per call, with the network taken out: its session answers from memory.

    Compared with what a bare client does with the same reply (``json.loads`` of the body), this is the
    overhead the hook adds (retry loop, rate-limit gate, response interpretation), free of loopback noise.
    """
    import json

    from requests.structures import CaseInsensitiveDict

    from airflow_provider_supabase.hooks.supabase import SupabaseHook
    from bench._servers import PROJECT_BODY

    class Reply:
        status_code = 200
        headers = CaseInsensitiveDict(
            {"Content-Type": "application/json", "X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "119"}
        )
        content = PROJECT_BODY

    class Session:
        def request(self, *args: Any, **kwargs: Any) -> Reply:
            return Reply()

        def close(self) -> None:
            pass

    conn_id = set_supabase_conn("http://127.0.0.1:9", conn_id="bench_stub")
    hook = SupabaseHook(conn_id)
    hook._transport_for().session = Session()  # type: ignore[assignment]
    session = Session()

    def bare() -> Any:
        return json.loads(session.request("GET", "/v1/projects").content)

    out: dict[str, Any] = {}
    for name, fn in (("bare_json_loads_us", bare), ("hook_list_projects_us", hook.list_projects)):
        fn()
        samples = []
        for _ in range(rounds):
            cpu0 = time.process_time()
            for _ in range(calls):
                fn()
            samples.append((time.process_time() - cpu0) / calls * 1e6)
        out[name] = stats(samples, 2)
    out["hook_added_us"] = round(out["hook_list_projects_us"]["median"] - out["bare_json_loads_us"]["median"], 2)
    return out


def run(reps: int = 5, calls: int = 1000, warmup: int = 100) -> dict[str, Any]:
    setup_airflow_env()
    from bench._servers import EmulatorProcess, LoopbackServer

    out: dict[str, Any] = {"benchmark": "call_overhead", "command": f"python -m bench.call_overhead --reps {reps}"}
    out["command"] += f" --calls {calls}"
    out["hook_cpu_without_network"] = hook_cpu_without_network()
    with LoopbackServer() as loop_server:
        out["loopback"] = measure(loop_server.url, "loop", reps, calls, warmup, loop_server.stats)
    with EmulatorProcess(rate_limit=10_000_000, rate_window=60.0) as emu:
        org = emu.call("seed_organization", "bench-org")
        emu.call("seed_project", "bench", org["slug"] if "slug" in org else org["id"])
        out["emulator"] = measure(emu.url, "emu", reps, calls, warmup, None)
        out["emulator"]["requests_served"] = len(emu.records())
    for server in ("loopback", "emulator"):
        clients = out[server]["clients"]
        out[server]["summary"] = {
            "bare_us": clients["bare_requests"]["wall_us_per_call"]["median"],
            "hook_us": clients["supabase_hook"]["wall_us_per_call"]["median"],
            "http_hook_us": clients["http_hook"]["wall_us_per_call"]["median"],
            "hook_ratio": clients["supabase_hook"]["ratio_to_bare_wall"]["median"],
            "http_hook_ratio": clients["http_hook"]["ratio_to_bare_wall"]["median"],
        }
    out["target"] = "SupabaseHook <= 1.10x bare requests.Session (median wall time per call, both servers)"
    out["met"] = all(out[s]["summary"]["hook_ratio"] <= 1.10 for s in ("loopback", "emulator"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--output", help="write the JSON result here instead of printing it")
    args = parser.parse_args()
    emit(run(args.reps, args.calls, args.warmup), args.output)


if __name__ == "__main__":
    main()
