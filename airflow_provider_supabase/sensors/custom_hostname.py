"""SupabaseCustomHostnameSensor: wait for a custom hostname to reach a step, calling reverify within the limit."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase.compat import conf
from airflow_provider_supabase.sensors._base import SupabaseStatusSensor
from airflow_provider_supabase.waits.statuses import HostnameStatus

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import BaseTrigger
    from airflow_provider_supabase.waits.checks import Check, Step


class SupabaseCustomHostnameSensor(SupabaseStatusSensor):
    """Wait until a project's custom hostname reaches ``target_status`` (default ``5_services_reconfigured``;
    use ``4_origin_setup_completed`` to wait for the point where it can be activated).

    The API only advances a hostname when reverify is called, so with ``reverify=True`` the sensor calls it
    while the status is ``2_initiated`` or ``3_challenge_verified``, at most every ``reverify_interval``
    seconds per project. The API allows 10 a minute, so the interval never goes below 6 s unless the Airflow
    option ``[supabase] min_reverify_interval`` lowers that floor (meant for tests against an emulator).
    In reschedule mode nothing survives between pokes (each runs in a fresh process and Airflow clears the
    task's XComs when it starts again), so ``poke_interval`` is raised to the reverify interval instead.

    Fails at once, with the API's words, on SSL validation errors (e.g. a CAA record that forbids the
    certificate authority), and on a hostname that was never initialized (``1_not_started``) unless
    ``fail_on_not_started=False``. Returns ``{"status": ..., "custom_hostname": ...}``.

    :param project_ref: the project's ref (templated).
    :param target_status: the hostname status to wait for (templated).
    :param reverify: call reverify while the hostname is at step 2 or 3.
    :param reverify_interval: least seconds between two reverify calls for this project (floor 6 s).
    :param fail_on_not_started: fail on ``1_not_started`` instead of waiting for someone to initialize it.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).
    :param deferrable: poke once, then wait in the triggerer (default ``[operators] default_deferrable``).
    :param poke_interval: seconds between checks, in every mode (default 30).
    """

    def __init__(
        self,
        *,
        project_ref: str,
        target_status: str = HostnameStatus.SERVICES_RECONFIGURED.value,
        reverify: bool = True,
        reverify_interval: float = 6.0,
        fail_on_not_started: bool = True,
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
        self.reverify = reverify
        self.reverify_interval = reverify_interval
        self.fail_on_not_started = fail_on_not_started

    def _prepare(self) -> None:
        from airflow_provider_supabase.exceptions import SupabaseInputError
        from airflow_provider_supabase.waits.checks import effective_reverify_interval
        from airflow_provider_supabase.waits.statuses import HOSTNAME_STATUSES, hostname_rank

        if hostname_rank(self.target_status) == 0:
            raise SupabaseInputError(
                "target_status", f"{self.target_status!r} is not one of {', '.join(HOSTNAME_STATUSES)}"
            )
        interval = effective_reverify_interval(self.reverify_interval)
        if interval != self.reverify_interval:
            self.log.info(
                "reverify_interval %.1fs raised to %.1fs: the API allows 10 reverify calls a minute",
                self.reverify_interval,
                interval,
            )
        if self.reschedule and self.reverify and not self.deferrable:
            # Exponential backoff starts at half the poke interval (whole seconds).
            least = 2 * math.ceil(interval) if self.exponential_backoff else interval
            if self.poke_interval < least:
                self.log.info("poke_interval raised to %.1fs so rescheduled pokes keep the reverify limit", least)
                self.poke_interval = least
            if self.max_wait is not None and self.max_wait.total_seconds() < interval:
                self.max_wait = self._coerce_max_wait(interval)

    def _step(self) -> Step:
        from airflow_provider_supabase.waits.checks import effective_reverify_interval, hostname_step

        return hostname_step(
            self.project_ref,
            self.target_status,
            reverify=self.reverify,
            reverify_interval=effective_reverify_interval(self.reverify_interval),
            fail_on_not_started=self.fail_on_not_started,
        )

    def _result(self, check: Check) -> dict[str, Any]:
        return {"status": check.outcome.status, "custom_hostname": check.payload.get("custom_hostname")}

    def _event_result(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"status": event.get("hostname_status"), "custom_hostname": event.get("custom_hostname")}

    def _trigger(self, timeout: float) -> BaseTrigger:
        from airflow_provider_supabase.triggers.supabase import CustomHostnameTrigger
        from airflow_provider_supabase.waits.checks import effective_reverify_interval

        return CustomHostnameTrigger(
            project_ref=self.project_ref,
            supabase_conn_id=self.supabase_conn_id,
            target_status=self.target_status,
            reverify=self.reverify,
            poll_interval=self.poke_interval,
            reverify_interval=effective_reverify_interval(self.reverify_interval),
            timeout=timeout,
            fail_on_not_started=self.fail_on_not_started,
        )
