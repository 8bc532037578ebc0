"""Records the state keeps (projects, secrets, functions, hostnames) and their API and snapshot renderings."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

HOSTNAME_STEPS = (
    "1_not_started",
    "2_initiated",
    "3_challenge_verified",
    "4_origin_setup_completed",
    "5_services_reconfigured",
)


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Secret:
    value: str
    updated_at: str


@dataclass
class Function:
    id: str
    slug: str
    name: str
    version: int
    created_at: int
    updated_at: int
    verify_jwt: bool
    entrypoint_path: str
    import_map_path: str | None
    import_map: bool
    static_patterns: list[str]
    body: str
    # path -> content for multipart deploys; None for functions whose source is the JSON ``body``.
    files: dict[str, bytes] | None
    ezbr_sha256: str

    def view(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "status": "ACTIVE",
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "verify_jwt": self.verify_jwt,
            "import_map": self.import_map,
            "entrypoint_path": self.entrypoint_path,
        }
        if self.import_map_path is not None:
            data["import_map_path"] = self.import_map_path
        data["ezbr_sha256"] = self.ezbr_sha256
        return data

    def snapshot(self) -> dict[str, Any]:
        """Every field, the files (as text) and the body included, for ``Emulator.state_snapshot``."""
        files = None
        if self.files is not None:
            files = {path: content.decode("utf-8", "replace") for path, content in self.files.items()}
        return {
            **self.view(),
            "import_map_path": self.import_map_path,
            "static_patterns": list(self.static_patterns),
            "body": self.body,
            "files": files,
        }

    def source(self) -> bytes:
        """What GET .../body serves: the entrypoint file of a deploy, or the JSON body."""
        if self.files is not None:
            key = find_file(self.files, self.entrypoint_path)
            if key is not None:
                return self.files[key]
        return self.body.encode("utf-8")

    def touch(self) -> None:
        """Bump version and updated_at; the timestamp strictly increases so clients can compare it."""
        self.version += 1
        self.updated_at = max(epoch_ms(), self.updated_at + 1)


def epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Project:
    ref: str
    name: str
    organization_slug: str
    region: str
    created_at: str
    born: float  # time.monotonic() at creation; drives the status progression
    db_pass: str
    final_status: str
    forced_status: str | None = None
    plan: str | None = None
    desired_instance_size: str | None = None
    template_url: str | None = None
    secrets: dict[str, Secret] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    hostname: dict[str, Any] = field(default_factory=dict)
    root_key: str = ""
    network_restrictions: dict[str, Any] = field(default_factory=dict)
    network_bans: list[str] = field(default_factory=list)
    auth_config: dict[str, Any] = field(default_factory=dict)
    postgrest_config: dict[str, Any] = field(default_factory=dict)
    postgres_config: dict[str, Any] = field(default_factory=dict)
    api_keys: list[dict[str, Any]] = field(default_factory=list)
    # Deleted API keys with how they were deleted (``was_compromised``, ``reason``): snapshot only.
    deleted_api_keys: list[dict[str, Any]] = field(default_factory=list)
    # JWT signing keys, each with its private part (snapshot only); see ``emulator.rotation``.
    signing_keys: list[dict[str, Any]] = field(default_factory=list)
    password_changes: int = 0
    # A pause, restore or restart in progress (a ``provisioning.Transition``); it outranks ``final_status``.
    transition: Any = None


def blank_hostname(ref: str) -> dict[str, Any]:
    # Shaped like an initialized one (the spec makes every field required), with empty values.
    return {
        "status": HOSTNAME_STEPS[0],
        "custom_hostname": "",
        "data": {
            "success": True,
            "errors": [],
            "messages": [],
            "result": {
                "id": "",
                "hostname": "",
                "ssl": {"status": "", "validation_records": [], "validation_errors": []},
                "ownership_verification": {"type": "txt", "name": "", "value": ""},
                "custom_origin_server": f"{ref}.supabase.co",
                "verification_errors": [],
                "status": "",
            },
        },
    }


def deep_copy(value: Any) -> Any:
    # The stored documents are plain JSON trees, so a structural copy is enough (and faster than deepcopy).
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


def find_file(files: dict[str, bytes], path: str) -> str | None:
    """The uploaded file key for ``path``, tolerating a leading "./" on either side."""
    if path in files:
        return path
    wanted = path.removeprefix("./")
    for candidate in files:
        if candidate.removeprefix("./") == wanted:
            return candidate
    return None
