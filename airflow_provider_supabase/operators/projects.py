"""Provision Supabase projects idempotently, pause, restore and delete them, wait for their status, and link to
their dashboard."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from airflow_provider_supabase.compat import AirflowException, AirflowFailException, BaseOperatorLink, conf
from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import (
    require_text,
    validate_instance_size,
    validate_plan,
    validate_ref,
    validate_region,
    validate_region_selection,
)
from airflow_provider_supabase.waits.statuses import Outcome, ProjectStatus, project_outcome

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import BaseOperator, Context, TaskInstanceKey

DASHBOARD_URL = "https://supabase.com/dashboard/project/{ref}"
TARGET_STATUS = ProjectStatus.ACTIVE_HEALTHY.value
SUMMARY_XCOM_KEY = "supabase_project"


class SupabaseProjectLink(BaseOperatorLink):
    """ "Supabase Dashboard" button: the project page of the project the task created or adopted."""

    name = "Supabase Dashboard"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow_provider_supabase.compat import XCom

        return XCom.get_value(ti_key=ti_key, key=self.xcom_key) or ""

    @classmethod
    def persist(cls, context: Context, project_ref: str) -> None:
        """Store the link in XCom, where Airflow 3 reads extra links from."""
        context["ti"].xcom_push(key=cls().xcom_key, value=DASHBOARD_URL.format(ref=project_ref))


def _positive(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SupabaseInputError(field, f"must be a positive number of seconds, got {value!r}")
    return float(value)


class _ProjectStatusOperator(SupabaseBaseOperator):
    """Waiting for ``wait_target``, shared by create, pause and restore: the check the sensor and the trigger run,
    polled in the worker or handed to the triggerer."""

    wait_target: ClassVar[str] = TARGET_STATUS
    # Said when a wait times out: what a retry of the task does.
    retry_hint: ClassVar[str] = "a retry waits again"
    poll_interval: float
    timeout: float

    def _check(self, ref: str) -> Outcome:
        """Where the wait stands now; raises, without retries, when the project failed."""
        from airflow_provider_supabase.waits.checks import project_step, run_sync

        outcome = run_sync(project_step(self.wait_target), self.hook, ref).outcome
        if outcome.state == "failed":
            raise AirflowFailException(f"Project {ref}: {outcome.message}")
        return outcome

    def _wait(self, ref: str) -> str:
        deadline = time.monotonic() + float(self.timeout)
        while True:
            outcome = self._check(ref)
            if outcome.state == "done":
                self.log.info("Project %s is %s", ref, outcome.status)
                return outcome.status
            if time.monotonic() >= deadline:
                raise AirflowException(
                    f"Project {ref} is still {outcome.status} after {self.timeout:g}s; {self.retry_hint}"
                )
            self.log.info("%s; checking again in %gs", outcome.message, self.poll_interval)
            time.sleep(min(float(self.poll_interval), max(0.0, deadline - time.monotonic())))

    def _trigger(self, ref: str) -> Any:
        from airflow_provider_supabase.triggers.supabase import ProjectStatusTrigger

        return ProjectStatusTrigger(
            project_ref=ref,
            supabase_conn_id=self.supabase_conn_id,
            target_status=self.wait_target,
            poll_interval=float(self.poll_interval),
            timeout=float(self.timeout),
        )

    def _fail_with(self, event: Mapping[str, Any], ref: Any) -> NoReturn:
        """Raise for an event that is not a success: without retries when the project failed for good."""
        message = event.get("message") or f"waiting for project {ref} ended with {event.get('status')!r}"
        if project_outcome(event.get("project_status"), self.wait_target).state == "failed":
            raise AirflowFailException(message)
        raise AirflowException(message)


class CreateProjectOperator(_ProjectStatusOperator):
    """Create a project (or adopt the existing one of that name in the organization) and wait until it is
    ``ACTIVE_HEALTHY``.

    Idempotent: ``SupabaseHook.get_or_create_project`` lists the projects once, adopts the organization's
    oldest project of that name (the log says so) and otherwise creates one, recognising a project its own
    timed-out POST already created; a retried task never creates a duplicate. Projects in status ``REMOVED``
    are not adopted. If the adopted project is in another region than requested, a warning is logged.

    While waiting, ``UNKNOWN``, ``COMING_UP``, ``RESTORING``, ``UPGRADING``, ``RESTARTING`` and ``RESIZING`` are
    pending; ``INIT_FAILED``, ``REMOVED``, ``GOING_DOWN``, ``INACTIVE`` and any ``*_FAILED`` fail the task at
    once, without retries (a retry would adopt the same failed project). A wait that times out fails the task
    normally, so a retry adopts the project and keeps waiting.

    :param name: project name; with the organization, the idempotency key (templated).
    :param organization_id: organization slug (the API's deprecated ``organization_id``) (templated).
    :param organization_slug: organization slug; give this or ``organization_id`` (templated).
    :param db_pass: Postgres password (templated). Masked in logs and in the rendered fields from the moment
        it is rendered; pass it as a template (``{{ var.value.db_pass }}``, ``{{ conn.x.password }}``) so it
        never appears in the DAG file either.
    :param region: e.g. ``eu-west-1``; or give ``region_selection`` instead (templated).
    :param plan: ``free`` or ``pro``; ``None`` leaves it to the API (templated).
    :param region_selection: ``{"type": "specific" | "smartGroup", "code": ...}`` (templated).
    :param desired_instance_size: e.g. ``micro`` (templated).
    :param wait_for_healthy: wait until the project is ``ACTIVE_HEALTHY`` before succeeding.
    :param poll_interval: seconds between status checks while waiting.
    :param timeout: longest wait in seconds.
    :param deferrable: hand the wait to the triggerer (``ProjectStatusTrigger``) instead of holding a worker
        slot; defaults to ``[operators] default_deferrable``.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"ref", "name", "organization_id", "region", "status", "created"}``. The "Supabase Dashboard" extra
    link opens the project.
    """

    template_fields: Sequence[str] = (
        "supabase_conn_id",
        "name",
        "organization_id",
        "organization_slug",
        "db_pass",
        "region",
        "plan",
        "region_selection",
        "desired_instance_size",
    )
    template_fields_renderers = {"region_selection": "json"}
    secret_fields = ("db_pass",)
    operator_extra_links = (SupabaseProjectLink(),)
    ui_color = "#3ecf8e"
    retry_hint = "a retry adopts it and waits again"

    def __init__(
        self,
        *,
        name: str,
        db_pass: str,
        organization_id: str | None = None,
        organization_slug: str | None = None,
        region: str | None = None,
        plan: str | None = "free",
        region_selection: Mapping[str, str] | None = None,
        desired_instance_size: str | None = None,
        wait_for_healthy: bool = True,
        poll_interval: float = 10.0,
        timeout: float = 1200.0,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.db_pass = db_pass
        self.organization_id = organization_id
        self.organization_slug = organization_slug
        self.region = region
        self.plan = plan
        self.region_selection = region_selection
        self.desired_instance_size = desired_instance_size
        self.wait_for_healthy = wait_for_healthy
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable

    def _organization(self) -> str:
        given = [v for v in (self.organization_slug, self.organization_id) if v]
        if not given:
            raise SupabaseInputError("organization_id / organization_slug", "give the organization's slug")
        if len(set(given)) > 1:
            raise SupabaseInputError("organization_id / organization_slug", "both given and they differ")
        return require_text(given[0], "organization_slug" if self.organization_slug else "organization_id")

    def _validate(self) -> str:
        require_text(self.name, "name")
        org = self._organization()
        if not isinstance(self.db_pass, str) or not self.db_pass:
            raise SupabaseInputError("db_pass", "must be a non-empty string")
        if self.region_selection is not None:
            if self.region is not None:
                raise SupabaseInputError("region", "give region or region_selection, not both")
            validate_region_selection(self.region_selection)
        else:
            validate_region(self.region)
        if self.plan is not None:
            validate_plan(self.plan)
        if self.desired_instance_size is not None:
            validate_instance_size(self.desired_instance_size)
        if self.wait_for_healthy:
            _positive(self.poll_interval, "poll_interval")
            _positive(self.timeout, "timeout")
        return org

    def execute(self, context: Context) -> dict[str, Any]:
        org = self._validate()
        project, created = self.hook.get_or_create_project(
            self.name,
            organization_id=self.organization_id,
            db_pass=self.db_pass,
            region=self.region,
            plan=self.plan,
            organization_slug=self.organization_slug,
            region_selection=self.region_selection,
            desired_instance_size=self.desired_instance_size,
        )
        if created:
            self.log.info("Created project %r in organization %s (ref %s)", self.name, org, project.get("ref"))
        else:
            self.log.info(
                "Project %r already exists in organization %s (ref %s, status %s); adopting it instead of "
                "creating another",
                self.name,
                org,
                project.get("ref"),
                project.get("status"),
            )
            if self.region and project.get("region") != self.region:
                self.log.warning("Adopted project is in %s, not the requested %s", project.get("region"), self.region)
        ref = validate_ref(project.get("ref"), "ref returned by the API")
        SupabaseProjectLink.persist(context, ref)
        summary = {
            "ref": ref,
            "name": project.get("name", self.name),
            "organization_id": project.get("organization_slug") or project.get("organization_id") or org,
            "region": project.get("region"),
            "status": project.get("status"),
            "created": created,
        }
        if not self.wait_for_healthy:
            return summary
        if self.deferrable:
            return self._defer_wait(context, summary)
        summary["status"] = self._wait(ref)
        return summary

    def _defer_wait(self, context: Context, summary: dict[str, Any]) -> dict[str, Any]:
        # Check once first: a project that is already healthy (adopted) needs no trip through the triggerer.
        outcome = self._check(summary["ref"])
        if outcome.state == "done":
            summary["status"] = outcome.status
            return summary
        # The summary travels in the defer kwargs; ``dag.test()`` (Airflow 3.3) replaces those kwargs with the
        # event alone, so it is also kept in XCom (which survives a deferral) for execute_complete to fall back on.
        context["ti"].xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
        self.log.info("Deferring the wait for project %s to the triggerer", summary["ref"])
        self.defer(trigger=self._trigger(summary["ref"]), method_name="execute_complete", kwargs={"project": summary})

    def execute_complete(
        self, context: Context, event: Mapping[str, Any] | None = None, project: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Resume after ``ProjectStatusTrigger``: return the XCom on success, fail with its message otherwise."""
        event = event or {}
        if project is None:
            ti = context["ti"]
            project = ti.xcom_pull(task_ids=ti.task_id, key=SUMMARY_XCOM_KEY, map_indexes=ti.map_index)
        summary = dict(project or {})
        ref = summary.get("ref") or event.get("project_ref")
        if event.get("status") == "success":
            summary["status"] = event.get("project_status") or TARGET_STATUS
            self.log.info("Project %s is %s", ref, summary["status"])
            return summary
        self._fail_with(event, ref)


