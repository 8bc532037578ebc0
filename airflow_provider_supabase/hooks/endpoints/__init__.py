"""The Management API's endpoints, one module per API tag. ``Endpoints`` gathers them for both hooks.

A new endpoint is one method in the module of its tag: it validates its input, builds a ``Request`` (or a plan
of several) and returns ``self._run(...)``. Nothing else in the hook layer changes.
"""

from __future__ import annotations

from airflow_provider_supabase.hooks.endpoints.branches import BranchEndpoints
from airflow_provider_supabase.hooks.endpoints.config import ConfigEndpoints
from airflow_provider_supabase.hooks.endpoints.database import DatabaseEndpoints
from airflow_provider_supabase.hooks.endpoints.domains import DomainEndpoints
from airflow_provider_supabase.hooks.endpoints.functions import FunctionEndpoints
from airflow_provider_supabase.hooks.endpoints.keys import KeyEndpoints
from airflow_provider_supabase.hooks.endpoints.network import NetworkEndpoints
from airflow_provider_supabase.hooks.endpoints.organizations import OrganizationEndpoints
from airflow_provider_supabase.hooks.endpoints.projects import ProjectEndpoints
from airflow_provider_supabase.hooks.endpoints.secrets import SecretEndpoints


class Endpoints(
    OrganizationEndpoints,
    ProjectEndpoints,
    SecretEndpoints,
    DatabaseEndpoints,
    FunctionEndpoints,
    DomainEndpoints,
    NetworkEndpoints,
    ConfigEndpoints,
    KeyEndpoints,
    BranchEndpoints,
):
    """Every endpoint method; ``SupabaseHook`` answers them with values, ``SupabaseAsyncHook`` with awaitables."""


__all__ = ["Endpoints"]
