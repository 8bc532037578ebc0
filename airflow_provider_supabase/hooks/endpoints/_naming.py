"""The one rule for "does a resource of this name exist already?", shared by every create that is idempotent by
name (organizations, projects): the oldest same-named resource (in the organization, for projects) that is not
``REMOVED``, among those that were not there before the call when it is recognising its own uncertain create."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.request import Pick, Request, identities


def same_named(name: str, organization: str | None = None) -> Pick:
    def pick(items: Any, existed: frozenset[str]) -> Any:
        found = [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping)
            and item.get("name") == name
            and item.get("status") != "REMOVED"
            and identities([item]).isdisjoint(existed)
            and (organization is None or organization in (item.get("organization_slug"), item.get("organization_id")))
        ]
        found.sort(key=lambda item: str(item.get("created_at") or ""))
        return found[0] if found else None

    return pick


def created_or_adopted(listing: Any, create: Request, adopt_existing: bool) -> Plan:
    """With the listing made before the first attempt: adopt what exists (``adopt_existing``), else send ``create``
    with a recovery that ignores everything listed. Returns ``(resource, created)`` when adopting is allowed, else
    the created resource."""
    assert create.recovery is not None
    if adopt_existing:
        existing = create.recovery.pick(listing, frozenset())
        if existing is not None:
            return existing, False
    recovery = replace(create.recovery, existed=identities(listing))
    created = yield replace(create, recovery=recovery)
    return (created, True) if adopt_existing else created
