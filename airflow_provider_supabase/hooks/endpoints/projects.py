"""Projects: list, create (or adopt by name), read, and health."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, project_path
from airflow_provider_supabase.hooks.endpoints._naming import created_or_adopted, same_named
from airflow_provider_supabase.hooks.request import Recovery, Request
from airflow_provider_supabase.validation import (
    require_text,
    validate_instance_size,
    validate_plan,
    validate_region,
    validate_region_selection,
    validate_services,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from airflow_provider_supabase import api_types as api

PROJECT_EXTRA_FIELDS = frozenset({"kps_enabled", "template_url", "release_channel", "postgres_engine"})
_PATH = "/v1/projects"


class ProjectFields(TypedDict, total=False):
    """The create-project fields besides the name (see ``ProjectEndpoints.create_project``)."""

    organization_id: str | None
    organization_slug: str | None
    db_pass: str | None
    region: str | None
    plan: str | None
    region_selection: Mapping[str, str] | None
    desired_instance_size: str | None
    kps_enabled: bool
    template_url: str
    release_channel: str
    postgres_engine: str


_NAMED_FIELDS = frozenset(ProjectFields.__annotations__) - PROJECT_EXTRA_FIELDS


def project_body(name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The create-project body in both editions of the API, or ``SupabaseInputError`` naming the bad field."""
    require_text(name, "name")
    organization_id, region = fields.get("organization_id"), fields.get("region")
    org = fields.get("organization_slug") or organization_id
    require_text(org, "organization_id / organization_slug")
    db_pass = fields.get("db_pass")
    if not isinstance(db_pass, str) or not db_pass:
        raise SupabaseInputError("db_pass", "must be a non-empty string")
    extra = {k: v for k, v in fields.items() if k not in _NAMED_FIELDS}
    unknown = set(extra) - PROJECT_EXTRA_FIELDS
    if unknown:
        raise SupabaseInputError(sorted(unknown)[0], "is not a create-project field this API accepts")
    body: dict[str, Any] = {"name": name, "db_pass": db_pass, "organization_slug": org}
    if organization_id:
        body["organization_id"] = organization_id  # the seed edition of the API requires it
    if fields.get("region_selection") is not None:
        if region is not None:
            raise SupabaseInputError("region", "give region or region_selection, not both")
        body["region_selection"] = validate_region_selection(fields["region_selection"])
    else:
        body["region"] = validate_region(region)
    plan = fields.get("plan", "free")
    if plan is not None:
        body["plan"] = validate_plan(plan)
    if fields.get("desired_instance_size") is not None:
        body["desired_instance_size"] = validate_instance_size(fields["desired_instance_size"])
    body.update(extra)
    return body


class ProjectEndpoints(EndpointGroup):
    def list_projects(self) -> list[api.V1ProjectWithDatabaseResponse]:
        """List every project the token can see, in all its organizations.

        :return: the projects, each with ``ref``, ``name``, ``organization_slug``, ``region``, ``status``.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", _PATH, _PATH))

    def create_project(
        self,
        name: str,
        organization_id: str | None = None,
        db_pass: str | None = None,
        region: str | None = None,
        plan: str | None = "free",
        *,
        organization_slug: str | None = None,
        region_selection: Mapping[str, str] | None = None,
        desired_instance_size: str | None = None,
        **extra: Any,
    ) -> api.V1ProjectResponse:
        """Create a project. Sends the seed edition's fields (``organization_id``, ``plan``, ``region``) together
        with the current API's (``organization_slug``, ``region_selection``, ``desired_instance_size``).

        A create whose answer was lost (timeout, dropped connection, 5xx) is not sent blindly again: the projects
        are listed before the first attempt, and a same-named project of the organization that appears after it
        is adopted instead of duplicated.

        :param name: the project's name.
        :param organization_id: the organization's slug (the seed edition's field name).
        :param db_pass: the Postgres password.
        :param region: e.g. ``eu-west-1``; or give ``region_selection``.
        :param plan: ``free`` or ``pro``; ``None`` leaves it to the API.
        :param organization_slug: the organization's slug (the current field name).
        :param region_selection: ``{"type": "specific" | "smartGroup", "code": ...}``.
        :param desired_instance_size: e.g. ``micro``.
        :param extra: ``kps_enabled``, ``template_url``, ``release_channel``, ``postgres_engine``.
        :return: the new project (status ``UNKNOWN`` or ``COMING_UP``).
        :raises SupabaseInputError: for a missing or malformed field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        fields = {
            "organization_id": organization_id,
            "organization_slug": organization_slug,
            "db_pass": db_pass,
            "region": region,
            "plan": plan,
            "region_selection": region_selection,
            "desired_instance_size": desired_instance_size,
            **extra,
        }
        return self._run(self._create_project(project_body(name, fields), adopt_existing=False))

    def get_or_create_project(
        self, name: str, **fields: Unpack[ProjectFields]
    ) -> tuple[api.V1ProjectWithDatabaseResponse, bool]:
        """The organization's project of this name (the oldest that is not ``REMOVED``), or a new one.

        One listing decides both whether the project exists and, after an uncertain create, which project the
        create made. The fields are ``create_project``'s (``plan`` defaults to ``free``).

        :return: ``(project, created)``.
        :raises SupabaseInputError: for a missing or malformed field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._create_project(project_body(name, fields), adopt_existing=True))

    def _create_project(self, body: dict[str, Any], *, adopt_existing: bool) -> Plan:
        listing = yield Request("GET", _PATH, _PATH)
        recovery = Recovery(_PATH, same_named(body["name"], body["organization_slug"]))
        request = Request("POST", _PATH, _PATH, json=body, idempotent=False, recovery=recovery)
        return (yield from created_or_adopted(listing, request, adopt_existing))

    def get_project(self, ref: str) -> api.V1ProjectWithDatabaseResponse:
        """Read one project.

        :param ref: the project's 20-letter ref.
        :return: the project, with its ``status`` and ``database``.
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: 404 when the token cannot see the project.
        """
        return self._run(Request("GET", *project_path(ref)))

    def get_project_health(
        self, ref: str, services: Iterable[str] | str = ("db",)
    ) -> list[api.V1ServiceHealthResponse]:
        """The health of some of a project's services.

        :param ref: the project's 20-letter ref.
        :param services: among ``auth``, ``db``, ``db_postgres_user``, ``pg_bouncer``, ``pooler``, ``realtime``,
            ``rest``, ``storage``.
        :return: one entry per service: ``name``, ``healthy``, ``status``.
        :raises SupabaseInputError: for a malformed ref or an unknown service, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/health")
        return self._run(Request("GET", *path, params={"services": validate_services(services)}))
