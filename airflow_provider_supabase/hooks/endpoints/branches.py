"""Preview branches (create, read, update, delete, merge / push / reset / restore, diff) and the action runs that
carry out their workflows.

Branch listing, create, read-by-name and disabling branching take the PARENT project's ref; the API answers 403
for a branch project's ref. The hook tells the two apart after such a 403 (a branch project has a branch config)
and refuses with an error naming ``project_ref`` rather than leaving a bare 403. Action runs are read with the
branch project's ref (``branch_project_ref`` resolves a branch id to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, bool_param, project_path
from airflow_provider_supabase.hooks.endpoints._naming import created_or_adopted
from airflow_provider_supabase.hooks.request import Recovery, Request, identities
from airflow_provider_supabase.validation import (
    REF_RE,
    require_text,
    validate_branch_id_or_ref,
    validate_branch_name,
    validate_instance_size,
    validate_region,
)

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api

# CreateBranchBody's fields besides the name, with the check each gets before any request.
BRANCH_CREATE_FIELDS = frozenset(
    {
        "git_branch",
        "is_default",
        "persistent",
        "region",
        "desired_instance_size",
        "release_channel",
        "postgres_engine",
        "secrets",
        "with_data",
        "notify_url",
    }
)
BRANCH_UPDATE_FIELDS = frozenset(
    {"branch_name", "git_branch", "reset_on_push", "persistent", "status", "request_review", "notify_url"}
)
RELEASE_CHANNELS = frozenset({"internal", "alpha", "beta", "ga", "withdrawn", "preview"})
POSTGRES_ENGINES = frozenset({"15", "17", "17-oriole"})
_BOOL_FIELDS = frozenset({"is_default", "persistent", "with_data", "reset_on_push", "request_review"})
_RUN_ID_MAX = 200


class BranchingDisabledError(SupabaseApiError):
    """The project has no preview branching (the API answers 422 to its branch list)."""


def branch_path(branch_id_or_ref: Any, suffix: str = "") -> tuple[str, str]:
    return (
        f"/v1/branches/{validate_branch_id_or_ref(branch_id_or_ref)}{suffix}",
        f"/v1/branches/{{branch_id_or_ref}}{suffix}",
    )


def branches_path(ref: Any, suffix: str = "") -> tuple[str, str]:
    return project_path(ref, f"/branches{suffix}")


def validate_run_id(run_id: Any, field: str = "run_id") -> str:
    text = require_text(run_id, field)
    if len(text) > _RUN_ID_MAX or not all(c.isalnum() or c in "_-" for c in text):
        raise SupabaseInputError(field, "must be an action run id (letters, digits, '_' and '-')")
    return text


def _check_fields(fields: Mapping[str, Any], allowed: frozenset[str], what: str) -> dict[str, Any]:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise SupabaseInputError(unknown[0], f"is not a {what} field this API accepts")
    body = {k: v for k, v in fields.items() if v is not None}
    for name in _BOOL_FIELDS & set(body):
        if not isinstance(body[name], bool):
            raise SupabaseInputError(name, f"must be true or false, got {type(body[name]).__name__}")
    for name in ("git_branch", "notify_url"):
        if name in body:
            require_text(body[name], name)
    return body


def branch_create_body(branch_name: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The create-branch body, or ``SupabaseInputError`` naming the bad field."""
    body = {"branch_name": validate_branch_name(branch_name), **_check_fields(fields, BRANCH_CREATE_FIELDS, "branch")}
    if "region" in body:
        validate_region(body["region"])
    if "desired_instance_size" in body:
        validate_instance_size(body["desired_instance_size"])
    if "release_channel" in body and body["release_channel"] not in RELEASE_CHANNELS:
        raise SupabaseInputError("release_channel", f"must be one of {', '.join(sorted(RELEASE_CHANNELS))}")
    if "postgres_engine" in body and body["postgres_engine"] not in POSTGRES_ENGINES:
        raise SupabaseInputError("postgres_engine", f"must be one of {', '.join(sorted(POSTGRES_ENGINES))}")
    if "secrets" in body:
        secrets = body["secrets"]
        # The values are secrets: the message names the key, never the value.
        if not isinstance(secrets, Mapping) or not all(isinstance(k, str) and k for k in secrets):
            raise SupabaseInputError("secrets", "must be a mapping of non-empty names to string values")
        for name, value in secrets.items():
            if not isinstance(value, str):
                raise SupabaseInputError(f"secrets[{name!r}]", f"value must be a string, got {type(value).__name__}")
        body["secrets"] = dict(secrets)
    return body


