"""Fault injection rules and the request log record: the test-facing value types of the emulator."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS: frozenset[str] = frozenset({"status", "drop", "drop_after", "delay", "malformed"})


@dataclass
class Fault:
    """Misbehave on the next ``times`` requests matching ``method`` and ``path``.

    ``path`` is a route template (``/v1/projects/{ref}/secrets``), a concrete path, or ``"*"``;
    ``method`` is an HTTP method or ``"*"``.  Kinds:

    * ``status``: answer ``status`` with ``{"message": message}`` (and ``Retry-After: retry_after`` if set);
      the state is untouched.
    * ``drop``: close the connection without answering, before touching the state.
    * ``drop_after``: apply the request, then close the connection without answering.
    * ``delay``: sleep ``delay`` seconds, then handle the request normally.
    * ``malformed``: answer 200 with a JSON content type and a body that is not JSON; the state is untouched.
    """

    method: str
    path: str
    kind: str
    times: int = 1
    status: int = 503
    delay: float = 0.0
    retry_after: str | None = None
    message: str | None = None
    # How many more requests this fault applies to; managed by the emulator.
    remaining: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if self.times < 1:
            raise ValueError(f"Fault times must be at least 1, got {self.times}")
        if not 100 <= self.status <= 599:
            raise ValueError(f"Fault status must be an HTTP status code, got {self.status}")
        if self.delay < 0:
            raise ValueError(f"Fault delay must not be negative, got {self.delay}")
        if self.retry_after is not None:
            self.retry_after = str(self.retry_after)
        if not self.path.startswith("/") and self.path != "*":
            raise ValueError(f"Fault path must start with '/' or be '*', got {self.path!r}")
        self.remaining = self.times

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.method not in ("*", method):
            return False
        return self.path in ("*", path) or (template is not None and self.path == template)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RequestRecord:
    """One API request as received; ``status`` is None while in flight and for dropped connections."""

    method: str
    path: str
    template: str | None
    query: dict[str, list[str]]
    status: int | None
    json: Any
    token: str | None
    time: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
