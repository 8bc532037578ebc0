"""Set up a project's custom domain: initialize (and show the DNS records to create), reverify, activate, delete."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.compat import AirflowFailException
from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import validate_hostname, validate_ref
from airflow_provider_supabase.waits.statuses import HostnameStatus, hostname_rank

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context

NOT_STARTED = HostnameStatus.NOT_STARTED.value
INITIATED = HostnameStatus.INITIATED.value
ORIGIN_SETUP_COMPLETED = HostnameStatus.ORIGIN_SETUP_COMPLETED.value
SERVICES_RECONFIGURED = HostnameStatus.SERVICES_RECONFIGURED.value


def _result(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return (config.get("data") or {}).get("result") or {}


def dns_records(config: Mapping[str, Any]) -> list[dict[str, str]]:
    """The DNS records the user must create: the CNAME to the project, the ownership TXT and the SSL TXTs."""
    result = _result(config)
    hostname = config.get("custom_hostname") or result.get("hostname")
    records: list[dict[str, str]] = []
    if hostname and result.get("custom_origin_server"):
        records.append({"type": "CNAME", "name": str(hostname), "value": str(result["custom_origin_server"])})
    ownership = result.get("ownership_verification") or {}
    if ownership.get("name"):
        kind = str(ownership.get("type") or "txt").upper()
        records.append({"type": kind, "name": str(ownership["name"]), "value": str(ownership.get("value", ""))})
    for record in (result.get("ssl") or {}).get("validation_records") or []:
        if record.get("txt_name"):
            records.append({"type": "TXT", "name": str(record["txt_name"]), "value": str(record.get("txt_value", ""))})
    return records


def _errors(config: Mapping[str, Any]) -> list[str]:
    result = _result(config)
    ssl = result.get("ssl") or {}
    errors = [str(e) for e in result.get("verification_errors") or []]
    errors += [
        str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in ssl.get("validation_errors") or []
    ]
    return errors


def _records_table(records: list[dict[str, str]]) -> str:
    if not records:
        return "  (the API returned no DNS records)"
    name_width = max(len(r["name"]) for r in records)
    return "\n".join(f"  {r['type']:<5}  {r['name'].ljust(name_width)}  {r['value']}" for r in records)


class _HostnameOperator(SupabaseBaseOperator):
    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref")
    ui_color = "#8ab4f8"

    def __init__(self, *, project_ref: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref

    def _current(self, ref: str) -> Mapping[str, Any]:
        try:
            return self.hook.get_custom_hostname(ref) or {}
        except SupabaseApiError as err:
            # Projects that never had a custom hostname may answer 404 rather than 1_not_started.
            if err.status_code == 404:
                return {"status": NOT_STARTED}
            raise


class InitializeCustomHostnameOperator(_HostnameOperator):
    """Start setting up a custom hostname and log the DNS records the user must create.

    Idempotent: when the same hostname is already initialized (any later step too), nothing is sent and the
    current records are returned. A different hostname replaces the configured one (a warning is logged).

    :param project_ref: project ref (templated).
    :param custom_hostname: e.g. ``api.example.com`` (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"custom_hostname", "status", "dns_records": [{"type", "name", "value"}, ...]}``.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "custom_hostname")

    def __init__(self, *, project_ref: str, custom_hostname: str, **kwargs: Any) -> None:
        super().__init__(project_ref=project_ref, **kwargs)
        self.custom_hostname = custom_hostname

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        hostname = validate_hostname(self.custom_hostname)
        current = self._current(ref)
        configured = str(current.get("custom_hostname") or "").lower()
        if configured == hostname and hostname_rank(current.get("status")) >= hostname_rank(INITIATED):
            config = current
            self.log.info(
                "Custom hostname %s is already initialized (%s); not initializing again", hostname, current["status"]
            )
        else:
            if (
                configured
                and configured != hostname
                and hostname_rank(current.get("status")) >= hostname_rank(INITIATED)
            ):
                self.log.warning("Replacing custom hostname %s of project %s with %s", configured, ref, hostname)
            config = self.hook.initialize_custom_hostname(ref, hostname)
            self.log.info("Initialized custom hostname %s for project %s", hostname, ref)
        records = dns_records(config)
        self.log.info(
            "Create these DNS records for %s, then reverify:\n  TYPE   NAME  VALUE\n%s",
            hostname,
            _records_table(records),
        )
        return {"custom_hostname": hostname, "status": config.get("status"), "dns_records": records}


