"""Sensors that wait on the Supabase Management API; the classes load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor
    from airflow_provider_supabase.sensors.custom_hostname import SupabaseCustomHostnameSensor
    from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor

__all__ = ["SupabaseBranchSensor", "SupabaseCustomHostnameSensor", "SupabaseProjectStatusSensor"]

_MODULES = {
    "SupabaseBranchSensor": "branch",
    "SupabaseCustomHostnameSensor": "custom_hostname",
    "SupabaseProjectStatusSensor": "project",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
