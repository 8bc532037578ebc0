"""The one place that decides what a project or custom-hostname status means for a wait.

Sensors (poke) and triggers (deferred loop) both call these, so the two modes can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

State = Literal["pending", "done", "failed"]

PROJECT_PENDING = frozenset(
    {
        "UNKNOWN",
        "COMING_UP",
        "RESTORING",
        "UPGRADING",
        "RESTARTING",
        "RESIZING",
        "PAUSING",
        "ACTIVE_UNHEALTHY",
    }
)
PROJECT_TERMINAL = frozenset({"INIT_FAILED", "REMOVED", "GOING_DOWN", "INACTIVE", "PAUSE_FAILED", "RESTORE_FAILED"})

HOSTNAME_STATUSES = (
    "1_not_started",
    "2_initiated",
    "3_challenge_verified",
    "4_origin_setup_completed",
    "5_services_reconfigured",
)
# Reverify is what moves a hostname through these two steps on the real API.
HOSTNAME_REVERIFY_STATUSES = frozenset({"2_initiated", "3_challenge_verified"})


@dataclass(frozen=True)
class Outcome:
    state: State
    status: str
    message: str


def project_outcome(status: Any, target_status: str = "ACTIVE_HEALTHY") -> Outcome:
    """pending / done / failed for a project's ``status`` while waiting for ``target_status``."""
    status = str(status or "UNKNOWN")
    if status == target_status:
        return Outcome("done", status, f"Project reached {status}")
    if status in PROJECT_TERMINAL or status.endswith("_FAILED"):
        return Outcome("failed", status, f"Project is {status}, which will not become {target_status}")
    if status in PROJECT_PENDING or status == "ACTIVE_HEALTHY":
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
    target_status: str = "5_services_reconfigured",
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
    if status == "1_not_started" and fail_on_not_started:
        return Outcome("failed", status, "Custom hostname was never initialized (1_not_started); initialize it first")
    detail = "; ".join(_verification_errors(payload) + ssl_errors)
    suffix = f" ({detail})" if detail else ""
    return Outcome("pending", status, f"Custom hostname {hostname} is {status or 'unknown'}{suffix}")


def hostname_needs_reverify(status: Any) -> bool:
    return str(status) in HOSTNAME_REVERIFY_STATUSES
