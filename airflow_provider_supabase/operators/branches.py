"""Preview branches for CI: create one (or adopt it by name) and wait until it is really ready, merge, push or
reset it and wait for the workflow run, and delete it."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from airflow_provider_supabase.compat import AirflowException, AirflowFailException, conf
from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator, secret_mapping_values
from airflow_provider_supabase.validation import (
    normalize_secrets,
    validate_branch_id_or_ref,
    validate_branch_name,
    validate_ref,
)

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context
    from airflow_provider_supabase.waits.checks import Check, Step

SUMMARY_XCOM_KEY = "supabase_branch"


def _positive(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SupabaseInputError(field, f"must be a positive number of seconds, got {value!r}")
    return float(value)


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise SupabaseInputError(field, f"must be true or false, got {value!r}")
    return value


class _BranchWaitOperator(SupabaseBaseOperator):
    """The wait shared by the branch operators: the check the sensor and the trigger run, polled in the worker or
    handed to the triggerer; a failed check (a DEAD step) fails the task without retries."""

    summary_key: ClassVar[str] = ""
    poll_interval: float
    timeout: float
    deferrable: bool

    def _step(self, summary: Mapping[str, Any]) -> Step:
        raise NotImplementedError

    def _trigger(self, summary: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def _what(self, summary: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def _check(self, summary: Mapping[str, Any]) -> Check:
        from airflow_provider_supabase.waits.checks import run_sync

        check = run_sync(self._step(summary), self.hook, "")
        if check.outcome.state == "failed":
            raise AirflowFailException(check.outcome.message)
        return check

    def _wait(self, context: Context, summary: dict[str, Any]) -> dict[str, Any]:
        """Check at once (a ready branch costs one round), then poll here or defer."""
        check = self._check(summary)
        if check.outcome.state == "done":
            self.log.info("%s", check.outcome.message)
            return self._finish(summary, check.outcome.status)
        if self.deferrable:
            # Kept in XCom too: ``dag.test()`` (Airflow 3.3) resumes with the event alone.
            context["ti"].xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
            self.log.info("%s; deferring the wait to the triggerer", check.outcome.message)
            self.defer(trigger=self._trigger(summary), method_name="execute_complete", kwargs={"summary": summary})
        deadline = time.monotonic() + float(self.timeout)
        while True:
            if time.monotonic() >= deadline:
                raise AirflowException(
                    f"Timed out after {self.timeout:g}s waiting for {self._what(summary)}; "
                    f"last seen: {check.outcome.message}"
                )
            self.log.info("%s; checking again in %gs", check.outcome.message, self.poll_interval)
            time.sleep(min(float(self.poll_interval), max(0.0, deadline - time.monotonic())))
            check = self._check(summary)
            if check.outcome.state == "done":
                self.log.info("%s", check.outcome.message)
                return self._finish(summary, check.outcome.status)

    def _finish(self, summary: dict[str, Any], status: str) -> dict[str, Any]:
        return summary

    def execute_complete(
        self, context: Context, event: Mapping[str, Any] | None = None, summary: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Resume after the trigger: the XCom on success; otherwise fail with the trigger's message (without
        retries when a step ended DEAD)."""
        event = event or {}
        if summary is None:
            ti = context["ti"]
            summary = ti.xcom_pull(task_ids=ti.task_id, key=SUMMARY_XCOM_KEY, map_indexes=ti.map_index)
        result = dict(summary or {})
        if event.get("status") == "success":
            self.log.info("%s", event.get("message"))
            return self._finish(result, str(event.get("branch_status") or event.get("run_status") or ""))
        self._fail_with(event)

    def _fail_with(self, event: Mapping[str, Any]) -> NoReturn:
        from airflow_provider_supabase.waits.statuses import project_outcome

        message = str(event.get("message") or f"the wait ended with {event.get('status')!r}")
        status = event.get("branch_status") or event.get("run_status")
        # A DEAD step, or a branch project that failed for good, fails the same way again: no retries.
        if event.get("status") == "error" and (status == "DEAD" or project_outcome(status).state == "failed"):
            raise AirflowFailException(message)
        raise AirflowException(message)


