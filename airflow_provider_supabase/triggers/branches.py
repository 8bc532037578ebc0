"""Triggers that wait in the triggerer for a preview branch to be ready, or for a branch's workflow run (merge,
push, reset) to finish, then fire one event. They run the checks the sensor and the operators run."""

from __future__ import annotations

from typing import Any

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase.triggers.supabase import _StatusWaitTrigger
from airflow_provider_supabase.waits.checks import Check, Step, branch_step, workflow_run_step
from airflow_provider_supabase.waits.statuses import BRANCH_READY, RunStepStatus


class BranchReadyTrigger(_StatusWaitTrigger):
    """Wait until a preview branch is ready: its project ``ACTIVE_HEALTHY``, its latest action run's steps all
    ``EXITED``, its health check passing. A DEAD step fails at once, with the step and the tail of its log.

    Event: ``{"status": "success"|"error"|"timeout", "message", "project_ref", "branch_name", "branch_id",
    "branch_project_ref", "branch_status"}``.

    :param project_ref: the PARENT project's 20-letter ref.
    :param branch_name: the branch's name.
    :param supabase_conn_id: Airflow connection of type ``supabase``.
    :param poll_interval: seconds between checks.
    :param timeout: seconds from construction until a timeout event; ignored when ``end_time`` is given.
    :param end_time: absolute deadline in epoch seconds (set by ``serialize()`` round-trips).
    """

    def __init__(
        self,
        project_ref: str,
        branch_name: str,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = 10.0,
        timeout: float = 3600.0,
        end_time: float | None = None,
        target_status: str = BRANCH_READY,
    ) -> None:
        super().__init__(project_ref, supabase_conn_id, target_status, poll_interval, timeout, end_time)
        self.branch_name = branch_name

    def _kwargs(self) -> dict[str, Any]:
        return {**super()._kwargs(), "branch_name": self.branch_name}

    def _step(self) -> Step:
        return branch_step(self.project_ref, self.branch_name)

    def _event(self, status: str, message: str, check: Check | None) -> dict[str, Any]:
        payload = check.payload if check is not None else {}
        return {
            "status": status,
            "message": message,
            "project_ref": self.project_ref,
            "branch_name": self.branch_name,
            "branch_id": payload.get("id"),
            "branch_project_ref": payload.get("project_ref"),
            "branch_status": check.outcome.status if check is not None else None,
        }

    def _timeout_event(self, check: Check | None) -> dict[str, Any]:
        last = f"; last seen: {check.outcome.message}" if check is not None else ""
        message = f"Timed out waiting for branch {self.branch_name} of project {self.project_ref} to be ready{last}"
        return self._event("timeout", message, check)


class WorkflowRunTrigger(_StatusWaitTrigger):
    """Wait until a branch's workflow run (the ``workflow_run_id`` of a merge, push or reset) has every step
    ``EXITED``; a DEAD step fails at once, with the step and the tail of the run's log.

    Event: ``{"status", "message", "project_ref", "run_id", "run_status"}``.

    :param project_ref: the branch project's 20-letter ref (the run is listed under it).
    :param run_id: the workflow run's id.
    :param supabase_conn_id: Airflow connection of type ``supabase``.
    :param poll_interval: seconds between checks.
    :param timeout: seconds from construction until a timeout event; ignored when ``end_time`` is given.
    :param end_time: absolute deadline in epoch seconds (set by ``serialize()`` round-trips).
    """

    def __init__(
        self,
        project_ref: str,
        run_id: str,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = 10.0,
        timeout: float = 3600.0,
        end_time: float | None = None,
        target_status: str = RunStepStatus.EXITED.value,
    ) -> None:
        super().__init__(project_ref, supabase_conn_id, target_status, poll_interval, timeout, end_time)
        self.run_id = run_id

    def _kwargs(self) -> dict[str, Any]:
        return {**super()._kwargs(), "run_id": self.run_id}

    def _step(self) -> Step:
        return workflow_run_step(self.project_ref, self.run_id)

    def _event(self, status: str, message: str, check: Check | None) -> dict[str, Any]:
        return {
            "status": status,
            "message": message,
            "project_ref": self.project_ref,
            "run_id": self.run_id,
            "run_status": check.outcome.status if check is not None else None,
        }

    def _timeout_event(self, check: Check | None) -> dict[str, Any]:
        last = f"; last seen: {check.outcome.message}" if check is not None else ""
        message = f"Timed out waiting for workflow run {self.run_id} on project {self.project_ref}{last}"
        return self._event("timeout", message, check)