def _named(name: str) -> Any:
    def pick(items: Any, existed: frozenset[str]) -> Any:
        found = [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping) and item.get("name") == name and str(item.get("id")) not in existed
        ]
        found.sort(key=lambda item: str(item.get("created_at") or ""))
        return found[0] if found else None

    return pick


class BranchEndpoints(EndpointGroup):
    # ------------------------------------------------------------------------------------- branches

    def list_branches(self, ref: str) -> list[api.BranchResponse]:
        """List a project's preview branches (its default branch included).

        :param ref: the PARENT project's 20-letter ref.
        :return: the branches, each with ``id``, ``name``, ``project_ref``, ``parent_project_ref``, ``status``.
        :raises SupabaseInputError: for a malformed ref, before any request; for a branch project's ref.
        :raises BranchingDisabledError: (a ``SupabaseApiError``, 422) when branching is not enabled on the project.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._parent_call(ref, Request("GET", *branches_path(ref))))

    def create_branch(self, ref: str, branch_name: str, **fields: Any) -> api.BranchResponse:
        """Create a preview branch of a project. Not sent blindly twice: after a lost answer the branches are
        listed and one of that name that was not there before is taken as this call's.

        :param ref: the PARENT project's 20-letter ref.
        :param branch_name: letters, digits, ``.``, ``_``, ``-`` (at most 100).
        :param fields: ``git_branch``, ``is_default``, ``persistent``, ``region``, ``desired_instance_size``,
            ``release_channel``, ``postgres_engine``, ``secrets`` (name -> value), ``with_data``, ``notify_url``.
        :return: the new branch (its project is only starting).
        :raises SupabaseInputError: for a missing or malformed field, before any request; for a branch project's
            ref; for ``with_data`` when the project's plan lacks it (the API's message).
        :raises SupabaseApiError: when the API refuses the call.
        """
        body = branch_create_body(branch_name, fields)
        return self._run(self._create_branch(ref, body, adopt_existing=False))

    def get_or_create_branch(self, ref: str, branch_name: str, **fields: Any) -> tuple[api.BranchResponse, bool]:
        """The project's branch of this name, or a new one; ``create_branch``'s fields.

        :return: ``(branch, created)``.
        :raises SupabaseInputError: as ``create_branch``.
        :raises SupabaseApiError: when the API refuses the call.
        """
        body = branch_create_body(branch_name, fields)
        return self._run(self._create_branch(ref, body, adopt_existing=True))

    def _create_branch(self, ref: str, body: dict[str, Any], *, adopt_existing: bool) -> Plan:
        path = branches_path(ref)
        try:
            listing = yield Request("GET", *path)
        except SupabaseApiError as err:
            if err.status_code == 403:
                yield from self._refuse_branch_ref(ref, err)
            if err.status_code != 422:
                raise
            listing = []  # branching is off: the first branch turns it on, and there is nothing to adopt
        # Until the first branch exists the list answers 422: for the recovery that means "not created".
        recovery = Recovery(path[0], _named(body["branch_name"]), absent=frozenset({404, 422}))
        request = Request("POST", *path, json=body, idempotent=False, recovery=recovery)
        try:
            return (yield from created_or_adopted(listing, request, adopt_existing))
        except SupabaseApiError as err:
            if body.get("with_data") and err.status_code in (400, 402) and "data" in err.api_message.lower():
                raise SupabaseInputError("with_data", f"refused by the API: {err.api_message}") from None
            if err.status_code == 403:
                yield from self._refuse_branch_ref(ref, err)
            raise

    def get_branch(self, ref: str, name: str) -> api.BranchResponse:
        """Read one branch of a project by name.

        :param ref: the PARENT project's 20-letter ref.
        :param name: the branch's name.
        :return: the branch, with ``id``, ``project_ref``, ``preview_project_status``.
        :raises SupabaseInputError: for a malformed ref or name, before any request; for a branch project's ref.
        :raises SupabaseApiError: 404 when there is no such branch.
        """
        path = branches_path(ref, f"/{validate_branch_name(name, 'name')}")
        return self._run(self._parent_call(ref, Request("GET", path[0], branches_path(ref, "/{name}")[1])))

    def get_branch_config(self, branch_id_or_ref: str) -> api.BranchDetailResponse:
        """A branch's database details: ``ref``, ``status``, ``db_host``, ``db_port``, ``db_user``, and its
        ``db_pass`` and ``jwt_secret``. Those two are passed to Airflow's secrets masker as they arrive, so a log
        line or a rendered field that shows them shows ``***``; never return them from a task (XCom).

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: 404 when there is no such branch.
        """
        return self._run(Request("GET", *branch_path(branch_id_or_ref), transform=mask_branch_secrets))

    def branch_project_ref(self, branch_id_or_ref: str) -> str:
        """The ref of a branch's own project: given as is, or read from the branch config for an id.

        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: 404 when there is no such branch.
        """
        value = validate_branch_id_or_ref(branch_id_or_ref)
        if REF_RE.match(value):
            return self._run(_constant(value))
        request = Request("GET", *branch_path(value), transform=lambda detail: str(mask_branch_secrets(detail)["ref"]))
        return self._run(request)

    def update_branch(self, branch_id_or_ref: str, fields: Mapping[str, Any]) -> api.BranchResponse:
        """Change a branch: ``branch_name``, ``git_branch``, ``persistent``, ``request_review``, ``notify_url``...

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :param fields: the fields to change (UpdateBranchBody).
        :return: the branch.
        :raises SupabaseInputError: for a malformed id or field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        if not isinstance(fields, Mapping) or not fields:
            raise SupabaseInputError("fields", "must be a non-empty mapping of branch fields")
        body = _check_fields(fields, BRANCH_UPDATE_FIELDS, "branch update")
        if "branch_name" in body:
            validate_branch_name(body["branch_name"])
        return self._run(Request("PATCH", *branch_path(branch_id_or_ref), json=body))

    def delete_branch(self, branch_id_or_ref: str, *, force: bool = True) -> api.BranchDeleteResponse | None:
        """Delete a branch and its project. ``force=False`` schedules the delete after the API's grace period
        (``restore_branch`` cancels it). A delete whose answer was lost and that then answers 404 counts as done.

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :param force: delete now (default) rather than after the grace period.
        :return: ``{"message": "ok"}``; ``None`` when the answer was lost.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: 404 when there is no such branch.
        """
        if not isinstance(force, bool):
            raise SupabaseInputError("force", f"must be true or false, got {type(force).__name__}")
        path = branch_path(branch_id_or_ref)
        return self._run(Request("DELETE", *path, params={"force": bool_param(force)}))

    def push_branch(self, branch_id_or_ref: str, migration_version: str | None = None) -> api.BranchUpdateResponse:
        """Push the branch's git changes to it (apply new migrations). Starts a workflow run. The branch's runs
        are listed first: after a lost answer the run this call started is recognised, not started twice.

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :param migration_version: apply migrations up to this version only.
        :return: ``{"workflow_run_id", "message"}``: follow the run with ``get_action_run``.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._workflow(branch_id_or_ref, "/push", migration_version))

    def merge_branch(self, branch_id_or_ref: str, migration_version: str | None = None) -> api.BranchUpdateResponse:
        """Merge the branch's migrations and functions into its parent project. Starts a workflow run. The branch's runs
        are listed first: after a lost answer the run this call started is recognised, not started twice.

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :param migration_version: merge migrations up to this version only.
        :return: ``{"workflow_run_id", "message"}``: follow the run with ``get_action_run``.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._workflow(branch_id_or_ref, "/merge", migration_version))

    def reset_branch(self, branch_id_or_ref: str, migration_version: str | None = None) -> api.BranchUpdateResponse:
        """Reset the branch's database to its migrations (its data is lost). Starts a workflow run. The branch's runs
        are listed first: after a lost answer the run this call started is recognised, not started twice.

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :param migration_version: reset to this migration version.
        :return: ``{"workflow_run_id", "message"}``: follow the run with ``get_action_run``.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._workflow(branch_id_or_ref, "/reset", migration_version))

    def restore_branch(self, branch_id_or_ref: str) -> api.BranchRestoreResponse:
        """Cancel a branch's scheduled deletion (one made with ``delete_branch(..., force=False)``).

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("POST", *branch_path(branch_id_or_ref, "/restore")))

    def diff_branch(self, branch_id_or_ref: str, included_schemas: Any = None) -> str:
        """The SQL that would bring the parent's schemas to the branch's.

        :param branch_id_or_ref: the branch's id (UUID) or its project's ref.
        :param included_schemas: schema names (a list or ``"public,auth"``); default the API's.
        :return: the diff as SQL text.
        :raises SupabaseInputError: for a malformed id or schema list, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        params = None
        if included_schemas is not None:
            names = included_schemas.split(",") if isinstance(included_schemas, str) else included_schemas
            if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
                raise SupabaseInputError("included_schemas", "must be a list of schema names")
            cleaned = [require_text(n, "included_schemas").strip() for n in names]
            params = {"included_schemas": ",".join(cleaned)}
        return self._run(Request("GET", *branch_path(branch_id_or_ref, "/diff"), params=params, expect="text"))

    def disable_branching(self, ref: str) -> None:
        """Turn preview branching off for a project (its branches are deleted).

        :param ref: the PARENT project's 20-letter ref.
        :raises SupabaseInputError: for a malformed ref, before any request; for a branch project's ref.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(self._parent_call(ref, Request("DELETE", *branches_path(ref))))

    # ---------------------------------------------------------------------------------- action runs

    def list_action_runs(self, ref: str) -> api.ListActionRunResponse:
        """The action runs (workflow runs) of a branch, newest first as the API lists them.

        :param ref: the branch project's 20-letter ref (``branch_project_ref`` gives it for a branch id).
        :return: runs with ``id``, ``branch_id``, ``run_steps`` (``name``, ``status``), ``created_at``.
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/actions")))

    def get_action_run(self, ref: str, run_id: str) -> api.ActionRunResponse:
        """One action run with its steps.

        :param ref: the branch project's 20-letter ref.
        :param run_id: the run's id (a ``workflow_run_id`` from merge, push or reset).
        :raises SupabaseInputError: for a malformed ref or run id, before any request.
        :raises SupabaseApiError: 404 when there is no such run.
        """
        path = project_path(ref, f"/actions/{validate_run_id(run_id)}")[0]
        return self._run(Request("GET", path, "/v1/projects/{ref}/actions/{run_id}"))

    def get_action_run_logs(self, ref: str, run_id: str) -> str:
        """The log text of an action run.

        :param ref: the branch project's 20-letter ref.
        :param run_id: the run's id.
        :raises SupabaseInputError: for a malformed ref or run id, before any request.
        :raises SupabaseApiError: 404 when there is no such run.
        """
        path = project_path(ref, f"/actions/{validate_run_id(run_id)}/logs")[0]
        return self._run(Request("GET", path, "/v1/projects/{ref}/actions/{run_id}/logs", expect="text"))

    # ------------------------------------------------------------------------------------- helpers

    def _workflow(self, branch_id_or_ref: str, suffix: str, migration_version: str | None) -> Plan:
        """A merge, push or reset. Its runs are listed first, so after a lost answer the run it started is found
        (the newest run that was not listed) instead of a second run being started."""
        request = _workflow_request(branch_id_or_ref, suffix, migration_version)
        value = validate_branch_id_or_ref(branch_id_or_ref)
        if REF_RE.match(value):
            ref = value
        else:
            ref = yield Request("GET", *branch_path(value), transform=lambda d: str(mask_branch_secrets(d)["ref"]))
        runs = project_path(ref, "/actions")
        listing = yield Request("GET", *runs)
        recovery = Recovery(runs[0], _started_run, existed=identities(listing))
        return (yield replace(request, recovery=recovery))

    def _parent_call(self, ref: str, request: Request) -> Plan:
        """``request`` on a parent project: a 403 for a branch project's ref becomes an error naming the field,
        a 422 from the branch list says that branching is off."""
        try:
            return (yield request)
        except SupabaseApiError as err:
            if err.status_code == 403:
                yield from self._refuse_branch_ref(ref, err)
            if err.status_code == 422 and request.method == "GET":
                raise BranchingDisabledError(
                    f"Preview branching is not enabled on project {ref} (the API answered 422: {err.api_message})",
                    status_code=422,
                    method=err.method,
                    path=err.path,
                ) from None
            raise

    @staticmethod
    def _refuse_branch_ref(ref: str, err: SupabaseApiError) -> Plan:
        """After a 403: if ``ref`` is a branch's own project, say so by field; otherwise re-raise the 403."""
        try:
            yield Request("GET", *branch_path(ref))
        except SupabaseApiError:
            raise err from None
        raise SupabaseInputError(
            "project_ref",
            f"{ref} is the project of a preview branch; branch calls take the parent project's ref "
            f"(the API answered 403: {err.api_message})",
        )


