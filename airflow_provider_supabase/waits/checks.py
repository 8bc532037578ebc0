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
    hostname_needs_reverify,
    hostname_outcome,
    project_outcome,
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


# A step yields the name of the hook method to call with the project ref, receives its result, and returns
# a Check. The drivers below supply the hook, so the logic exists once for requests and httpx.
Step = Generator[str, Any, Check]


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


def run_sync(step: Step, hook: Any, project_ref: str) -> Check:
    """Drive a step with a ``SupabaseHook``."""
    return drive(step, lambda call: getattr(hook, call)(project_ref))


async def run_async(step: Step, hook: Any, project_ref: str) -> Check:
    """Drive a step with a ``SupabaseAsyncHook``."""
    return await adrive(step, lambda call: getattr(hook, call)(project_ref))
