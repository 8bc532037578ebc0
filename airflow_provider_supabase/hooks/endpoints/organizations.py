"""Organizations: list, create, and create-or-adopt by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup
from airflow_provider_supabase.hooks.endpoints._naming import created_or_adopted, same_named
from airflow_provider_supabase.hooks.request import Recovery, Request
from airflow_provider_supabase.validation import require_text

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api

_PATH = "/v1/organizations"


class OrganizationEndpoints(EndpointGroup):
    def list_organizations(self) -> list[api.OrganizationResponseV1]:
        """List the organizations the token can see.

        :return: the organizations (``id``, ``slug``, ``name``).
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", _PATH, _PATH))

    def create_organization(self, name: str) -> api.OrganizationResponseV1:
        """Create an organization. Names are not unique: this always creates one, unless an uncertain attempt
        (timeout, dropped connection, 5xx) already did, which is then adopted instead of duplicated.

        :param name: the organization's name.
        :return: the organization.
        :raises SupabaseInputError: for an empty name, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._create_organization(require_text(name, "name"), adopt_existing=False))

    def get_or_create_organization(self, name: str) -> tuple[api.OrganizationResponseV1, bool]:
        """The organization of this name the token can see (the oldest, if several), or a new one.

        One listing decides both whether it exists and, after an uncertain create, what the create made.

        :param name: the organization's name: the idempotency key.
        :return: ``(organization, created)``.
        :raises SupabaseInputError: for an empty name, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._create_organization(require_text(name, "name"), adopt_existing=True))

    def _create_organization(self, name: str, *, adopt_existing: bool) -> Plan:
        pick = same_named(name)
        listing = yield Request("GET", _PATH, _PATH)
        recovery = Recovery(_PATH, pick)
        request = Request("POST", _PATH, _PATH, json={"name": name}, idempotent=False, recovery=recovery)
        return (yield from created_or_adopted(listing, request, adopt_existing))