BRANCH_SECRET_FIELDS = ("db_pass", "jwt_secret")


def mask_branch_secrets(detail: Any) -> Any:
    """Hand a branch config's secrets to the masker, before anything can log them; the config is returned as is."""
    if isinstance(detail, Mapping):
        from airflow_provider_supabase.compat import mask_secret

        for name in BRANCH_SECRET_FIELDS:
            value = detail.get(name)
            if isinstance(value, str) and value:
                mask_secret(value)
    return detail


def _workflow_request(branch_id_or_ref: str, suffix: str, migration_version: str | None) -> Request:
    body: dict[str, Any] = {}
    if migration_version is not None:
        version = require_text(migration_version, "migration_version")
        if not version.isdigit():
            raise SupabaseInputError("migration_version", f"must be digits (e.g. 20250312000000), got {version!r}")
        body["migration_version"] = version
    # A second merge, push or reset after a lost answer would start a second workflow run: not resent blindly
    # (``BranchEndpoints._workflow`` adds the recovery that finds the run instead).
    return Request("POST", *branch_path(branch_id_or_ref, suffix), json=body, idempotent=False)


def _started_run(found: Any, existed: frozenset[str]) -> Any:
    runs = [r for r in (found if isinstance(found, list) else []) if isinstance(r, Mapping)]
    new = [r for r in runs if str(r.get("id")) not in existed]
    if not new:
        return None
    run = max(new, key=lambda r: str(r.get("created_at") or ""))
    return {"workflow_run_id": str(run.get("id")), "message": "ok"}


def _constant(value: Any) -> Plan:
    # A plan with no request: both hooks then answer it the same way (a value, or an awaitable of it).
    return value
    yield