class CreateBranchOperator(_BranchWaitOperator):
    """Create a preview branch of a project (or adopt the existing one of that name) and wait until it is ready.

    Idempotent by name: the branches are listed once and a branch of that name is adopted (the log says so); a
    create whose answer was lost is recognised in the listing instead of being sent again. On a project without
    branching, the first branch turns it on.

    "Ready" is what a branch does not say on its own: its project ``ACTIVE_HEALTHY``, the latest action run's
    steps (clone, pull, health, configure, migrate, seed, deploy) all ``EXITED``, and its health check passing.
    A step that ends ``DEAD`` fails the task, without retries, with the step's name and the tail of its log.

    Secrecy: ``secrets`` values are masked as soon as they are rendered and never reach XCom or a log; the
    branch's database password and JWT secret are masked by the hook whenever they are read and are not returned.

    :param project_ref: the PARENT project's ref (templated).
    :param branch_name: the branch's name; the idempotency key (templated).
    :param with_data: clone the parent's data too (a plan that lacks it is refused with the API's message).
    :param persistent: a persistent branch instead of an ephemeral preview.
    :param secrets: Edge Function secrets of the branch, name -> value (templated).
    :param git_branch: the git branch it follows (templated).
    :param wait_until_ready: wait until the branch is ready before succeeding.
    :param poll_interval: seconds between checks while waiting.
    :param timeout: longest wait in seconds.
    :param deferrable: hand the wait to the triggerer (``BranchReadyTrigger``); defaults to
        ``[operators] default_deferrable``.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"branch_id", "project_ref", "name", "created"}`` (``project_ref``: the branch's own project, where
    its SQL runs).
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "branch_name", "secrets", "git_branch")
    template_fields_renderers = {"secrets": "json"}
    ui_color = "#3ecf8e"

    def __init__(
        self,
        *,
        project_ref: str,
        branch_name: str,
        with_data: bool = False,
        persistent: bool = False,
        secrets: Mapping[str, str] | None = None,
        git_branch: str | None = None,
        wait_until_ready: bool = True,
        poll_interval: float = 10.0,
        timeout: float = 1800.0,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.branch_name = branch_name
        self.with_data = with_data
        self.persistent = persistent
        self.secrets = secrets
        self.git_branch = git_branch
        self.wait_until_ready = wait_until_ready
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable

    def _secret_values(self) -> Iterable[Any]:
        return secret_mapping_values(self.secrets)

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        name = validate_branch_name(self.branch_name)
        fields: dict[str, Any] = {
            "with_data": _flag(self.with_data, "with_data"),
            "persistent": _flag(self.persistent, "persistent"),
        }
        if self.secrets is not None:
            fields["secrets"] = normalize_secrets(self.secrets)
        if self.git_branch is not None:
            fields["git_branch"] = self.git_branch
        if self.wait_until_ready:
            _positive(self.poll_interval, "poll_interval")
            _positive(self.timeout, "timeout")
        branch, created = self.hook.get_or_create_branch(ref, name, **fields)
        branch_ref = validate_ref(branch.get("project_ref"), "project_ref returned by the API")
        if created:
            self.log.info("Created branch %r of project %s (branch project %s)", name, ref, branch_ref)
        else:
            self.log.info(
                "Branch %r of project %s already exists (branch project %s); adopting it instead of creating another",
                name,
                ref,
                branch_ref,
            )
        summary = {"branch_id": branch.get("id"), "project_ref": branch_ref, "name": name, "created": created}
        if not self.wait_until_ready:
            return summary
        return self._wait(context, summary)

    def _step(self, summary: Mapping[str, Any]) -> Step:
        from airflow_provider_supabase.waits.checks import branch_step

        return branch_step(self.project_ref, summary["name"])

    def _trigger(self, summary: Mapping[str, Any]) -> Any:
        from airflow_provider_supabase.triggers.branches import BranchReadyTrigger

        return BranchReadyTrigger(
            project_ref=self.project_ref,
            branch_name=summary["name"],
            supabase_conn_id=self.supabase_conn_id,
            poll_interval=float(self.poll_interval),
            timeout=float(self.timeout),
        )

    def _what(self, summary: Mapping[str, Any]) -> str:
        return f"branch {summary['name']} to be ready (a retry adopts it and waits again)"


class _BranchWorkflowOperator(_BranchWaitOperator):
    """Start a merge, push or reset (a workflow run) and wait for its steps to finish."""

    action: ClassVar[str] = ""
    template_fields: Sequence[str] = ("supabase_conn_id", "branch_id_or_ref", "migration_version")
    ui_color = "#3ecf8e"

    def __init__(
        self,
        *,
        branch_id_or_ref: str,
        migration_version: str | None = None,
        wait_for_completion: bool = True,
        poll_interval: float = 10.0,
        timeout: float = 1800.0,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.branch_id_or_ref = branch_id_or_ref
        self.migration_version = migration_version
        self.wait_for_completion = wait_for_completion
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable

    def execute(self, context: Context) -> dict[str, Any]:
        branch = validate_branch_id_or_ref(self.branch_id_or_ref)
        if self.wait_for_completion:
            _positive(self.poll_interval, "poll_interval")
            _positive(self.timeout, "timeout")
        # The run is read under the branch's own project; the hook resolves an id to it (before the action, so a
        # missing branch fails before anything starts).
        branch_ref = self.hook.branch_project_ref(branch)
        answer = getattr(self.hook, f"{self.action}_branch")(branch, self.migration_version)
        run_id = str((answer or {}).get("workflow_run_id") or "")
        if not run_id:
            raise AirflowException(f"The API accepted the {self.action} of branch {branch} but named no workflow run")
        self.log.info("%s of branch %s started: workflow run %s", self.action.capitalize(), branch, run_id)
        summary = {"branch_id_or_ref": branch, "project_ref": branch_ref, "workflow_run_id": run_id, "status": None}
        if not self.wait_for_completion:
            return summary
        return self._wait(context, summary)

    def _step(self, summary: Mapping[str, Any]) -> Step:
        from airflow_provider_supabase.waits.checks import workflow_run_step

        return workflow_run_step(summary["project_ref"], summary["workflow_run_id"])

    def _trigger(self, summary: Mapping[str, Any]) -> Any:
        from airflow_provider_supabase.triggers.branches import WorkflowRunTrigger

        return WorkflowRunTrigger(
            project_ref=summary["project_ref"],
            run_id=summary["workflow_run_id"],
            supabase_conn_id=self.supabase_conn_id,
            poll_interval=float(self.poll_interval),
            timeout=float(self.timeout),
        )

    def _what(self, summary: Mapping[str, Any]) -> str:
        return f"the {self.action} of branch {summary['branch_id_or_ref']} (workflow run {summary['workflow_run_id']})"

    def _finish(self, summary: dict[str, Any], status: str) -> dict[str, Any]:
        return {**summary, "status": status or "EXITED"}


_WORKFLOW_DOC = """{summary}

    The API answers with a workflow run; the operator waits (in the worker or, deferrable, in the triggerer) until
    every step of that run ``EXITED``. A step that ends ``DEAD`` fails the task, without retries, with the step's
    name and the tail of the run's log.

    :param branch_id_or_ref: the branch's id (a UUID) or its project's ref (templated).
    :param migration_version: {version} (templated).
    :param wait_for_completion: wait for the workflow run to finish.
    :param poll_interval: seconds between checks while waiting.
    :param timeout: longest wait in seconds.
    :param deferrable: hand the wait to the triggerer (``WorkflowRunTrigger``); defaults to
        ``[operators] default_deferrable``.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{{"branch_id_or_ref", "project_ref", "workflow_run_id", "status"}}`` (``status``: ``EXITED`` once done).
