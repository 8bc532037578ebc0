"""Create (or adopt) a Supabase organization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import require_text

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context


class CreateOrganizationOperator(SupabaseBaseOperator):
    """Create an organization, or adopt the one the token can already see under that exact name.

    Organization names are not unique in Supabase, so the name is the idempotency key: a retried task or a
    re-run DAG never creates a second organization with the same name.

    :param name: organization name (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"id", "slug", "name", "created"}``; ``created`` is false when an existing one was adopted.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "name")

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name

    def execute(self, context: Context) -> dict[str, Any]:
        name = require_text(self.name, "name")
        org, created = self.hook.get_or_create_organization(name)
        if created:
            self.log.info("Created organization %r (%s)", name, org.get("slug"))
        else:
            self.log.info("Organization %r already exists (%s); adopting it", name, org.get("slug"))
        slug = org.get("slug") or org.get("id")
        return {"id": org.get("id") or slug, "slug": slug, "name": org.get("name", name), "created": created}
