"""Custom domains: read, initialize, reverify, activate and delete a project's custom hostname."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.request import Recovery, Request
from airflow_provider_supabase.validation import validate_hostname
from airflow_provider_supabase.waits.statuses import HostnameStatus

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api


def _activated(found: Any, existed: frozenset[str]) -> Any:
    """Recovery pick for activate: a second activate is refused once active, so active means done."""
    active = isinstance(found, Mapping) and found.get("status") == HostnameStatus.SERVICES_RECONFIGURED
    return found if active else None


class DomainEndpoints(EndpointGroup):
    def get_custom_hostname(self, ref: str) -> api.UpdateCustomHostnameResponse:
        """Read the project's custom-hostname configuration and where it stands.

        :param ref: the project's 20-letter ref.
        :return: ``{"status", "custom_hostname", "data"}``; ``status`` runs from ``1_not_started`` to
            ``5_services_reconfigured`` (``HostnameStatus``).
        :raises SupabaseApiError: 404 when none is configured.
        """
        return self._run(Request("GET", *project_path(ref, "/custom-hostname")))

    def delete_custom_hostname(self, ref: str) -> None:
        """Remove the project's custom-hostname configuration (10 calls a minute).

        :param ref: the project's 20-letter ref.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("DELETE", *project_path(ref, "/custom-hostname")))

    def initialize_custom_hostname(self, ref: str, custom_hostname: str) -> api.UpdateCustomHostnameResponse:
        """Start setting up a custom hostname (10 calls a minute); the answer holds the DNS records to create.

        :param ref: the project's 20-letter ref.
        :param custom_hostname: e.g. ``api.example.com`` (no scheme, no path).
        :return: the configuration at ``2_initiated``.
        :raises SupabaseInputError: for a malformed hostname, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/custom-hostname/initialize")
        return self._run(Request("POST", *path, json={"custom_hostname": validate_hostname(custom_hostname)}))

    def reverify_custom_hostname(self, ref: str) -> api.UpdateCustomHostnameResponse:
        """Ask the API to check DNS and certificates again (10 calls a minute): only this advances a hostname
        from ``2_initiated`` and ``3_challenge_verified``.

        :param ref: the project's 20-letter ref.
        :return: the configuration after the check.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("POST", *project_path(ref, "/custom-hostname/reverify")))

    def activate_custom_hostname(self, ref: str) -> api.UpdateCustomHostnameResponse:
        """Switch the project to its custom hostname (from ``4_origin_setup_completed``). A lost answer is
        recognised by reading the configuration back, since a second activate would be refused.

        :param ref: the project's 20-letter ref.
        :return: the configuration at ``5_services_reconfigured``.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/custom-hostname/activate")
        lookup = project_path(ref, "/custom-hostname")[0]
        return self._run(Request("POST", *path, recovery=Recovery(lookup, _activated)))
