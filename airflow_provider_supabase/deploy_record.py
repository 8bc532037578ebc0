"""The deploy record: what this provider last deployed of an Edge Function, kept in an Airflow Variable so that an
unchanged deploy can be skipped from any DAG, worker or executor.

One Variable per project and function, named ``supabase_deploy__<project_ref>__<slug>``, holding JSON::

    {"format": 1, "project_ref": "...", "slug": "...", "source": "files" | "body", "source_digest": "<sha256>",
     "verify_jwt": true, "name": null, "entrypoint_path": "index.ts", "import_map_path": null,
     "version": 3, "updated_at": 1764633600000, "deployed_by": "<dag_id>.<task_id> <run_id>", "recorded_at": "..."}

``version`` and ``updated_at`` are the API's own values for the version this provider deployed. A record is only a
statement about that version: once anyone else deploys (CLI, dashboard, another tool), the live version differs
and the record no longer allows a skip. Deleting the Variable makes the next run deploy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

RECORD_FORMAT = 1
KEY_PREFIX = "supabase_deploy"


class _Log(Protocol):
    """The operator's logger (a stdlib logger on older Airflow, a structlog one on newer)."""

    def warning(self, event: Any, /, *args: Any, **kwargs: Any) -> Any: ...


def record_key(project_ref: str, slug: str) -> str:
    """The Variable holding the record of ``slug`` in ``project_ref``. Refs are 20 lowercase letters, so the key
    splits back unambiguously even when the slug itself contains ``__``."""
    return f"{KEY_PREFIX}__{project_ref}__{slug}"


@dataclass(frozen=True)
class DeploySource:
    """What a deploy sends, reduced to what decides the function it produces."""

    source: str  # "files" (multipart deploy) or "body" (JSON create/update)
    source_digest: str
    verify_jwt: bool
    # The name as given to the operator: None leaves the deployed name alone, so it is not part of what we set.
    name: str | None
    entrypoint_path: str | None
    import_map_path: str | None


@dataclass(frozen=True)
class DeployRecord:
    project_ref: str
    slug: str
    deployed: DeploySource
    version: int
    updated_at: int | str
    deployed_by: str = ""
    recorded_at: str = ""

    def to_json(self) -> str:
        data: dict[str, Any] = {"format": RECORD_FORMAT, "project_ref": self.project_ref, "slug": self.slug}
        data.update(asdict(self.deployed))
        data.update(
            version=self.version,
            updated_at=self.updated_at,
            deployed_by=self.deployed_by,
            recorded_at=self.recorded_at,
        )
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> DeployRecord:
        """Parse a record; raises ``ValueError`` on anything that is not a record this version wrote."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
            raise ValueError(f"not a format-{RECORD_FORMAT} deploy record")
        try:
            deployed = DeploySource(**{k: data[k] for k in DeploySource.__dataclass_fields__})
            record = cls(
                project_ref=data["project_ref"],
                slug=data["slug"],
                deployed=deployed,
                version=data["version"],
                updated_at=data["updated_at"],
                deployed_by=str(data.get("deployed_by", "")),
                recorded_at=str(data.get("recorded_at", "")),
            )
        except KeyError as err:
            raise ValueError(f"missing field {err.args[0]!r}") from None
        if not isinstance(record.version, int) or record.updated_at is None:
            raise ValueError("version or updated_at missing")
        return record

    def why_not_live(self, source: DeploySource, live: Mapping[str, Any]) -> str | None:
        """None when ``live`` is still exactly what this record deployed from ``source``; otherwise the reason."""
        if source != self.deployed:
            changed = [k for k, v in asdict(source).items() if asdict(self.deployed)[k] != v]
            return f"changed since the recorded deploy: {', '.join(changed)}"
        if live.get("version") != self.version or live.get("updated_at") != self.updated_at:
            return (
                f"the live function is version {live.get('version')} (updated_at {live.get('updated_at')}), not the "
                f"recorded version {self.version} (updated_at {self.updated_at}): deployed by someone else since"
            )
        if "verify_jwt" in live and bool(live["verify_jwt"]) != source.verify_jwt:
            return "the live function's verify_jwt differs"
        if source.name is not None and live.get("name") != source.name:
            return "the live function's name differs"
        return None


def read_record(project_ref: str, slug: str, log: _Log) -> DeployRecord | None:
    """The stored record, or None when there is none or it cannot be read (which only costs a deploy)."""
    from airflow_provider_supabase.compat import Variable

    key = record_key(project_ref, slug)
    try:
        text = Variable.get(key, default=None)
    except Exception as err:
        log.warning("Could not read the deploy record (Variable %s), so deploying: %s", key, err)
        return None
    if text is None:
        return None
    try:
        record = DeployRecord.from_json(text if isinstance(text, str) else json.dumps(text))
    except ValueError as err:
        log.warning("Ignoring the Variable %s, which is not a deploy record (%s); deploying", key, err)
        return None
    if (record.project_ref, record.slug) != (project_ref, slug):
        # Case-insensitive key stores (MySQL collations) could hand back the record of a slug differing in case.
        log.warning("The Variable %s records %s/%s; deploying", key, record.project_ref, record.slug)
        return None
    return record


def write_record(record: DeployRecord, log: _Log) -> bool:
    """Store ``record``; a failure is logged, never raised: the deploy it describes has already succeeded, and a
    missing or older record can only make a later run deploy again, never skip wrongly."""
    from airflow_provider_supabase.compat import Variable

    key = record_key(record.project_ref, record.slug)
    description = (
        f"What airflow-provider-supabase last deployed of Edge Function {record.slug} in project "
        f"{record.project_ref}. Delete it to make the next deploy run deploy."
    )
    try:
        Variable.set(key, record.to_json(), description=description)
    except Exception as err:
        log.warning("Deployed, but could not store the deploy record (Variable %s): %s", key, err)
        return False
    return True


def delete_record(project_ref: str, slug: str, log: _Log) -> None:
    from airflow_provider_supabase.compat import Variable

    key = record_key(project_ref, slug)
    try:
        if Variable.get(key, default=None) is not None:
            Variable.delete(key)
    except Exception as err:
        log.warning("Could not delete the deploy record (Variable %s): %s", key, err)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
