"""Triggers for deferrable Supabase waits; the classes load on first use, so importing the package stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_supabase.triggers.supabase import CustomHostnameTrigger, ProjectStatusTrigger

__all__ = ["CustomHostnameTrigger", "ProjectStatusTrigger"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from airflow_provider_supabase.triggers import supabase

        return getattr(supabase, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