class _ProjectTransitionOperator(_ProjectStatusOperator):
    """Ask for a status change (pause, restore) unless it is done or under way, then optionally wait for it."""

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref")
    # What the project is while the change is under way: asking again would be refused by the API.
    under_way: ClassVar[frozenset[str]] = frozenset()
    action: ClassVar[str] = ""
    ui_color = "#3ecf8e"

    def __init__(
        self,
        *,
        project_ref: str,
        wait_for_completion: bool = True,
        poll_interval: float = 10.0,
        timeout: float = 1200.0,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.wait_for_completion = wait_for_completion
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        if self.wait_for_completion:
            _positive(self.poll_interval, "poll_interval")
            _positive(self.timeout, "timeout")
        status = str(self.hook.get_project(ref).get("status") or "UNKNOWN")
        requested = status != self.wait_target and status not in self.under_way
        if requested:
            self.log.info("Project %s is %s: asking the API to %s it", ref, status, self.action)
            getattr(self.hook, f"{self.action}_project")(ref)
        else:
            self.log.info("Project %s is already %s: no %s sent", ref, status, self.action)
        summary = {"ref": ref, "status": status, "requested": requested}
        outcome = self._check(ref)
        summary["status"] = outcome.status
        if outcome.state == "done" or not self.wait_for_completion:
            return summary
        if self.deferrable:
            # Kept in XCom too: ``dag.test()`` (Airflow 3.3) resumes with the event alone (see CreateProjectOperator).
            context["ti"].xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
            self.log.info("Deferring the wait for project %s to the triggerer", ref)
            self.defer(trigger=self._trigger(ref), method_name="execute_complete", kwargs={"requested": requested})
        summary["status"] = self._wait(ref)
        return summary

    def execute_complete(
        self, context: Context, event: Mapping[str, Any] | None = None, requested: bool | None = None
    ) -> dict[str, Any]:
        """Resume after ``ProjectStatusTrigger``: return the XCom on success, fail with its message otherwise."""
        event = event or {}
        ref = event.get("project_ref") or self.project_ref
        if event.get("status") != "success":
            self._fail_with(event, ref)
        if requested is None:
            ti = context["ti"]
            summary = ti.xcom_pull(task_ids=ti.task_id, key=SUMMARY_XCOM_KEY, map_indexes=ti.map_index) or {}
            requested = summary.get("requested")
        self.log.info("Project %s is %s", ref, event.get("project_status"))
        return {"ref": ref, "status": event.get("project_status") or self.wait_target, "requested": requested}


class PauseProjectOperator(_ProjectTransitionOperator):
    """Pause a project and wait until it is ``INACTIVE``.

    Idempotent: a project that is already ``INACTIVE`` or ``PAUSING`` is not asked again. While waiting,
    ``ACTIVE_HEALTHY``, ``PAUSING`` and ``GOING_DOWN`` are pending; ``PAUSE_FAILED`` (and ``REMOVED``, any
    ``*_FAILED``) fail the task at once, without retries.

    :param project_ref: the project's ref (templated).
    :param wait_for_completion: wait until the project is ``INACTIVE``.
    :param poll_interval: seconds between status checks while waiting.
    :param timeout: longest wait in seconds.
    :param deferrable: hand the wait to the triggerer (``ProjectStatusTrigger``); defaults to
        ``[operators] default_deferrable``.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"ref", "status", "requested"}`` (``requested``: this task sent the pause).
    """

    wait_target = ProjectStatus.INACTIVE.value
    under_way = frozenset({ProjectStatus.PAUSING.value, ProjectStatus.GOING_DOWN.value})
    action = "pause"


class RestoreProjectOperator(_ProjectTransitionOperator):
    """Restore a paused project and wait until it is ``ACTIVE_HEALTHY``.

    Idempotent: a project that is already ``ACTIVE_HEALTHY``, ``RESTORING`` or ``COMING_UP`` is not asked again.
    ``RESTORE_FAILED`` fails the task at once, without retries, and so does a restore that falls back to
    ``INACTIVE``.

    :param project_ref: the project's ref (templated).
    :param wait_for_completion: wait until the project is ``ACTIVE_HEALTHY``.
    :param poll_interval: seconds between status checks while waiting.
    :param timeout: longest wait in seconds.
    :param deferrable: hand the wait to the triggerer (``ProjectStatusTrigger``); defaults to
        ``[operators] default_deferrable``.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"ref", "status", "requested"}`` (``requested``: this task sent the restore).
    """

    wait_target = ProjectStatus.ACTIVE_HEALTHY.value
    under_way = frozenset({ProjectStatus.RESTORING.value, ProjectStatus.COMING_UP.value})
    action = "restore"


class DeleteProjectOperator(SupabaseBaseOperator):
    """Delete a project, for good, once its live name matches ``confirm_name``.

    The name is the safety catch: a ref mistyped or templated from the wrong place names another project, and
    the task then fails (without retries) before the delete is sent. A project that does not exist (already
    deleted by an earlier try) is success.

    :param project_ref: the project's ref (templated).
    :param confirm_name: the project's exact name (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"ref", "name", "deleted"}`` (``deleted`` false when there was nothing to delete).
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "confirm_name")
    ui_color = "#f28b82"

    def __init__(self, *, project_ref: str, confirm_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.confirm_name = confirm_name

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.exceptions import SupabaseApiError

        ref = validate_ref(self.project_ref)
        confirm_name = require_text(self.confirm_name, "confirm_name")
        try:
            name = self.hook.get_project(ref).get("name")
        except SupabaseApiError as err:
            if err.status_code != 404:
                raise
            self.log.info("Project %s does not exist (already deleted?): nothing to do", ref)
            return {"ref": ref, "name": confirm_name, "deleted": False}
        if name != confirm_name:
            raise SupabaseInputError(
                "confirm_name", f"is {confirm_name!r} but project {ref} is named {name!r}; nothing was deleted"
            )
        self.hook.delete_project(ref)
        self.log.info("Deleted project %s (%r)", ref, name)
        return {"ref": ref, "name": name, "deleted": True}
