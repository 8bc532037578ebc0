"""SupabaseProjectStatusSensor: wait for a project to reach a status, without holding a worker if deferrable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase.compat import conf
from airflow_provider_supabase.sensors._base import SupabaseStatusSensor
from airflow_provider_supabase.waits.statuses import ProjectStatus, project_status

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import BaseTrigger
    from airflow_provider_supabase.waits.checks import Check, Step


class SupabaseProjectStatusSensor(SupabaseStatusSensor):
    """Wait until a project reaches ``target_status`` (default ``ACTIVE_HEALTHY``).

    Fails at once on a status the project will not come back from (``INIT_FAILED``, ``REMOVED``,
    ``GOING_DOWN``, ``INACTIVE``, ``*_FAILED``). Returns ``{"status": ..., "ref": ...}``.

    :param project_ref: the project's ref (templated).
    :param target_status: the status to wait for (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).
    :param deferrable: poke once, then wait in the triggerer (default ``[operators] default_deferrable``).
    :param poke_interval: seconds between checks, in every mode (default 30).
    """

    def __init__(
        self,
        *,
        project_ref: str,
        target_status: str = ProjectStatus.ACTIVE_HEALTHY.value,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project_ref=project_ref,
            target_status=target_status,
            supabase_conn_id=supabase_conn_id,
            deferrable=deferrable,
            **kwargs,
        )

    def _prepare(self) -> None:
        project_status(self.target_status)

    def _step(self) -> Step:
        from airflow_provider_supabase.waits.checks import project_step

        return project_step(self.target_status)

    def _result(self, check: Check) -> dict[str, Any]:
        return {"status": check.outcome.status, "ref": self.project_ref}

    def _event_result(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"status": event.get("project_status"), "ref": event.get("project_ref", self.project_ref)}

    def _trigger(self, timeout: float) -> BaseTrigger:
        from airflow_provider_supabase.triggers.supabase import ProjectStatusTrigger

        return ProjectStatusTrigger(
            project_ref=self.project_ref,
            supabase_conn_id=self.supabase_conn_id,
            target_status=self.target_status,
            poll_interval=self.poke_interval,
            timeout=timeout,
        )
