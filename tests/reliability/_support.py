"""Shared pieces of the reliability suite: the state normaliser, waiting for in-flight requests, the canary
search and the figures each test records for ``python -m tests.reliability.report``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from typing import Any

# Fields whose values legitimately differ between two runs of the same call: server clocks and identifiers.
_VOLATILE_KEYS = frozenset(
    {"created_at", "updated_at", "applied_at", "inserted_at", "deletion_scheduled_at", "review_requested_at"}
)
# Values the emulator draws at random (seeded passwords, generated root keys, DNS challenge tokens, API keys and
# their digests and prefixes, the PostgREST JWT secret). A value the test itself chose (``chosen``) is kept, so
# "the PUT stored my key" is still compared.
# The parts of generated signing keys' JWKs (x, y, n; d and k of the private part) are drawn at random too.
_RANDOM_KEYS = frozenset(
    {"db_pass", "root_key", "txt_value", "api_key", "hash", "prefix", "jwt_secret", "x", "y", "n", "d", "k"}
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# A branch's action (workflow) run id, drawn at random by the emulator.
_RUN_ID = re.compile(r"^run_[0-9a-f]{24}$")


def normalise(snapshot: dict[str, Any], chosen: Iterable[str] = ()) -> dict[str, Any]:
    """``Emulator.state_snapshot()`` with run-specific values replaced, so two runs of the same call compare equal.

    Organizations and projects get stable labels from their names (``<project web #1>``; a second resource of the
    same name is ``#2``, so duplicates still show). Timestamps and the previous network configuration are
    dropped: a repeated apply legitimately records the new configuration as the old one. A function's
    ``version`` is dropped too, because a repeated deploy or PATCH of the same source publishes one more version
    of identical content; no duplicate resource results (the fault matrix bounds the extra versions itself).
    """
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for kind, table in (("org", snapshot["organizations"]), ("project", snapshot["projects"])):
        for ident, item in table.items():
            key = f"{kind} {item['name']}"
            seen[key] = seen.get(key, 0) + 1
            labels[ident] = f"<{key} #{seen[key]}>"
    keep = frozenset(chosen)
    pattern = re.compile("|".join(map(re.escape, sorted(labels, key=len, reverse=True)))) if labels else None

    def text(value: str) -> str:
        if _UUID.match(value):
            return "<uuid>"
        if _RUN_ID.match(value):
            return "<run id>"
        return pattern.sub(lambda m: labels[m.group(0)], value) if pattern else value

    def walk(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {text(k): walk(v, k) for k, v in value.items() if k not in _VOLATILE_KEYS and k != "old_config"}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str):
            if key in _RANDOM_KEYS and value not in keep:
                return "<random>"
            return text(value)
        return value

    result = walk(snapshot)
    for functions in result["functions"].values():
        for function in functions.values():
            function.pop("version", None)
    # Likewise a repeated password PATCH sets the same password once more: the count of changes is dropped.
    for project in result["projects"].values():
        project.pop("password_changes", None)
    return result


def names(snapshot: dict[str, Any], table: str) -> list[str]:
    """Names (slugs for functions) of every resource of a kind, duplicates included."""
    if table == "functions":
        return sorted(slug for functions in snapshot["functions"].values() for slug in functions)
    if table in ("api_keys", "signing_keys"):
        # Signing keys have no name: their algorithm and status tell a duplicate apart.
        return sorted(
            str(key.get("name") or f"{key['algorithm']} {key['status']}")
            for project in snapshot["projects"].values()
            for key in project[table]
        )
    return sorted(item["name"] for item in snapshot[table].values())


def wait_for_in_flight(emulator, timeout: float = 5.0) -> None:
    """Block until every request the emulator received has been answered: a request the client gave up on
    (timeout) is still running on the server, and the state is only final once it has applied. Only for runs
    without dropped connections, whose requests keep no status forever."""
    deadline = time.monotonic() + timeout
    while any(r.status is None for r in emulator.requests):
        assert time.monotonic() < deadline, "a request is still unanswered after 5 s"
        time.sleep(0.02)


def canary_hits(canaries: Iterable[str], places: dict[str, Any]) -> list[tuple[str, str]]:
    """``(place, canary)`` for every canary found in the text of any place (strings as they are, anything else
    as JSON or, failing that, ``repr``)."""
    hits = []
    for place, value in places.items():
        if isinstance(value, str):
            rendered = value
        else:
            try:
                rendered = json.dumps(value, default=repr)
            except (TypeError, ValueError):
                rendered = repr(value)
        for canary in canaries:
            if canary and canary in rendered:
                hits.append((place, canary[:6] + "..."))
    return hits


def record(request, **figures: Any) -> None:
    """Attach figures to the test's report (``user_properties``); the report script sums them per section."""
    for name, value in figures.items():
        request.node.user_properties.append((name, value))
