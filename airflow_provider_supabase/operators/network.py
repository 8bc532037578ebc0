"""Database network access: apply allowed CIDRs (only when they differ) and lift IP bans."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import validate_cidrs, validate_ipv4_addresses, validate_ref

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context


def _as_set(cidrs: Iterable[Any] | None) -> frozenset[str]:
    """Canonical CIDR strings, so ``10.0.0.1/8`` on the server equals ``10.0.0.0/8`` here."""
    result = set()
    for cidr in cidrs or ():
        try:
            result.add(str(ipaddress.ip_network(str(cidr), strict=False)))
        except ValueError:
            result.add(str(cidr))
    return frozenset(result)


class ApplyNetworkRestrictionsOperator(SupabaseBaseOperator):
    """Allow database connections only from the given CIDRs.

    Reads the current restrictions first and sends nothing when they already match (compared as sets, in
    canonical form). ``db_allowed_cidrs_v6=None`` leaves the IPv6 list out of the request and the comparison.
    ``["0.0.0.0/0"]`` / ``["::/0"]`` allow everything; an empty list allows nothing.

    :param project_ref: project ref (templated).
    :param db_allowed_cidrs: IPv4 CIDRs, e.g. ``["203.0.113.0/24"]`` (templated).
    :param db_allowed_cidrs_v6: IPv6 CIDRs, or None to leave them as they are (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"applied", "db_allowed_cidrs", "db_allowed_cidrs_v6", "status"}``: ``applied`` is false when nothing
    needed to change; the lists are the configuration now in place.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "db_allowed_cidrs", "db_allowed_cidrs_v6")
    template_fields_renderers = {"db_allowed_cidrs": "json", "db_allowed_cidrs_v6": "json"}
    ui_color = "#a8dab5"

    def __init__(
        self,
        *,
        project_ref: str,
        db_allowed_cidrs: Sequence[str],
        db_allowed_cidrs_v6: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.db_allowed_cidrs = db_allowed_cidrs
        self.db_allowed_cidrs_v6 = db_allowed_cidrs_v6

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        v4 = validate_cidrs(self.db_allowed_cidrs, 4, "db_allowed_cidrs")
        v6 = (
            None
            if self.db_allowed_cidrs_v6 is None
            else validate_cidrs(self.db_allowed_cidrs_v6, 6, "db_allowed_cidrs_v6")
        )

        current = self.hook.get_network_restrictions(ref) or {}
        config = current.get("config") or {}
        matches = _as_set(config.get("dbAllowedCidrs")) == _as_set(v4) and (
            v6 is None or _as_set(config.get("dbAllowedCidrsV6")) == _as_set(v6)
        )
        if matches:
            self.log.info("Network restrictions of project %s already match; nothing to apply", ref)
            result, applied = current, False
        else:
            result = self.hook.apply_network_restrictions(ref, v4, v6) or {}
            applied = True
            self.log.info(
                "Applied network restrictions to project %s: IPv4 %s, IPv6 %s",
                ref,
                ", ".join(v4) or "(none)",
                "unchanged" if v6 is None else ", ".join(v6) or "(none)",
            )
        final = result.get("config") or {}
        return {
            "applied": applied,
            "db_allowed_cidrs": list(final.get("dbAllowedCidrs", v4)),
            "db_allowed_cidrs_v6": list(final.get("dbAllowedCidrsV6", v6 or [])),
            "status": result.get("status"),
        }


class RemoveNetworkBansOperator(SupabaseBaseOperator):
    """Lift the bans on the given IPv4 addresses (Supabase bans addresses after repeated failed logins).

    Only addresses that are actually banned are sent; when none is, no DELETE is made.

    :param project_ref: project ref (templated).
    :param ipv4_addresses: addresses to unban (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"removed": [...], "not_banned": [...]}``.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "ipv4_addresses")
    template_fields_renderers = {"ipv4_addresses": "json"}
    ui_color = "#a8dab5"

    def __init__(self, *, project_ref: str, ipv4_addresses: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.ipv4_addresses = ipv4_addresses

    def execute(self, context: Context) -> dict[str, list[str]]:
        ref = validate_ref(self.project_ref)
        wanted = list(
            dict.fromkeys(str(ipaddress.IPv4Address(a)) for a in validate_ipv4_addresses(self.ipv4_addresses))
        )
        banned = {str(a) for a in (self.hook.get_network_bans(ref) or {}).get("banned_ipv4_addresses") or []}
        removed = [a for a in wanted if a in banned]
        not_banned = [a for a in wanted if a not in banned]
        if removed:
            self.hook.remove_network_bans(ref, removed)
            self.log.info("Removed network bans on %s from project %s", ", ".join(removed), ref)
        if not_banned:
            self.log.info("Not banned in project %s, nothing to remove: %s", ref, ", ".join(not_banned))
        return {"removed": removed, "not_banned": not_banned}
