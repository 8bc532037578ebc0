"""Sync a project's Edge Function secrets to a desired mapping, sending only what changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator, secret_mapping_values
from airflow_provider_supabase.validation import normalize_secrets, validate_ref

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context

RESERVED_PREFIX = "SUPABASE_"


def _summary_table(ref: str, actions: Mapping[str, str], dry_run: bool) -> str:
    title = f"Secrets of project {ref}" + (" (dry run: nothing sent)" if dry_run else "")
    if not actions:
        return f"{title}: no secrets"
    width = max(len("NAME"), *(len(name) for name in actions))
    rows = [f"  {'NAME'.ljust(width)}  ACTION", f"  {'-' * width}  ---------"]
    rows += [f"  {name.ljust(width)}  {action}" for name, action in sorted(actions.items())]
    return "\n".join([f"{title}:", *rows])


class SyncSecretsOperator(SupabaseBaseOperator):
    """Make a project's secrets match ``secrets``: create the new ones, update the changed ones and, with
    ``prune=True``, delete the ones not in the mapping. Built for scheduled secret rotation.

    Values are compared with the SHA-256 digests the API lists, so unchanged secrets are never re-sent. Any
    number of secrets costs at most three requests (list, one bulk upsert, one bulk delete) and one when nothing
    changed. A retried run converges to the same state.

    Secrecy: every value is passed to Airflow's secrets masker as soon as it is rendered, so the rendered
    fields stored for the UI and every log line show ``***``. Values never appear in a log line, an exception
    or the XCom (names only). Give values as templates (``{{ var.value.stripe_key }}``,
    ``{{ conn.stripe.password }}``) or from an upstream task, so they are not written in the DAG file, which
    Airflow stores and shows. Values shorter than 5 characters are too short for the masker to hide.

    :param project_ref: project ref (templated).
    :param secrets: mapping name -> value, or a list of ``{"name", "value"}`` (templated). Names must not be
        empty or start with ``SUPABASE_`` (reserved); values must be strings.
    :param prune: delete remote secrets that are not in ``secrets`` (never ``SUPABASE_*`` ones, never those in
        ``keep``).
    :param keep: names that ``prune`` must never delete (templated).
    :param dry_run: compute and log the plan, change nothing.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"created": [...], "updated": [...], "deleted": [...], "unchanged": [...]}``: sorted names only (with
    ``dry_run``, what would have happened).
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "secrets", "keep")
    template_fields_renderers = {"secrets": "json", "keep": "json"}
    secret_fields = ("secrets",)
    ui_color = "#fbbc04"

    def __init__(
        self,
        *,
        project_ref: str,
        secrets: Mapping[str, str] | Sequence[Mapping[str, str]],
        prune: bool = False,
        keep: Iterable[str] = (),
        dry_run: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.secrets = secrets
        self.prune = prune
        self.keep = keep
        # Not ``self.dry_run``: that would hide BaseOperator.dry_run(), which ``airflow tasks test`` calls.
        self.dry_run_only = dry_run

    def _secret_values(self) -> Iterable[Any]:
        return secret_mapping_values(self.secrets)

    def _keep(self) -> frozenset[str]:
        keep = self.keep
        if isinstance(keep, str) or not isinstance(keep, Iterable) or not all(isinstance(k, str) for k in keep):
            raise SupabaseInputError("keep", "must be a list of secret names")
        return frozenset(keep)

    def execute(self, context: Context) -> dict[str, list[str]]:
        ref = validate_ref(self.project_ref)
        desired = normalize_secrets(self.secrets)
        keep = self._keep()

        from airflow_provider_supabase.config_rules import secret_digest

        remote = {str(s["name"]): str(s.get("value") or "").lower() for s in self.hook.list_secrets(ref) or []}
        plan: dict[str, list[str]] = {"created": [], "updated": [], "deleted": [], "unchanged": []}
        for name, value in desired.items():
            if name not in remote:
                plan["created"].append(name)
            elif remote[name] != secret_digest(value):
                plan["updated"].append(name)
            else:
                plan["unchanged"].append(name)
        if self.prune:
            plan["deleted"] = [
                name
                for name in remote
                if name not in desired and name not in keep and not name.upper().startswith(RESERVED_PREFIX)
            ]
        plan = {action: sorted(names) for action, names in plan.items()}
        actions = {name: action for action, names in plan.items() for name in names}
        self.log.info("%s", _summary_table(ref, actions, self.dry_run_only))

        if self.dry_run_only:
            return plan
        changed = plan["created"] + plan["updated"]
        if changed:
            self.hook.create_secrets(ref, {name: desired[name] for name in changed})
        if plan["deleted"]:
            self.hook.delete_secrets(ref, plan["deleted"])
        self.log.info(
            "Synced secrets of project %s: %d created, %d updated, %d deleted, %d unchanged",
            ref,
            *(len(plan[a]) for a in ("created", "updated", "deleted", "unchanged")),
        )
        return plan
