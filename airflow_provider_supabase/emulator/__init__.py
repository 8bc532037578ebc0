"""Local, stateful emulator of the Supabase Management API for tests, demos and benchmarks.

Start it in-process with ``Emulator(...).start()`` or as ``python -m airflow_provider_supabase.emulator``.
Edge Function ``ezbr_sha256`` values follow the convention documented in
:mod:`airflow_provider_supabase.digest`.
"""

from __future__ import annotations

from airflow_provider_supabase.digest import source_digest
from airflow_provider_supabase.emulator.core import Emulator
from airflow_provider_supabase.emulator.faults import Fault, RequestRecord

__all__ = ["Emulator", "Fault", "RequestRecord", "source_digest"]
