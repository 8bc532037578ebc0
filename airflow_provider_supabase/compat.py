"""Where Airflow keeps what the provider uses, per Airflow 3 minor (placeholder until the compat lanes land)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook


async def aget_connection(conn_id: str) -> Any:
    """A connection, fetched without blocking the event loop."""
    return await BaseHook.aget_connection(conn_id)


__all__ = ["BaseHook", "aget_connection"]
