"""Database: generated TypeScript types."""

from __future__ import annotations

from collections.abc import Iterable

from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.request import Request


class DatabaseEndpoints(EndpointGroup):
    def generate_typescript_types(self, ref: str, included_schemas: Iterable[str] | str | None = None) -> str:
        """Generate TypeScript types for the project's database schemas.

        :param ref: the project's 20-letter ref.
        :param included_schemas: schema names (default: the API's, ``public``).
        :return: the TypeScript source.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/types/typescript")
        params = None
        if included_schemas:
            schemas = included_schemas if isinstance(included_schemas, str) else ",".join(included_schemas)
            params = {"included_schemas": schemas}
        return self._run(Request("GET", *path, params=params, transform=lambda r: r["types"]))
