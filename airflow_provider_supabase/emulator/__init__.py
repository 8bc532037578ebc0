"""Local, stateful emulator of the Supabase Management API for tests, demos and benchmarks.

Start it in-process with ``Emulator(...).start()`` or as ``python -m airflow_provider_supabase.emulator``.
Like the real API, an Edge Function's ``ezbr_sha256`` is a hash of a bundle built on the server, which no client
can reproduce from the sources.
"""

from __future__ import annotations

from airflow_provider_supabase.emulator.core import Emulator
from airflow_provider_supabase.emulator.faults import Fault, RequestRecord

__all__ = ["Emulator", "Fault", "RequestRecord"]
