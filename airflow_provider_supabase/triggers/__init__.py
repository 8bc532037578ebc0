"""Triggers for deferrable Supabase waits; the classes load on first use, so importing the package stays cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_supabase.triggers.branches import BranchReadyTrigger, WorkflowRunTrigger
    from airflow_provider_supabase.triggers.supabase import CustomHostnameTrigger, ProjectStatusTrigger

__all__ = ["BranchReadyTrigger", "CustomHostnameTrigger", "ProjectStatusTrigger", "WorkflowRunTrigger"]

_MODULES = {
    "BranchReadyTrigger": "branches",
    "CustomHostnameTrigger": "supabase",
    "ProjectStatusTrigger": "supabase",
    "WorkflowRunTrigger": "branches",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
