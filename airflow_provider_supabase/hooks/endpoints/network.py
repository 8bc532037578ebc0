"""Network: banned IPs and database network restrictions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.request import Request
from airflow_provider_supabase.validation import validate_cidrs, validate_ipv4_addresses

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api


class NetworkEndpoints(EndpointGroup):
    def get_network_bans(self, ref: str) -> api.NetworkBanResponse:
        """The IPv4 addresses the project's database has banned (a POST that only reads: safe to repeat).

        :param ref: the project's 20-letter ref.
        :return: ``{"banned_ipv4_addresses": [...]}``.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("POST", *project_path(ref, "/network-bans/retrieve")))

    def remove_network_bans(self, ref: str, ipv4_addresses: Iterable[str]) -> None:
        """Lift bans on some IPv4 addresses.

        :param ref: the project's 20-letter ref.
        :param ipv4_addresses: the addresses (a non-empty list of IPv4 addresses).
        :raises SupabaseInputError: for a malformed address, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/network-bans")
        body = {"ipv4_addresses": validate_ipv4_addresses(ipv4_addresses)}
        return self._run(Request("DELETE", *path, json=body))

    def get_network_restrictions(self, ref: str) -> api.NetworkRestrictionsResponse:
        """The CIDRs allowed to reach the project's database.

        :param ref: the project's 20-letter ref.
        :return: ``{"config": {"dbAllowedCidrs", "dbAllowedCidrsV6"}, "status", "entitlement", ...}``.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/network-restrictions")))

    def apply_network_restrictions(
        self, ref: str, db_allowed_cidrs: Iterable[str], db_allowed_cidrs_v6: Iterable[str] | None = None
    ) -> api.NetworkRestrictionsResponse:
        """Replace the CIDRs allowed to reach the project's database.

        :param ref: the project's 20-letter ref.
        :param db_allowed_cidrs: IPv4 CIDRs (network addresses, e.g. ``10.0.0.0/8``).
        :param db_allowed_cidrs_v6: IPv6 CIDRs; ``None`` leaves them to the API.
        :return: the applied restrictions.
        :raises SupabaseInputError: for a malformed CIDR, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/network-restrictions/apply")
        body: dict[str, Any] = {"dbAllowedCidrs": validate_cidrs(db_allowed_cidrs, 4, "db_allowed_cidrs")}
        if db_allowed_cidrs_v6 is not None:
            body["dbAllowedCidrsV6"] = validate_cidrs(db_allowed_cidrs_v6, 6, "db_allowed_cidrs_v6")
        return self._run(Request("POST", *path, json=body))
