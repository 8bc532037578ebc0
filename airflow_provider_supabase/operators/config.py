"""Config as code: make a project's Auth, PostgREST and Postgres settings match a mapping, sending only changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import validate_ref

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context

SECTIONS = ("auth", "postgrest", "postgres")

# ``config_rules`` is imported where it is used, not at module level: a DAG parse never needs it.


def _differs(name: str, wanted: Any, current: Any) -> bool:
    from airflow_provider_supabase.config_rules import is_secret_field, secret_digest

    if is_secret_field(name) and isinstance(wanted, str) and wanted:
        # The API answers a secret as its SHA-256 digest: equal digests mean the secret is already set.
        return str(current or "").lower() != secret_digest(wanted) and current != wanted
    return bool(wanted != current)


def _shown(name: str, value: Any) -> str:
    from airflow_provider_supabase.config_rules import is_secret_field

    return "***" if is_secret_field(name) and value else repr(value)


def _diff_lines(
    section: str, changes: Iterable[str], wanted: Mapping[str, Any], current: Mapping[str, Any]
) -> list[str]:
    from airflow_provider_supabase.config_rules import is_secret_field

    lines = []
    for name in changes:
        if is_secret_field(name):
            lines.append(f"  {section}.{name}: (secret) {'changed' if current.get(name) else 'set'}")
        else:
            lines.append(f"  {section}.{name}: {_shown(name, current.get(name))} -> {_shown(name, wanted[name])}")
    return lines


class UpdateProjectConfigOperator(SupabaseBaseOperator):
    """Make a project's Auth, PostgREST and Postgres settings match the given ones, config as code.

    Each section given is read once, compared field by field, and only the fields that differ are sent (in one
    update per section); a section with nothing to change costs one read and no write. Settings not given are
    left alone. An unknown setting name (a typo, or a setting of another section) fails the task before any
    request, naming it. A change to a Postgres setting read only at start (``max_connections``,
    ``shared_buffers``…) restarts the database: a warning says so before it is sent.

    Secrets (``smtp_pass``, ``*_secret``, hook ``*_secrets``, ``*_key``, ``*_token``): the API answers them as
    SHA-256 digests, so they are compared by digest and re-sent only when they changed. They are masked from
    rendering onward, and shown as ``(secret)`` in the diff: never a value in a log line, exception or XCom.

    :param project_ref: project ref (templated).
    :param auth: Auth settings (``site_url``, ``smtp_pass``, ``external_google_enabled``…) (templated).
    :param postgrest: PostgREST settings (``db_schema``, ``max_rows``, ``db_extra_search_path``, ``db_pool``)
        (templated).
    :param postgres: Postgres settings (``statement_timeout``, ``max_connections``…) (templated).
    :param dry_run: compute and log the diff, change nothing.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"auth": [...], "postgrest": [...], "postgres": [...], "restarts_database": bool}``: the names of the
    settings changed (with ``dry_run``, that would have changed).
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "auth", "postgrest", "postgres")
    template_fields_renderers = {"auth": "json", "postgrest": "json", "postgres": "json"}
    ui_color = "#a78bfa"

    def __init__(
        self,
        *,
        project_ref: str,
        auth: Mapping[str, Any] | None = None,
        postgrest: Mapping[str, Any] | None = None,
        postgres: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.auth = auth
        self.postgrest = postgrest
        self.postgres = postgres
        # Not ``self.dry_run``: that would hide BaseOperator.dry_run(), which ``airflow tasks test`` calls.
        self.dry_run_only = dry_run

    def _secret_values(self) -> Iterable[Any]:
        from airflow_provider_supabase.config_rules import is_secret_field

        for section in SECTIONS:
            fields = getattr(self, section)
            if isinstance(fields, Mapping):
                yield from (value for name, value in fields.items() if is_secret_field(str(name)))

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.config_rules import POSTGRES_RESTART_SETTINGS
        from airflow_provider_supabase.hooks.endpoints.config import config_fields

        ref = validate_ref(self.project_ref)
        wanted = {s: config_fields(getattr(self, s), s) for s in SECTIONS if getattr(self, s) is not None}
        result: dict[str, Any] = {section: [] for section in SECTIONS}
        result["restarts_database"] = False
        lines: list[str] = []
        updates: dict[str, dict[str, Any]] = {}
        for section, fields in wanted.items():
            current = getattr(self.hook, f"get_{section}_config")(ref) or {}
            changes = sorted(name for name, value in fields.items() if _differs(name, value, current.get(name)))
            result[section] = changes
            lines += _diff_lines(section, changes, fields, current)
            if changes:
                updates[section] = {name: fields[name] for name in changes}
        restarting = sorted(set(result["postgres"]) & POSTGRES_RESTART_SETTINGS)
        result["restarts_database"] = bool(restarting)
        title = f"Config of project {ref}" + (" (dry run: nothing sent)" if self.dry_run_only else "")
        self.log.info("%s: %s", title, "\n".join(["changes:", *lines]) if lines else "nothing to change")
        if restarting:
            self.log.warning(
                "Changing %s restarts the project's database: every connection drops for a while",
                ", ".join(restarting),
            )
        if self.dry_run_only:
            return result
        for section, changed in updates.items():
            getattr(self.hook, f"update_{section}_config")(ref, changed)
        return result