class ReverifyCustomHostnameOperator(_HostnameOperator):
    """Ask Supabase to check the DNS records again; each successful check moves the hostname one step
    (``2_initiated`` -> ``3_challenge_verified`` -> ``4_origin_setup_completed``).

    Nothing is sent when the hostname is already verified (step 4 or 5). Fails with a clear message when no
    hostname was initialized. To wait for verification, use ``CustomHostnameSensor``.

    :param project_ref: project ref (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"custom_hostname", "status", "errors": [...]}``: the verification and SSL errors the API reports.
    """

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        current = self._current(ref)
        status = current.get("status")
        if hostname_rank(status) <= hostname_rank(NOT_STARTED):
            raise AirflowFailException(
                f"Project {ref} has no custom hostname to reverify (status {status}); run "
                "InitializeCustomHostnameOperator first"
            )
        if hostname_rank(status) >= hostname_rank(ORIGIN_SETUP_COMPLETED):
            config = current
            self.log.info("Custom hostname %s is already verified (%s)", current.get("custom_hostname"), status)
        else:
            config = self.hook.reverify_custom_hostname(ref)
            self.log.info(
                "Reverified custom hostname %s: %s -> %s", config.get("custom_hostname"), status, config.get("status")
            )
        errors = _errors(config)
        for error in errors:
            self.log.warning("Custom hostname %s: %s", config.get("custom_hostname"), error)
        return {"custom_hostname": config.get("custom_hostname"), "status": config.get("status"), "errors": errors}


class ActivateCustomHostnameOperator(_HostnameOperator):
    """Switch the project's services to the custom hostname.

    Refuses unless the hostname is ``4_origin_setup_completed``; succeeds without a call when it is already
    active (``5_services_reconfigured``).

    :param project_ref: project ref (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"custom_hostname", "status", "activated"}``; ``activated`` is false when it already was.
    """

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        current = self._current(ref)
        status, hostname = current.get("status"), current.get("custom_hostname")
        if status == SERVICES_RECONFIGURED:
            self.log.info("Custom hostname %s is already active; nothing to do", hostname)
            return {"custom_hostname": hostname, "status": status, "activated": False}
        if status != ORIGIN_SETUP_COMPLETED:
            raise AirflowFailException(
                f"Custom hostname {hostname or '(none)'} of project {ref} is {status}; it can only be activated "
                f"once it is {ORIGIN_SETUP_COMPLETED} (create the DNS records, then reverify or wait with "
                "CustomHostnameSensor)"
            )
        config = self.hook.activate_custom_hostname(ref)
        self.log.info("Activated custom hostname %s for project %s", hostname, ref)
        return {
            "custom_hostname": config.get("custom_hostname", hostname),
            "status": config.get("status"),
            "activated": True,
        }


class DeleteCustomHostnameOperator(_HostnameOperator):
    """Remove the project's custom hostname; nothing is sent when none is configured.

    :param project_ref: project ref (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"custom_hostname", "deleted"}``: the hostname that was removed (None when there was none).
    """

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        current = self._current(ref)
        hostname = current.get("custom_hostname") or None
        if current.get("status") == NOT_STARTED or not hostname:
            self.log.info("Project %s has no custom hostname; nothing to delete", ref)
            return {"custom_hostname": None, "deleted": False}
        self.hook.delete_custom_hostname(ref)
        self.log.info("Deleted custom hostname %s of project %s", hostname, ref)
        return {"custom_hostname": hostname, "deleted": True}
