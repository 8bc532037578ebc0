"""Triggers that wait in the triggerer for a project status or a custom-hostname step, then fire one event."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase.compat import BaseTrigger, TriggerEvent
from airflow_provider_supabase.waits.checks import (
    REVERIFY_THROTTLE,
    Check,
    Step,
    effective_reverify_interval,
    hostname_step,
    project_step,
    run_async,
)
from airflow_provider_supabase.waits.statuses import HostnameStatus, ProjectStatus


class _StatusWaitTrigger(BaseTrigger):
    """The polling loop both triggers share: check, sleep, until done, failed or past ``end_time``.

    ``run`` yields exactly one event and never raises (cancellation aside): the triggerer runs hundreds of these
    in one event loop, and a crash there would take the others down with it.
    """

    def __init__(
        self,
        project_ref: str,
        supabase_conn_id: str,
        target_status: str,
        poll_interval: float,
        timeout: float,
        end_time: float | None,
    ) -> None:
        super().__init__()
        self.project_ref = project_ref
        self.supabase_conn_id = supabase_conn_id
        self.target_status = target_status
        self.poll_interval = float(poll_interval)
        self.timeout = float(timeout)
        # Absolute, so a triggerer restart (which rebuilds the trigger from serialize()) keeps the deadline.
        self.end_time = float(end_time) if end_time is not None else time.time() + self.timeout

    def _kwargs(self) -> dict[str, Any]:
        return {
            "project_ref": self.project_ref,
            "supabase_conn_id": self.supabase_conn_id,
            "target_status": self.target_status,
            "poll_interval": self.poll_interval,
            "timeout": self.timeout,
            "end_time": self.end_time,
        }

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", self._kwargs()

    def _step(self) -> Step:
        raise NotImplementedError

    def _event(self, status: str, message: str, check: Check | None) -> dict[str, Any]:
        raise NotImplementedError

    async def _start(self) -> None:
        """Runs once before the first check."""

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # The client is closed inside _wait, before the event leaves: after the yield, the triggerer may never
        # resume this generator.
        yield TriggerEvent(await self._wait())

    async def _wait(self) -> dict[str, Any]:
        check: Check | None = None
        try:
            from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook

            await self._start()
            # The deferring task has just checked once, and a triggerer (re)starting picks up hundreds of
            # triggers at once: spread the first checks over one poll interval instead of bursting them.
            await asyncio.sleep(min(self.poll_interval * random.random(), max(0.0, self.end_time - time.time())))
            async with SupabaseAsyncHook(self.supabase_conn_id) as hook:
                while True:
                    remaining = self.end_time - time.time()
                    if remaining <= 0:
                        return self._timeout_event(check)
                    try:
                        # One slow call (a 429 waiting for its reset) must not carry the wait past its deadline.
                        latest = await asyncio.wait_for(run_async(self._step(), hook, self.project_ref), remaining)
                    except asyncio.TimeoutError:
                        return self._timeout_event(check)
                    if check is None or latest.outcome.status != check.outcome.status:
                        self.log.info("%s: %s", self.project_ref, latest.outcome.message)
                    check = latest
                    if check.outcome.state == "done":
                        return self._event("success", check.outcome.message, check)
                    if check.outcome.state == "failed":
                        return self._event("error", check.outcome.message, check)
                    remaining = self.end_time - time.time()
                    if remaining <= 0:
                        return self._timeout_event(check)
                    # Up to 10 % jitter: triggers started together would otherwise poll in lockstep for hours.
                    await asyncio.sleep(min(self.poll_interval * random.uniform(0.9, 1.0), remaining))
        except Exception as exc:  # CancelledError is not an Exception: the triggerer may still cancel us
            self.log.exception("Waiting on project %s failed", self.project_ref)
            return self._event("error", f"{type(exc).__name__}: {exc}", check)

    def _timeout_event(self, check: Check | None) -> dict[str, Any]:
        last = f"; last seen: {check.outcome.message}" if check is not None else ""
        message = f"Timed out waiting for {self.target_status} on project {self.project_ref}{last}"
        return self._event("timeout", message, check)


class ProjectStatusTrigger(_StatusWaitTrigger):
    """Wait until a project reaches ``target_status``; fail at once on a terminal status (INIT_FAILED, ...).

    Event: ``{"status": "success"|"error"|"timeout", "message", "project_ref", "project_status"}``.

    :param project_ref: the project's 20-letter ref.
    :param supabase_conn_id: Airflow connection of type ``supabase``.
    :param target_status: the status to wait for.
    :param poll_interval: seconds between checks.
    :param timeout: seconds from construction until a timeout event; ignored when ``end_time`` is given.
    :param end_time: absolute deadline in epoch seconds (set by ``serialize()`` round-trips).
    """

    def __init__(
        self,
        project_ref: str,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        target_status: str = ProjectStatus.ACTIVE_HEALTHY.value,
        poll_interval: float = 10.0,
        timeout: float = 3600.0,
        end_time: float | None = None,
    ) -> None:
        super().__init__(project_ref, supabase_conn_id, target_status, poll_interval, timeout, end_time)

    def _step(self) -> Step:
        return project_step(self.target_status)

    def _event(self, status: str, message: str, check: Check | None) -> dict[str, Any]:
        return {
            "status": status,
            "message": message,
            "project_ref": self.project_ref,
            "project_status": check.outcome.status if check is not None else None,
        }


class CustomHostnameTrigger(_StatusWaitTrigger):
    """Wait until a project's custom hostname reaches ``target_status``, calling reverify while it is at
    ``2_initiated`` or ``3_challenge_verified`` (the real API only advances it then).

    Reverify runs at most every ``reverify_interval`` seconds per project across every wait in the process,
    and never below ``[supabase] min_reverify_interval`` (default 6 s: the API allows 10 a minute). A
    trigger that starts without knowing the last reverify (a triggerer that just took it over) waits one
    interval before its first. Fails at once on SSL validation errors and, unless ``fail_on_not_started``
    is false, on a hostname that was never initialized.

    Event: ``{"status", "message", "project_ref", "hostname_status", "custom_hostname"}``.

    :param project_ref: the project's 20-letter ref.
    :param supabase_conn_id: Airflow connection of type ``supabase``.
    :param target_status: the hostname status to wait for, e.g. ``4_origin_setup_completed``.
    :param reverify: call reverify while the hostname is at step 2 or 3.
    :param poll_interval: seconds between checks.
    :param reverify_interval: least seconds between two reverify calls for the project.
    :param timeout: seconds from construction until a timeout event; ignored when ``end_time`` is given.
    :param end_time: absolute deadline in epoch seconds (set by ``serialize()`` round-trips).
    :param fail_on_not_started: fail on ``1_not_started`` instead of waiting for an initialize.
    """

    def __init__(
        self,
        project_ref: str,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        target_status: str = HostnameStatus.SERVICES_RECONFIGURED.value,
        reverify: bool = True,
        poll_interval: float = 10.0,
        reverify_interval: float = 6.0,
        timeout: float = 3600.0,
        end_time: float | None = None,
        fail_on_not_started: bool = True,
    ) -> None:
        super().__init__(project_ref, supabase_conn_id, target_status, poll_interval, timeout, end_time)
        self.reverify = bool(reverify)
        self.reverify_interval = effective_reverify_interval(reverify_interval)
        self.fail_on_not_started = bool(fail_on_not_started)

    def _kwargs(self) -> dict[str, Any]:
        return {
            **super()._kwargs(),
            "reverify": self.reverify,
            "reverify_interval": self.reverify_interval,
            "fail_on_not_started": self.fail_on_not_started,
        }

    async def _start(self) -> None:
        if self.reverify:
            REVERIFY_THROTTLE.assume_recent(self.project_ref)

    def _step(self) -> Step:
        return hostname_step(
            self.project_ref,
            self.target_status,
            reverify=self.reverify,
            reverify_interval=self.reverify_interval,
            fail_on_not_started=self.fail_on_not_started,
        )

    def _event(self, status: str, message: str, check: Check | None) -> dict[str, Any]:
        payload = check.payload if check is not None else {}
        return {
            "status": status,
            "message": message,
            "project_ref": self.project_ref,
            "hostname_status": check.outcome.status if check is not None else None,
            "custom_hostname": payload.get("custom_hostname") or None,
        }
