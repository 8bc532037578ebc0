"""Secrets: Edge Function secrets (list, bulk upsert, bulk delete) and the pgsodium root key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.request import Request
from airflow_provider_supabase.validation import normalize_secrets, validate_root_key, validate_secret_name

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api


class SecretEndpoints(EndpointGroup):
    def list_secrets(self, ref: str) -> list[api.SecretResponse]:
        """List a project's secrets. The API answers each value as its SHA-256 digest, never in clear.

        :param ref: the project's 20-letter ref.
        :return: ``[{"name", "value" (digest), "updated_at"}]``.
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/secrets")))

    def create_secrets(self, ref: str, secrets: Mapping[str, str] | Iterable[Mapping[str, str]]) -> None:
        """Create or overwrite secrets in one request (a bulk upsert: repeating it is harmless, so it is retried).

        :param ref: the project's 20-letter ref.
        :param secrets: ``{name: value}`` or ``[{"name", "value"}]``. Names starting ``SUPABASE_`` are refused.
        :raises SupabaseInputError: for a bad name or a value that is not a string, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/secrets")
        body = [{"name": k, "value": v} for k, v in normalize_secrets(secrets).items()]
        return self._run(Request("POST", *path, json=body))

    def delete_secrets(self, ref: str, names: Iterable[str]) -> None:
        """Delete secrets by name in one request.

        :param ref: the project's 20-letter ref.
        :param names: the secret names (a list, not one string).
        :raises SupabaseInputError: for a bad name, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/secrets")
        if isinstance(names, str):
            raise SupabaseInputError("names", "must be a list of secret names, not a single string")
        body = [validate_secret_name(n, "names") for n in names]
        return self._run(Request("DELETE", *path, json=body))

    def get_pgsodium_config(self, ref: str) -> api.PgsodiumConfigResponse:
        """Read the project's pgsodium root key.

        :param ref: the project's 20-letter ref.
        :return: ``{"root_key"}``: a secret; mask it before logging.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/pgsodium")))

    def update_pgsodium_config(self, ref: str, root_key: str) -> api.PgsodiumConfigResponse:
        """Replace the pgsodium root key. Data encrypted with the old key becomes unreadable.

        :param ref: the project's 20-letter ref.
        :param root_key: 64 hexadecimal characters.
        :return: ``{"root_key"}``.
        :raises SupabaseInputError: for a malformed key, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/pgsodium")
        return self._run(Request("PUT", *path, json={"root_key": validate_root_key(root_key)}))
