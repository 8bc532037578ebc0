"""Project configuration: Auth (GoTrue), PostgREST and Postgres, each read whole and updated field by field.

The field names each update accepts come from the spec's request bodies (``api_types``, generated), so a typo is
refused before any request instead of being silently dropped or answered with a 400 that names no field.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.request import Request

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api

CONFIG_SECTIONS = ("auth", "postgrest", "postgres")
_UPDATE_BODIES = {
    "auth": "UpdateAuthConfigBody",
    "postgrest": "V1UpdatePostgrestConfigBody",
    "postgres": "UpdatePostgresConfigBody",
}


@functools.cache
def known_fields(section: str) -> frozenset[str]:
    """The settings a section's update accepts, read from the spec's request body (``api_types``)."""
    # Imported here: api_types is large, and this runs only when a config is checked or sent.
    from airflow_provider_supabase import api_types

    names = frozenset(getattr(api_types, _UPDATE_BODIES[section]).__annotations__)
    # ``restart_database`` is an instruction, not a setting: it has its own argument.
    return names - {"restart_database"}


def config_fields(fields: Any, section: str) -> dict[str, Any]:
    """``fields`` as a dict, or ``SupabaseInputError`` naming the first field the section's update does not accept."""
    if not isinstance(fields, Mapping):
        raise SupabaseInputError(section, "must be a mapping of field name -> value")
    known = known_fields(section)
    unknown = sorted(str(name) for name in fields if name not in known)
    if unknown:
        raise SupabaseInputError(f"{section}.{unknown[0]}", f"is not a field of the {section} config")
    return dict(fields)


class ConfigEndpoints(EndpointGroup):
    def get_auth_config(self, ref: str) -> api.AuthConfigResponse:
        """Read the project's Auth config. Secret fields (``smtp_pass``, ``*_secret``, hook secrets…) are answered
        as SHA-256 digests, never in clear.

        :param ref: the project's 20-letter ref.
        :return: every Auth setting.
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/config/auth")))

    def update_auth_config(self, ref: str, fields: Mapping[str, Any]) -> api.AuthConfigResponse:
        """Change some Auth settings (PATCH: fields not given keep their value).

        :param ref: the project's 20-letter ref.
        :param fields: setting -> new value; the names of ``UpdateAuthConfigBody`` in the spec.
        :return: the whole Auth config after the change.
        :raises SupabaseInputError: for a malformed ref or an unknown field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/config/auth")
        return self._run(Request("PATCH", *path, json=config_fields(fields, "auth")))

    def get_postgrest_config(self, ref: str) -> api.PostgrestConfigWithJWTSecretResponse:
        """Read the project's PostgREST (Data API) config.

        :param ref: the project's 20-letter ref.
        :return: ``db_schema``, ``max_rows``, ``db_extra_search_path``, ``db_pool`` and ``jwt_secret`` (a secret).
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/postgrest")))

    def update_postgrest_config(self, ref: str, fields: Mapping[str, Any]) -> api.V1PostgrestConfigResponse:
        """Change some PostgREST settings (PATCH).

        :param ref: the project's 20-letter ref.
        :param fields: among ``db_schema``, ``max_rows``, ``db_extra_search_path``, ``db_pool``.
        :return: the PostgREST config after the change (without ``jwt_secret``).
        :raises SupabaseInputError: for a malformed ref or an unknown field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("PATCH", *project_path(ref, "/postgrest"), json=config_fields(fields, "postgrest")))

    def get_postgres_config(self, ref: str) -> api.PostgresConfigResponse:
        """Read the Postgres settings the project overrides (``max_connections``, ``work_mem``…).

        :param ref: the project's 20-letter ref.
        :return: the overridden settings; one not listed has Postgres's default for the compute size.
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/config/database/postgres")))

    def update_postgres_config(
        self, ref: str, fields: Mapping[str, Any], *, restart_database: bool | None = None
    ) -> api.PostgresConfigResponse:
        """Change some Postgres settings. Settings Postgres reads only at start (``max_connections``,
        ``shared_buffers``…) restart the database, which drops every connection for a few seconds.

        :param ref: the project's 20-letter ref.
        :param fields: setting -> new value; the names of ``UpdatePostgresConfigBody`` in the spec.
        :param restart_database: ask for (or, with false, refuse) a restart; ``None`` leaves it to the API.
        :return: the Postgres config after the change.
        :raises SupabaseInputError: for a malformed ref or an unknown field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/config/database/postgres")
        body = config_fields(fields, "postgres")
        if restart_database is not None:
            if not isinstance(restart_database, bool):
                raise SupabaseInputError("restart_database", "must be true, false or None")
            body["restart_database"] = restart_database
        return self._run(Request("PUT", *path, json=body))
