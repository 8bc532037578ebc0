"""Database: generated TypeScript types, SQL queries, and the migration history (partner OAuth apps only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.request import Request
from airflow_provider_supabase.validation import require_text

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api


def _parameters(parameters: Any) -> list[Any] | None:
    if parameters is None:
        return None
    # A string or a mapping would be sent as something the server cannot bind to $1, $2...
    if not isinstance(parameters, (list, tuple)):
        raise SupabaseInputError(
            "parameters", f"must be a list of values for $1, $2..., got {type(parameters).__name__}"
        )
    return list(parameters)


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

    def run_query(
        self, ref: str, query: str, *, parameters: Sequence[Any] | None = None, read_only: bool = False
    ) -> list[dict[str, Any]]:
        """Run SQL on the project's database, as ``postgres`` (or ``supabase_read_only_user`` when read-only).

        A query without parameters may hold several statements; ``parameters`` are bound by the server to
        ``$1``, ``$2``... of a single statement, never formatted into the text. A query that writes is not sent
        again after a failure that may have reached the server (it could run twice); a read-only one is.

        :param ref: the project's 20-letter ref.
        :param query: the SQL text.
        :param parameters: values for ``$1``, ``$2``... (JSON values; lists become arrays).
        :param read_only: run through ``/database/query/read-only``: any write is refused by the database.
        :return: the rows of the last statement that returned any, each ``{column: value}``; ``[]`` otherwise.
        :raises SupabaseInputError: for a query that is not a non-empty string or parameters that are not a list,
            before any request.
        :raises SupabaseApiError: when the API refuses the call, or the database the SQL (the API's message
            carries PostgreSQL's).
        """
        sql = require_text(query, "query")
        values = _parameters(parameters)
        suffix = "/database/query/read-only" if read_only else "/database/query"
        body: dict[str, Any] = {"query": sql}
        if values is not None:
            body["parameters"] = values
        return self._run(Request("POST", *project_path(ref, suffix), json=body, idempotent=bool(read_only)))

    def list_migrations(self, ref: str) -> api.V1ListMigrationsResponse:
        """List the migration versions applied to the project (the API says: selected partner OAuth apps only).

        :param ref: the project's 20-letter ref.
        :return: ``[{"version", "name"}]``, oldest first.
        :raises SupabaseApiError: when the API refuses the call (403 for tokens that may not use it).
        """
        return self._run(Request("GET", *project_path(ref, "/database/migrations")))

    def apply_migration(
        self, ref: str, query: str, name: str | None = None, *, idempotency_key: str | None = None
    ) -> None:
        """Apply SQL as a new migration and record it in the project's history (selected partner OAuth apps only).

        Without ``idempotency_key`` a failure that may have reached the server is not retried (the migration
        could be applied twice); with one, the API records the migration once however often it is sent, so the
        call is retried like a read.

        :param ref: the project's 20-letter ref.
        :param query: the migration's SQL.
        :param name: the name recorded with the version the API assigns.
        :param idempotency_key: sent as the ``Idempotency-Key`` header.
        :raises SupabaseInputError: for an empty query, a name or key that is not a string, before any request.
        :raises SupabaseApiError: when the API refuses the call or the database the SQL.
        """
        path = project_path(ref, "/database/migrations")
        body = {"query": require_text(query, "query")}
        if name is not None:
            body["name"] = require_text(name, "name")
        headers = None
        if idempotency_key is not None:
            headers = {"Idempotency-Key": require_text(idempotency_key, "idempotency_key")}
        request = Request("POST", *path, json=body, headers=headers, idempotent=headers is not None)
        return self._run(request)
