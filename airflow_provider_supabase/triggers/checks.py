"""Deprecated location: the wait checks moved to ``airflow_provider_supabase.waits.checks``."""

from __future__ import annotations

from airflow_provider_supabase.waits.checks import (
    MIN_REVERIFY_INTERVAL,
    REVERIFY_THROTTLE,
    Check,
    ReverifyThrottle,
    Step,
    effective_reverify_interval,
    hostname_step,
    project_step,
    run_async,
    run_sync,
)

__all__ = [
    "MIN_REVERIFY_INTERVAL",
    "REVERIFY_THROTTLE",
    "Check",
    "ReverifyThrottle",
    "Step",
    "effective_reverify_interval",
    "hostname_step",
    "project_step",
    "run_async",
    "run_sync",
]
