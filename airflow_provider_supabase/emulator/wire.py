"""Transport-neutral request and response values passed between the HTTP layer, the gateway and the state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A client-visible error: becomes ``{"message": ...}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Call:
    """One API request as the business rules see it: route parameters, query, and the (parsed) body."""

    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    json: Any = None
    # Set when a body was meant to be JSON but did not parse; handlers that need JSON report it.
    json_error: str | None = None
    client_ip: str = "127.0.0.1"
    idempotency_key: str | None = None

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type or (not self.content_type and self.json is not None)


@dataclass
class Reply:
    """A complete response; ``body`` is already encoded so it can be written outside the state lock."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def encode_json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(status, encode_json(payload), "application/json")


def empty_reply(status: int) -> Reply:
    return Reply(status)


def error_reply(status: int, message: str) -> Reply:
    return json_reply(status, {"message": message})


def text_reply(status: int, text: str, content_type: str) -> Reply:
    return Reply(status, text.encode("utf-8"), content_type)
