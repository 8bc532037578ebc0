"""The one retry policy for every Management API call, sync (requests) and async (httpx) alike.

Both transports raise ``SupabaseApiError`` carrying ``retryable`` and ``retry_after``; this module turns
that into the stop, wait, retry and log rules of one tenacity ``Retrying``, which the transport-free call loop
(``hooks/call.py``) consults for the sync and the async hook alike.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tenacity

from airflow_provider_supabase.exceptions import SupabaseApiError

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def header(headers: Mapping[str, str], name: str) -> str | None:
    # requests' and httpx's header maps are case-insensitive; a plain dict in tests may not be.
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def server_wait_hint(status: int, headers: Mapping[str, str]) -> float | None:
    """How long the server asked us to wait: Retry-After first, else X-RateLimit-Reset on a 429."""
    hint = parse_retry_after(header(headers, "Retry-After"))
    if hint is None and status == 429:
        reset = header(headers, "X-RateLimit-Reset")
        try:
            hint = max(0.0, float(reset)) if reset is not None else None
        except ValueError:
            hint = None
    return hint


@dataclass(frozen=True)
class RetryPolicy:
    """Retry 429, 5xx and transport failures the transport marked retryable; never other 4xx.

    ``max_retries`` retries after the first attempt; every wait is capped at ``max_wait`` seconds. A 429 was
    refused before any work, so repeating it is always safe: past ``max_retries``, 429s go on being retried
    until the call has spent ``rate_limit_max_wait`` seconds. That matters when many worker processes share a
    token: each learns of the spent window only from its own 429s and may lose the race several times.
    """

    max_retries: int = 5
    max_wait: float = 60.0
    base_wait: float = 1.0
    rate_limit_max_wait: float = 300.0

    def should_retry(self, exc: BaseException | None) -> bool:
        return isinstance(exc, SupabaseApiError) and exc.retryable

    def wait_seconds(self, attempt_number: int, exc: BaseException | None) -> float:
        hint = getattr(exc, "retry_after", None)
        if hint is not None:
            # Small jitter so clients sharing a token do not all return at the same instant.
            wait = float(hint) + random.uniform(0.0, min(0.25, 0.1 * float(hint) + 0.01))
        else:
            exp = self.base_wait * (2 ** max(0, attempt_number - 1))
            wait = exp * random.uniform(0.5, 1.0)
        return max(0.0, min(wait, self.max_wait))

    # tenacity callbacks -------------------------------------------------------------------------
    def _retry(self, state: tenacity.RetryCallState) -> bool:
        return state.outcome is not None and state.outcome.failed and self.should_retry(state.outcome.exception())

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        # tenacity asks once per retryable failure; the count of failures lives on the call's own state.
        failures = getattr(state, "_supabase_failures", 0) + 1
        state._supabase_failures = failures  # type: ignore[attr-defined]
        if failures <= self.max_retries:
            return False
        exc = state.outcome.exception() if state.outcome is not None else None
        rate_limited = isinstance(exc, SupabaseApiError) and exc.status_code == 429
        return not (rate_limited and (state.seconds_since_start or 0.0) < self.rate_limit_max_wait)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return self.wait_seconds(state.attempt_number, exc)

    def _log_retry(self, log: logging.Logger | logging.LoggerAdapter):
        total = self.max_retries + 1

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            reason = (exc.retry_reason if isinstance(exc, SupabaseApiError) else "") or str(exc)
            attempt = state.attempt_number + 1
            budget = f"of {total}" if attempt <= total else "within rate_limit_max_wait"
            log.warning("Retrying in %.2fs (attempt %d %s): %s", wait, attempt, budget, reason)

        return before_sleep

    def retrying(self, log: Any) -> tenacity.Retrying:
        return tenacity.Retrying(
            stop=self._stop, wait=self._wait, retry=self._retry, before_sleep=self._log_retry(log), reraise=True
        )