"""


class MergeBranchOperator(_BranchWorkflowOperator):
    __doc__ = _WORKFLOW_DOC.format(
        summary="Merge a preview branch's migrations and functions into its parent project.",
        version="merge migrations up to this version only",
    )
    action = "merge"


class PushBranchOperator(_BranchWorkflowOperator):
    __doc__ = _WORKFLOW_DOC.format(
        summary="Push the git branch's changes (new migrations, functions) to a preview branch.",
        version="apply migrations up to this version only",
    )
    action = "push"


class ResetBranchOperator(_BranchWorkflowOperator):
    __doc__ = _WORKFLOW_DOC.format(
        summary="Reset a preview branch's database to its migrations (its data is lost).",
        version="reset to this migration version",
    )
    action = "reset"


class DeleteBranchOperator(SupabaseBaseOperator):
    """Delete a preview branch and its project. A branch that does not exist (deleted by an earlier try, or never
    created because its create failed) is success, so this runs safely as a teardown.

    Name the branch by ``branch_id_or_ref``, or by ``project_ref`` (the parent's) and ``branch_name``: a teardown
    that knows the name works even when the task that created the branch failed before returning its id.

    :param branch_id_or_ref: the branch's id (a UUID) or its project's ref (templated).
    :param project_ref: the PARENT project's ref, with ``branch_name`` (templated).
    :param branch_name: the branch's name, with ``project_ref`` (templated).
    :param force: delete now (default); ``False`` schedules the delete after the API's grace period
        (``SupabaseHook.restore_branch`` cancels it).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"branch", "deleted", "force"}`` (``deleted`` false when there was nothing to delete).
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "branch_id_or_ref", "project_ref", "branch_name")
    ui_color = "#f28b82"

    def __init__(
        self,
        *,
        branch_id_or_ref: str | None = None,
        project_ref: str | None = None,
        branch_name: str | None = None,
        force: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.branch_id_or_ref = branch_id_or_ref
        self.project_ref = project_ref
        self.branch_name = branch_name
        self.force = force

    def _target(self) -> tuple[str | None, str | None, str | None]:
        by_name = self.project_ref is not None or self.branch_name is not None
        if (self.branch_id_or_ref is None) == (not by_name):
            raise SupabaseInputError(
                "branch_id_or_ref", "give branch_id_or_ref, or project_ref and branch_name (one way, not both)"
            )
        if self.branch_id_or_ref is not None:
            return validate_branch_id_or_ref(self.branch_id_or_ref), None, None
        return None, validate_ref(self.project_ref), validate_branch_name(self.branch_name)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.exceptions import SupabaseApiError

        branch, parent, name = self._target()
        force = _flag(self.force, "force")
        shown = branch or f"{name} of project {parent}"
        try:
            if branch is None:
                assert parent is not None and name is not None
                branch = str(self.hook.get_branch(parent, name)["id"])
            self.hook.delete_branch(branch, force=force)
        except SupabaseApiError as err:
            # 404: no such branch; 422: branching is off, so there is no branch either.
            if err.status_code not in (404, 422):
                raise
            self.log.info("Branch %s does not exist (already deleted?): nothing to do", shown)
            return {"branch": shown, "deleted": False, "force": force}
        if force:
            self.log.info("Deleted branch %s", shown)
        else:
            self.log.info("Scheduled the deletion of branch %s after the API's grace period", shown)
        return {"branch": branch, "deleted": True, "force": force}
