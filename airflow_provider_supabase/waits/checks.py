"""One check of a wait, written once as a step generator and driven by the sync hook (sensor poke, operator waits)
or the async hook (trigger)."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_supabase.steps import adrive, drive
from airflow_provider_supabase.waits.statuses import (
    Outcome,
    branch_outcome,
    hostname_needs_reverify,
    hostname_outcome,
    latest_run,
    log_tail,
    project_outcome,
    run_outcome,
)

# The real API allows 10 reverify calls a minute per project. Tests (and emulators) may lower the floor with
# the Airflow option ``[supabase] min_reverify_interval``; nothing else can take a wait below it.
MIN_REVERIFY_INTERVAL = 6.0


def effective_reverify_interval(requested: float) -> float:
    """``requested`` raised to the configured floor (``[supabase] min_reverify_interval``, default 6 s)."""
    from airflow_provider_supabase.compat import conf

    floor = conf.getfloat("supabase", "min_reverify_interval", fallback=MIN_REVERIFY_INTERVAL)
    return max(float(requested), floor)


class ReverifyThrottle:
    """When each project's hostname was last reverified, shared by every sensor and trigger in this process.

    A worker running many pokes, or a triggerer running hundreds of triggers, then spends one reverify budget
    per project, however many waits watch it. The time is stamped again when the call returns, so the gap is
    measured from the end of one reverify to the start of the next.
    """

    _PRUNE_AT = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def acquire(self, key: str, interval: float) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < interval:
                return False
            self._last[key] = now
            if len(self._last) > self._PRUNE_AT:
                # A long-lived triggerer sees many projects; entries older than any sane interval are useless.
                self._last = {k: t for k, t in self._last.items() if now - t < 3600}
            return True

    def stamp(self, key: str) -> None:
        with self._lock:
            self._last[key] = time.monotonic()

    def reset(self) -> None:
        """Forget every project (tests start each case with a fresh process state)."""
        with self._lock:
            self._last.clear()

    def assume_recent(self, key: str) -> None:
        """Treat an unknown project as just reverified: the caller may be a fresh process (a triggerer after a
        restart, or after a sensor's poke elsewhere) that cannot see the previous call."""
        with self._lock:
            self._last.setdefault(key, time.monotonic())


REVERIFY_THROTTLE = ReverifyThrottle()


@dataclass(frozen=True)
class Check:
    """What one check found: the verdict, the last API response, and whether it called reverify."""

    outcome: Outcome
    payload: Mapping[str, Any] = field(default_factory=dict)
    reverified: bool = False


# A step yields the name of the hook method to call with the project ref (or a tuple: the name and the
# arguments to call it with), receives its result, and returns a Check. The drivers below supply the hook, so
# the logic exists once for requests and httpx.
Step = Generator[Any, Any, Check]

# The services a branch's health check asks about.
BRANCH_HEALTH_SERVICES = ("db", "rest", "auth")


def project_step(target_status: str) -> Step:
    project = yield "get_project"
    payload = project if isinstance(project, Mapping) else {}
    return Check(project_outcome(payload.get("status"), target_status), payload)


def hostname_step(
    project_ref: str,
    target_status: str,
    *,
    reverify: bool,
    reverify_interval: float,
    fail_on_not_started: bool,
    throttle: ReverifyThrottle = REVERIFY_THROTTLE,
) -> Step:
    def judge(payload: Mapping[str, Any]) -> Outcome:
        return hostname_outcome(payload, target_status, fail_on_not_started=fail_on_not_started)

    found = yield "get_custom_hostname"
    payload: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    outcome = judge(payload)
    if outcome.state != "pending" or not reverify or not hostname_needs_reverify(outcome.status):
        return Check(outcome, payload)
    if not throttle.acquire(project_ref, reverify_interval):
        return Check(outcome, payload)
    try:
        answer = yield "reverify_custom_hostname"
    finally:
        throttle.stamp(project_ref)
    if isinstance(answer, Mapping):
        payload = answer
        outcome = judge(payload)
    return Check(outcome, payload, reverified=True)


def branch_step(parent_ref: str, branch_name: str) -> Step:
    """Is the branch ready: its project ``ACTIVE_HEALTHY``, its latest action run's steps all ``EXITED``, its
    health check passing? A DEAD step fails the wait with the step's name and the tail of the run's log."""
    from airflow_provider_supabase.exceptions import SupabaseApiError

    try:
        found = yield ("get_branch", parent_ref, branch_name)
    except SupabaseApiError as err:
        if err.status_code != 404:
            raise
        outcome = Outcome("pending", "NOT_FOUND", f"Branch {branch_name} does not exist (yet) on {parent_ref}")
        return Check(outcome, {})
    branch: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    ref = str(branch.get("project_ref") or "")
    payload = {"id": branch.get("id"), "name": branch_name, "project_ref": ref}
    project = yield ("get_project", ref)
    status = project.get("status") if isinstance(project, Mapping) else None
    run = latest_run((yield ("list_action_runs", ref)))
    outcome = branch_outcome(branch_name, status, run, None)
    if outcome.state == "pending" and outcome.status == "UNHEALTHY":
        health = yield ("get_project_health", ref, BRANCH_HEALTH_SERVICES)
        outcome = branch_outcome(branch_name, status, run, health)
    if outcome.state == "failed" and run is not None and outcome.status == "DEAD":
        outcome = yield from _with_log_tail(outcome, ref, str(run.get("id")))
    return Check(outcome, {**payload, "run_id": run.get("id") if run else None})


def workflow_run_step(ref: str, run_id: str) -> Step:
    """Has the workflow run (a merge, push or reset) finished: every step ``EXITED``? A DEAD step fails it with
    the step's name and the tail of the run's log."""
    from airflow_provider_supabase.exceptions import SupabaseApiError

    try:
        run = yield ("get_action_run", ref, run_id)
    except SupabaseApiError as err:
        if err.status_code != 404:
            raise
        # The API may not list a run it has just accepted for a moment.
        return Check(Outcome("pending", "NOT_FOUND", f"Workflow run {run_id} is not listed yet"), {})
    outcome = run_outcome(run if isinstance(run, Mapping) else None)
    if outcome.state == "failed":
        outcome = yield from _with_log_tail(outcome, ref, run_id)
    return Check(outcome, {"project_ref": ref, "run_id": run_id})


def _with_log_tail(outcome: Outcome, ref: str, run_id: str) -> Generator[Any, Any, Outcome]:
    from airflow_provider_supabase.exceptions import SupabaseApiError

    try:
        logs = yield ("get_action_run_logs", ref, run_id)
    except SupabaseApiError as err:
        return Outcome(outcome.state, outcome.status, f"{outcome.message} (its log could not be read: {err})")
    tail = log_tail(logs)
    return Outcome(outcome.state, outcome.status, f"{outcome.message}; log tail:\n{tail}" if tail else outcome.message)


def _caller(hook: Any, project_ref: str) -> Any:
    def call(action: Any) -> Any:
        if isinstance(action, str):
            return getattr(hook, action)(project_ref)
        name, *args = action
        return getattr(hook, name)(*args)

    return call


def run_sync(step: Step, hook: Any, project_ref: str) -> Check:
    """Drive a step with a ``SupabaseHook``."""
    return drive(step, _caller(hook, project_ref))


async def run_async(step: Step, hook: Any, project_ref: str) -> Check:
    """Drive a step with a ``SupabaseAsyncHook``."""
    return await adrive(step, _caller(hook, project_ref))
