"""Profiles behind the benchmark write-up: where the hook's time goes, with the network taken out.

1. ``SupabaseAsyncHook`` client creation (what each trigger does once): cProfile of building ``--clients``
   clients, as the hook does it, then with one shared SSL context (the proposed fix).
2. ``SupabaseHook.list_projects`` with its session answering from memory: cProfile of ``--calls`` calls, so
   only the hook's own Python shows (retry loop, rate-limit gate, response interpretation).

    python -m bench.profile_hotspots --clients 50 --calls 20000
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from typing import Any

from bench._common import set_supabase_conn, setup_airflow_env


def _top(profile: cProfile.Profile, sort: str, count: int) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(count)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(line for line in lines[start:] if line.strip())


def async_clients(clients: int) -> str:
    import httpx

    from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook

    conn_id = set_supabase_conn("http://127.0.0.1:9", conn_id="bench_profile_async")

    async def build(n: int) -> float:
        hooks = [SupabaseAsyncHook(conn_id) for _ in range(n)]
        start = time.perf_counter()
        for hook in hooks:
            await hook._transport_for()
        elapsed = time.perf_counter() - start
        for hook in hooks:
            await hook.aclose()
        return elapsed

    asyncio.run(build(1))
    profile = cProfile.Profile()
    profile.enable()
    as_is = asyncio.run(build(clients))
    profile.disable()
    context = httpx.create_ssl_context()
    start = time.perf_counter()
    shared = [httpx.AsyncClient(verify=context) for _ in range(clients)]
    shared_s = time.perf_counter() - start
    for client in shared:
        asyncio.run(client.aclose())
    return (
        f"{clients} SupabaseAsyncHook clients: {as_is / clients * 1e3:.1f} ms each, all of it blocking the event "
        f"loop; with one shared SSL context: {shared_s / clients * 1e3:.2f} ms each\n" + _top(profile, "cumulative", 16)
    )


def sync_calls(calls: int) -> str:
    import json

    from requests.structures import CaseInsensitiveDict

    from airflow_provider_supabase.hooks.supabase import SupabaseHook
    from bench._servers import PROJECT_BODY

    class Reply:
        status_code = 200
        headers = CaseInsensitiveDict({"Content-Type": "application/json", "X-RateLimit-Remaining": "119"})
        content = PROJECT_BODY

    class Session:
        def request(self, *args: Any, **kwargs: Any) -> Reply:
            return Reply()

    conn_id = set_supabase_conn("http://127.0.0.1:9", conn_id="bench_profile_sync")
    hook = SupabaseHook(conn_id)
    hook._session = Session()  # type: ignore[assignment]
    hook.list_projects()
    start = time.process_time()
    for _ in range(calls):
        hook.list_projects()
    per_call = (time.process_time() - start) / calls * 1e6
    start = time.process_time()
    for _ in range(calls):
        json.loads(Reply.content)
    parse = (time.process_time() - start) / calls * 1e6
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        hook.list_projects()
    profile.disable()
    return (
        f"SupabaseHook.list_projects without network: {per_call:.1f} us of CPU per call, of which parsing the "
        f"JSON reply (which any client does) {parse:.1f} us\n" + _top(profile, "tottime", 18)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    setup_airflow_env()
    print("== 1. async client creation ==")
    print(async_clients(args.clients))
    print("\n== 2. sync hook call, network stubbed out ==")
    print(sync_calls(args.calls))


if __name__ == "__main__":
    main()
