"""The statuses of the Management API's long-running things, and the one place that decides what each means for a
wait: pending, done or failed. Sensors, triggers and operators all import from here."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from enum import Enum
from typing import Any, Literal, NamedTuple

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        def __str__(self) -> str:
            return str(self.value)


class ProjectStatus(StrEnum):
    """A project's ``status``."""

    UNKNOWN = "UNKNOWN"
    COMING_UP = "COMING_UP"
    ACTIVE_HEALTHY = "ACTIVE_HEALTHY"
    ACTIVE_UNHEALTHY = "ACTIVE_UNHEALTHY"
    INACTIVE = "INACTIVE"
    GOING_DOWN = "GOING_DOWN"
    INIT_FAILED = "INIT_FAILED"
    REMOVED = "REMOVED"
    RESTORING = "RESTORING"
    UPGRADING = "UPGRADING"
    PAUSING = "PAUSING"
    RESTORE_FAILED = "RESTORE_FAILED"
    RESTARTING = "RESTARTING"
    PAUSE_FAILED = "PAUSE_FAILED"
    RESIZING = "RESIZING"


class HostnameStatus(StrEnum):
    """A custom hostname's ``status``, in the order a hostname goes through them."""

    NOT_STARTED = "1_not_started"
    INITIATED = "2_initiated"
    CHALLENGE_VERIFIED = "3_challenge_verified"
    ORIGIN_SETUP_COMPLETED = "4_origin_setup_completed"
    SERVICES_RECONFIGURED = "5_services_reconfigured"


class RunStepStatus(StrEnum):
    """The ``status`` of one step of a branch's action run (workflow run)."""

    CREATED = "CREATED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RESTARTING = "RESTARTING"
    REMOVING = "REMOVING"
    EXITED = "EXITED"
    DEAD = "DEAD"


State = Literal["pending", "done", "failed"]

_P = ProjectStatus
PROJECT_PENDING = frozenset(
    {_P.UNKNOWN, _P.COMING_UP, _P.RESTORING, _P.UPGRADING, _P.RESTARTING, _P.RESIZING, _P.PAUSING, _P.ACTIVE_UNHEALTHY}
)
PROJECT_TERMINAL = frozenset(
    {_P.INIT_FAILED, _P.REMOVED, _P.GOING_DOWN, _P.INACTIVE, _P.PAUSE_FAILED, _P.RESTORE_FAILED}
)

HOSTNAME_STATUSES = tuple(HostnameStatus)
# Reverify is what moves a hostname through these two steps on the real API.
HOSTNAME_REVERIFY_STATUSES = frozenset({HostnameStatus.INITIATED, HostnameStatus.CHALLENGE_VERIFIED})


class Outcome(NamedTuple):
    """What one look at a long-running thing found: its wait's state, the status seen, and a message for the log."""

    state: State
    status: str
    message: str


# Terminal for most waits, but the way to INACTIVE: a pause goes through GOING_DOWN on older platforms.
PROJECT_ON_THE_WAY: dict[str, frozenset[str]] = {_P.INACTIVE: frozenset({_P.GOING_DOWN})}


def project_terminal(target_status: str) -> frozenset[str]:
    """The statuses that fail a wait for ``target_status`` (and any ``*_FAILED``). ``INACTIVE`` fails every wait
    but its own: a restore that falls back to it has failed, a pause that reaches it is done."""
    terminal: frozenset[str] = PROJECT_TERMINAL
    return terminal - {target_status} - PROJECT_ON_THE_WAY.get(target_status, frozenset())


def project_outcome(status: Any, target_status: str = ProjectStatus.ACTIVE_HEALTHY) -> Outcome:
    """pending / done / failed for a project's ``status`` while waiting for ``target_status``."""
    status = str(status or "UNKNOWN")
    if status == target_status:
        return Outcome("done", status, f"Project reached {status}")
    if status in project_terminal(target_status) or status.endswith("_FAILED"):
        return Outcome("failed", status, f"Project is {status}, which will not become {target_status}")
    if status in PROJECT_PENDING or status == ProjectStatus.ACTIVE_HEALTHY:
        # ACTIVE_HEALTHY while waiting for another target (e.g. INACTIVE after a pause) is still pending.
        return Outcome("pending", status, f"Project is {status}, waiting for {target_status}")
    return Outcome("pending", status, f"Project has unrecognised status {status}, waiting for {target_status}")


def hostname_rank(status: Any) -> int:
    try:
        return HOSTNAME_STATUSES.index(str(status)) + 1
    except ValueError:
        return 0


def _ssl_errors(payload: Mapping[str, Any]) -> list[str]:
    result = (payload.get("data") or {}).get("result") or {}
    ssl = result.get("ssl") or {}
    return [str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in ssl.get("validation_errors") or []]


def _verification_errors(payload: Mapping[str, Any]) -> list[str]:
    result = (payload.get("data") or {}).get("result") or {}
    return [str(e) for e in result.get("verification_errors") or []]


