"""The poke, reschedule and deferrable machinery both Supabase sensors share."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase._owner import SupabaseHookOwner
from airflow_provider_supabase.compat import (
    AirflowException,
    AirflowSensorTimeout,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
    reschedule_safe,
)

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import BaseTrigger, Context
    from airflow_provider_supabase.waits.checks import Check, Step

# Added to Airflow's own deferral timeout: the trigger fires a timeout event with the last status at its
# deadline; Airflow's timeout is only the backstop for a triggerer that never ran it.
DEFER_GRACE_SECONDS = 60.0


class SupabaseStatusSensor(SupabaseHookOwner, BaseSensorOperator):
    """Base for sensors that poll one project's state through a check step shared with a trigger.

    Subclasses say which step to run, what to return, and which trigger to defer to.
    """

    template_fields: Sequence[str] = ("project_ref", "target_status", "supabase_conn_id")
    ui_color = "#3ecf8e"

    def __init__(
        self,
        *,
        project_ref: str,
        target_status: str,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: timedelta | float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.project_ref = project_ref
        self.target_status = target_status
        self.supabase_conn_id = supabase_conn_id
        self.deferrable = deferrable

    # What a subclass provides --------------------------------------------------------------------
    def _prepare(self) -> None:
        """Check rendered arguments before the first request."""

    def _step(self) -> Step:
        raise NotImplementedError

    def _result(self, check: Check) -> dict[str, Any]:
        raise NotImplementedError

    def _event_result(self, event: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _trigger(self, timeout: float) -> BaseTrigger:
        raise NotImplementedError

    # The shared machinery ------------------------------------------------------------------------
    def poke(self, context: Context) -> bool | PokeReturnValue:
        from airflow_provider_supabase.waits.checks import run_sync

        check = run_sync(self._step(), self.hook, self.project_ref)
        if check.outcome.state == "failed":
            raise AirflowException(check.outcome.message)
        self.log.info("%s: %s", self.project_ref, check.outcome.message)
        if check.outcome.state == "done":
            return PokeReturnValue(True, self._result(check))
        return False

    def execute(self, context: Context) -> Any:
        self._prepare()
        if not self.deferrable:
            return super().execute(reschedule_safe(context) if self.reschedule else context)
        started = time.monotonic()
        poked = self.poke(context)
        if isinstance(poked, PokeReturnValue) and poked:
            return poked.xcom_value
        remaining = max(0.0, self.timeout - (time.monotonic() - started))
        self.defer(
            trigger=self._trigger(remaining),
            method_name="execute_complete",
            timeout=timedelta(seconds=remaining + DEFER_GRACE_SECONDS),
        )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger: its success is the sensor's return value; anything else fails the task."""
        event = event or {}
        status = event.get("status")
        message = event.get("message") or f"trigger for project {self.project_ref} ended with {status!r}"
        if status == "success":
            self.log.info("%s: %s", self.project_ref, message)
            return self._event_result(event)
        if status == "timeout":
            raise AirflowSensorTimeout(message)
        raise AirflowException(message)
