"""SupabaseBranchSensor: wait until a preview branch is really ready, without holding a worker if deferrable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase.compat import conf
from airflow_provider_supabase.sensors._base import SupabaseStatusSensor
from airflow_provider_supabase.validation import validate_branch_name, validate_ref
from airflow_provider_supabase.waits.statuses import BRANCH_READY

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import BaseTrigger
    from airflow_provider_supabase.waits.checks import Check, Step


class SupabaseBranchSensor(SupabaseStatusSensor):
    """Wait until a project's preview branch is ready to use, which a branch reports too early on its own.

    Ready means all of: the branch's project is ``ACTIVE_HEALTHY``, the latest action run's steps (clone, pull,
    health, configure, migrate, seed, deploy) all ``EXITED``, and the branch's health check passes. A step that
    ends ``DEAD`` fails the task at once with the step's name and the tail of the run's log; so does a branch
    project that failed for good. A branch that does not exist yet is waited for. Returns
    ``{"branch_id", "project_ref", "name", "status"}`` (``project_ref``: the branch's own project).

    :param project_ref: the PARENT project's ref (templated).
    :param branch_name: the branch's name (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).
    :param deferrable: poke once, then wait in the triggerer (``BranchReadyTrigger``; default
        ``[operators] default_deferrable``).
    :param poke_interval: seconds between checks, in every mode (default 30).
    """

    template_fields: Sequence[str] = ("project_ref", "branch_name", "supabase_conn_id")

    def __init__(
        self,
        *,
        project_ref: str,
        branch_name: str,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project_ref=project_ref,
            target_status=BRANCH_READY,
            supabase_conn_id=supabase_conn_id,
            deferrable=deferrable,
            **kwargs,
        )
        self.branch_name = branch_name

    def _prepare(self) -> None:
        validate_ref(self.project_ref)
        validate_branch_name(self.branch_name)

    def poke(self, context: Any) -> Any:
        # Reschedule mode pokes without execute(): check the rendered arguments before every request.
        self._prepare()
        return super().poke(context)

    def _step(self) -> Step:
        from airflow_provider_supabase.waits.checks import branch_step

        return branch_step(self.project_ref, self.branch_name)

    def _result(self, check: Check) -> dict[str, Any]:
        return {
            "branch_id": check.payload.get("id"),
            "project_ref": check.payload.get("project_ref"),
            "name": self.branch_name,
            "status": check.outcome.status,
        }

    def _event_result(self, event: dict[str, Any]) -> dict[str, Any]:
        return {
            "branch_id": event.get("branch_id"),
            "project_ref": event.get("branch_project_ref"),
            "name": event.get("branch_name", self.branch_name),
            "status": event.get("branch_status") or BRANCH_READY,
        }

    def _trigger(self, timeout: float) -> BaseTrigger:
        from airflow_provider_supabase.triggers.branches import BranchReadyTrigger

        return BranchReadyTrigger(
            project_ref=self.project_ref,
            branch_name=self.branch_name,
            supabase_conn_id=self.supabase_conn_id,
            poll_interval=self.poke_interval,
            timeout=timeout,
        )