def hostname_outcome(
    payload: Mapping[str, Any],
    target_status: str = HostnameStatus.SERVICES_RECONFIGURED,
    *,
    fail_on_not_started: bool = True,
    fail_on_ssl_error: bool = True,
) -> Outcome:
    """pending / done / failed for a custom-hostname config (the GET or reverify response)."""
    status = str(payload.get("status") or "")
    hostname = payload.get("custom_hostname") or "(none)"
    if hostname_rank(target_status) == 0:
        raise ValueError(f"unknown custom hostname target status {target_status!r}")
    if hostname_rank(status) >= hostname_rank(target_status):
        return Outcome("done", status, f"Custom hostname {hostname} reached {status}")
    ssl_errors = _ssl_errors(payload)
    if ssl_errors and fail_on_ssl_error:
        return Outcome("failed", status, f"SSL validation failed for {hostname}: {'; '.join(ssl_errors)}")
    if status == HostnameStatus.NOT_STARTED and fail_on_not_started:
        return Outcome("failed", status, "Custom hostname was never initialized (1_not_started); initialize it first")
    detail = "; ".join(_verification_errors(payload) + ssl_errors)
    suffix = f" ({detail})" if detail else ""
    return Outcome("pending", status, f"Custom hostname {hostname} is {status or 'unknown'}{suffix}")


def hostname_needs_reverify(status: Any) -> bool:
    return str(status) in HOSTNAME_REVERIFY_STATUSES


def project_status(value: Any, field: str = "target_status") -> ProjectStatus:
    """``value`` as a ``ProjectStatus``, or ``SupabaseInputError`` naming ``field`` (a typo would otherwise wait
    out the whole timeout for a status that never comes)."""
    try:
        return ProjectStatus(value)
    except (TypeError, ValueError):
        from airflow_provider_supabase.exceptions import SupabaseInputError

        known = ", ".join(ProjectStatus)
        raise SupabaseInputError(field, f"{value!r} is not a project status (one of {known})") from None


# What a branch's log tail in a failure message holds at most: enough to show the error, not the whole run.
LOG_TAIL_LINES = 20
LOG_TAIL_CHARS = 2000


def log_tail(text: Any, lines: int = LOG_TAIL_LINES, chars: int = LOG_TAIL_CHARS) -> str:
    """The last ``lines`` lines (at most ``chars`` characters) of a run's log."""
    kept = "\n".join(str(text or "").rstrip().splitlines()[-lines:])
    return kept if len(kept) <= chars else "..." + kept[-chars:]


def latest_run(runs: Any) -> Mapping[str, Any] | None:
    """The newest action run of a listing: the latest ``created_at``, and of runs started in the same instant the
    one listed first (the API lists newest first)."""
    items = [r for r in (runs if isinstance(runs, list) else []) if isinstance(r, Mapping)]
    # max() keeps the first of equal keys.
    return max(items, key=lambda r: str(r.get("created_at") or "")) if items else None


def dead_step(run: Mapping[str, Any] | None) -> str | None:
    """The name of the run's first step that ended ``DEAD``, if any."""
    for step in (run or {}).get("run_steps") or []:
        if isinstance(step, Mapping) and step.get("status") == RunStepStatus.DEAD:
            return str(step.get("name") or "?")
    return None


def run_outcome(run: Mapping[str, Any] | None, what: str = "Workflow run") -> Outcome:
    """pending / done / failed for an action run: done when every step EXITED, failed when one is DEAD. The
    outcome's ``status`` is ``EXITED``, ``DEAD`` or the first unfinished step as ``name:STATUS``."""
    steps = [s for s in ((run or {}).get("run_steps") or []) if isinstance(s, Mapping)]
    run_id = (run or {}).get("id") or "(unknown)"
    dead = dead_step(run)
    if dead is not None:
        return Outcome("failed", RunStepStatus.DEAD, f"{what} {run_id}: step {dead} ended DEAD")
    if steps and all(s.get("status") == RunStepStatus.EXITED for s in steps):
        return Outcome("done", RunStepStatus.EXITED, f"{what} {run_id}: all {len(steps)} steps EXITED")
    if not steps:
        return Outcome("pending", "NO_STEPS", f"{what} {run_id} has no steps yet")
    current = next(s for s in steps if s.get("status") != RunStepStatus.EXITED)
    done = sum(1 for s in steps if s.get("status") == RunStepStatus.EXITED)
    status = f"{current.get('name')}:{current.get('status')}"
    return Outcome("pending", status, f"{what} {run_id}: step {status} ({done} of {len(steps)} steps EXITED)")


BRANCH_READY = "READY"


def branch_outcome(name: str, project_status: Any, run: Mapping[str, Any] | None, health: Any) -> Outcome:
    """pending / done / failed for a preview branch: ready when its project is ``ACTIVE_HEALTHY``, the latest
    action run's steps all ``EXITED`` and every service of the health check healthy. ``health`` is ``None`` when
    it was not asked (the rest is not ready yet). A DEAD step or a project that failed for good fail the wait."""
    project = project_outcome(project_status)
    if project.state == "failed":
        return Outcome("failed", project.status, f"Branch {name}: its project is {project.status}")
    ran = run_outcome(run, "its action run") if run is not None else None
    if ran is not None and ran.state == "failed":
        return Outcome("failed", ran.status, f"Branch {name}: {ran.message}")
    if project.state != "done":
        return Outcome("pending", project.status, f"Branch {name}: its project is {project.status}")
    if ran is None:
        return Outcome("pending", "NO_RUN", f"Branch {name}: no action run yet")
    if ran.state != "done":
        return Outcome("pending", ran.status, f"Branch {name}: {ran.message}")
    unhealthy = [
        str(s.get("name"))
        for s in (health if isinstance(health, list) else [])
        if not (isinstance(s, Mapping) and s.get("healthy"))
    ]
    if health is None or not isinstance(health, list) or not health or unhealthy:
        detail = ", ".join(unhealthy) or "no answer"
        return Outcome("pending", "UNHEALTHY", f"Branch {name}: health check not passing yet ({detail})")
    return Outcome("done", BRANCH_READY, f"Branch {name} is ready")
