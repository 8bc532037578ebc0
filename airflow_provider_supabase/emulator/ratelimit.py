"""Fixed-window request counting per key, producing the ``X-RateLimit-*`` headers the real API sends."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowState:
    limit: int
    count: int
    reset_in: float

    @property
    def limited(self) -> bool:
        return self.count > self.limit

    @property
    def reset_seconds(self) -> int:
        # Whole seconds, never 0: a client told "retry in 0 s" would spin.
        return max(1, math.ceil(self.reset_in))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.count)),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


class FixedWindowLimiter:
    """Counts hits per key in windows opened by the key's first hit. Not thread-safe: callers hold a lock."""

    def __init__(self) -> None:
        self._windows: dict[Hashable, tuple[float, int]] = {}

    def hit(self, key: Hashable, limit: int, window: float, now: float) -> WindowState:
        start, count = self._windows.get(key, (now, 0))
        if now - start >= window:
            start, count = now, 0
        count += 1
        self._windows[key] = (start, count)
        return WindowState(limit, count, start + window - now)

    def clear(self) -> None:
        self._windows.clear()
