"""Export a project's API keys: publishable keys to XCom, secret keys only into Airflow Variables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import validate_ref

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context


def is_publishable(key: Mapping[str, Any]) -> bool:
    """Meant to ship in a browser or an app: a publishable key or the legacy ``anon`` JWT. Anything else, a key
    of a type not known here included, is treated as a secret."""
    kind, name = key.get("type"), key.get("name")
    return kind == "publishable" or (kind == "legacy" and name == "anon")


class ExportApiKeysOperator(SupabaseBaseOperator):
    """Read a project's API keys and hand them to the tasks that need them.

    Publishable keys (and the legacy ``anon`` key) are public by design: they go to XCom, by name. Secret keys
    (and the legacy ``service_role`` key) bypass row-level security: they are passed to the secrets masker, then
    written to Airflow Variables named ``<variable_prefix>_<key name>`` (read them with
    ``{{ var.value.<name> }}``), and never reach XCom, a log line or an exception. Re-running overwrites the
    Variables with the current values, so it also picks up a rotated key.

    :param project_ref: project ref (templated).
    :param variable_prefix: prefix of the Variables' names; default ``supabase_<ref>`` (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"publishable": {name: key}, "variables": [names of the Variables written]}``.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "variable_prefix")
    ui_color = "#fbbc04"

    def __init__(self, *, project_ref: str, variable_prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.variable_prefix = variable_prefix

    def _prefix(self, ref: str) -> str:
        prefix = self.variable_prefix
        if prefix is None:
            return f"supabase_{ref}"
        if not isinstance(prefix, str) or not prefix.strip() or any(c.isspace() for c in prefix):
            raise SupabaseInputError("variable_prefix", "must be a non-empty name without spaces")
        return prefix

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.compat import Variable, mask_secret

        ref = validate_ref(self.project_ref)
        prefix = self._prefix(ref)
        publishable: dict[str, str] = {}
        secret: dict[str, str] = {}
        for key in self.hook.list_api_keys(ref, reveal=True) or []:
            value, name = key.get("api_key"), str(key.get("name") or "")
            if not isinstance(value, str) or not value or not name:
                continue
            if is_publishable(key):
                publishable[name] = value
            else:
                mask_secret(value)
                secret[f"{prefix}_{name}"] = value
        for variable, value in sorted(secret.items()):
            Variable.set(variable, value, description=f"Supabase API key of project {ref} (ExportApiKeysOperator)")
        self.log.info(
            "Project %s: %d publishable key(s) to XCom (%s); %d secret key(s) to Variables %s",
            ref,
            len(publishable),
            ", ".join(sorted(publishable)) or "none",
            len(secret),
            ", ".join(sorted(secret)) or "none",
        )
        return {"publishable": publishable, "variables": sorted(secret)}
