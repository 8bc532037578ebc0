"""The process-wide rate-limit gate: callers that share a token wait out a spent window instead of each spending
a request to learn of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from airflow_provider_supabase.hooks.retry import header, server_wait_hint

GateKey = tuple[str, str, str]


class RateLimitGate:
    """Process-wide memory of when each (token, endpoint) may be called again.

    After a 429, or a response that says no requests remain in the window, callers sharing the token in
    this process wait for the window to reset instead of each spending a request to learn it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[GateKey, float] = {}

    def delay(self, key: GateKey) -> float:
        until = self._until.get(key)
        if until is None:
            return 0.0
        remaining = until - time.monotonic()
        if remaining <= 0:
            with self._lock:
                if self._until.get(key) == until:
                    del self._until[key]
            return 0.0
        return remaining

    def reset(self) -> None:
        """Forget every window (tests start each case with a fresh process state)."""
        with self._lock:
            self._until.clear()

    def observe(self, key: GateKey, status: int, headers: Mapping[str, str]) -> None:
        remaining = header(headers, "X-RateLimit-Remaining")
        if status != 429 and remaining not in ("0", 0):
            return
        wait = server_wait_hint(429, headers)
        if wait is None or wait <= 0:
            return
        until = time.monotonic() + wait
        with self._lock:
            if until > self._until.get(key, 0.0):
                self._until[key] = until


RATE_LIMIT_GATE = RateLimitGate()
