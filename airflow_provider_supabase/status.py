"""Deprecated location: the status rules moved to ``airflow_provider_supabase.waits.statuses``."""

from __future__ import annotations

from airflow_provider_supabase.waits.statuses import (
    HOSTNAME_REVERIFY_STATUSES,
    HOSTNAME_STATUSES,
    PROJECT_PENDING,
    PROJECT_TERMINAL,
    HostnameStatus,
    Outcome,
    ProjectStatus,
    State,
    hostname_needs_reverify,
    hostname_outcome,
    hostname_rank,
    project_outcome,
)

__all__ = [
    "HOSTNAME_REVERIFY_STATUSES",
    "HOSTNAME_STATUSES",
    "PROJECT_PENDING",
    "PROJECT_TERMINAL",
    "HostnameStatus",
    "Outcome",
    "ProjectStatus",
    "State",
    "hostname_needs_reverify",
    "hostname_outcome",
    "hostname_rank",
    "project_outcome",
]
