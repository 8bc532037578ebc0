"""The emulated Auth, PostgREST and Postgres config, API keys, and a project's delete, pause and restore.

A mixin of ``State`` (same lock, same handler signature). Pause, restore and a restarting Postgres change change
the project's status over ``project_ready_seconds``, like a new project; ``plan_pause`` / ``plan_restore`` make
one end badly (``PAUSE_FAILED``, ``RESTORE_FAILED``, or a restore that falls back to ``INACTIVE``).
"""

from __future__ import annotations

import base64
import json
import secrets as secrets_module
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.config_rules import POSTGRES_RESTART_SETTINGS, is_secret_field, secret_digest
from airflow_provider_supabase.emulator import config_schemas
from airflow_provider_supabase.emulator.model import deep_copy, utc_now_iso
from airflow_provider_supabase.emulator.wire import ApiError, Call, Reply, json_reply

if TYPE_CHECKING:
    from airflow_provider_supabase.emulator.model import Project

# CreateApiKeyBody
CREATE_API_KEY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["publishable", "secret"]},
        "name": {"type": "string", "minLength": 4, "maxLength": 64, "pattern": "^[a-z_][a-z0-9_]+$"},
        "description": {"type": ["string", "null"]},
        "secret_jwt_template": {"type": ["object", "null"]},
    },
    "required": ["type", "name"],
}
PAUSE_OUTCOMES = ("INACTIVE", "PAUSE_FAILED")
RESTORE_OUTCOMES = ("ACTIVE_HEALTHY", "RESTORE_FAILED", "INACTIVE")
_PAUSABLE = ("ACTIVE_HEALTHY", "ACTIVE_UNHEALTHY")
# The bullets the API shows in place of a secret key's value when it is not revealed.
_HIDDEN = "•" * 16


@dataclass(frozen=True)
class Transition:
    """A status change in progress: ``steps`` share the first ``project_ready_seconds``, then ``final`` sticks."""

    started: float
    steps: tuple[str, ...]
    final: str

    def status(self, ready_seconds: float) -> str:
        elapsed = time.monotonic() - self.started
        if ready_seconds <= 0 or elapsed >= ready_seconds:
            return self.final
        return self.steps[min(len(self.steps) - 1, int(elapsed / ready_seconds * len(self.steps)))]


def _reveal(call: Call) -> bool:
    values = call.query.get("reveal", [])
    if any(v.strip().lower() not in ("true", "1", "false", "0") for v in values):
        raise ApiError(400, "Invalid query parameter reveal: expected true or false")
    return bool(values) and values[-1].strip().lower() in ("true", "1")


def new_auth_config(ref: str) -> dict[str, Any]:
    return {
        **config_schemas.AUTH_CONFIG_DEFAULTS,
        "site_url": "http://localhost:3000",
        "disable_signup": False,
        "jwt_exp": 3600,
        "mailer_autoconfirm": False,
        "mailer_otp_exp": 3600,
        "password_min_length": 6,
        "rate_limit_email_sent": 2,
        "external_email_enabled": True,
        "external_phone_enabled": False,
        "smtp_admin_email": f"noreply@{ref}.supabase.co",
    }


def new_postgrest_config() -> dict[str, Any]:
    return {
        "db_schema": "public,graphql_public",
        "max_rows": 1000,
        "db_extra_search_path": "public,extensions",
        "db_pool": None,
        "jwt_secret": secrets_module.token_urlsafe(32),
    }


def _jwt(ref: str, role: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = {"iss": "supabase", "ref": ref, "role": role, "iat": int(time.time()), "exp": 2000000000}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.{secrets_module.token_urlsafe(32)}"


def new_api_keys(ref: str) -> list[dict[str, Any]]:
    now = utc_now_iso()

    def key(name: str, kind: str, value: str, prefix: str | None, description: str) -> dict[str, Any]:
        return {
            "api_key": value,
            "id": str(uuid.uuid4()) if kind != "legacy" else name,
            "type": kind,
            "prefix": prefix,
            "name": name,
            "description": description,
            "hash": secret_digest(value) if kind != "legacy" else None,
            "secret_jwt_template": {"role": "service_role"} if kind == "secret" else None,
            "inserted_at": now,
            "updated_at": now,
        }

    publishable = f"sb_publishable_{secrets_module.token_urlsafe(22)}"
    secret = f"sb_secret_{secrets_module.token_urlsafe(22)}"
    return [
        key("anon", "legacy", _jwt(ref, "anon"), None, "Legacy anon API key"),
        key("service_role", "legacy", _jwt(ref, "service_role"), None, "Legacy service_role API key"),
        key("default", "publishable", publishable, publishable[:19], "Default publishable key"),
        key("default", "secret", secret, secret[:14], "Default secret key"),
    ]


def auth_view(config: dict[str, Any]) -> dict[str, Any]:
    # The API never answers a secret setting in clear: its digest, or null when it is not set.
    return {
        name: (secret_digest(value) if isinstance(value, str) and value else None) if is_secret_field(name) else value
        for name, value in config.items()
    }


class ProvisioningHandlers:
    """Handlers and test controls mixed into ``State``."""

    projects: dict[str, Project]
    project_ready_seconds: float
    pause_plans: dict[str, str]
    restore_plans: dict[str, str]
    deleted: list[str]

    if TYPE_CHECKING:  # provided by State

        def _project(self, call: Call) -> Project: ...

        def project_status(self, project: Project) -> str: ...

        def drop_branches_of(self, ref: str) -> None: ...

        @classmethod
        def _json(cls, call: Call, schema: dict[str, Any]) -> Any: ...

    # -------------------------------------------------------------- config

    def get_auth_config(self, call: Call) -> Reply:
        return json_reply(200, auth_view(self._project(call).auth_config))

    def update_auth_config(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, config_schemas.UPDATE_AUTH_CONFIG)
        # The spec does not forbid other keys; like the API, only the settings it knows are kept.
        project.auth_config.update({k: v for k, v in body.items() if k in config_schemas.AUTH_CONFIG_DEFAULTS})
        return json_reply(200, auth_view(project.auth_config))

    def get_postgrest_config(self, call: Call) -> Reply:
        return json_reply(200, dict(self._project(call).postgrest_config))

    def update_postgrest_config(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, config_schemas.UPDATE_POSTGREST_CONFIG)
        known = config_schemas.UPDATE_POSTGREST_CONFIG["properties"]
        project.postgrest_config.update({k: v for k, v in body.items() if k in known})
        return json_reply(200, {k: v for k, v in project.postgrest_config.items() if k != "jwt_secret"})

    def get_postgres_config(self, call: Call) -> Reply:
        return json_reply(200, dict(self._project(call).postgres_config))

    def update_postgres_config(self, call: Call) -> Reply:
        project = self._project(call)
        body = dict(self._json(call, config_schemas.UPDATE_POSTGRES_CONFIG))
        restart = body.pop("restart_database", None)
        changed = {k for k, v in body.items() if project.postgres_config.get(k) != v}
        project.postgres_config.update(body)
        if restart or (restart is None and changed & POSTGRES_RESTART_SETTINGS):
            project.forced_status = None
            project.transition = Transition(time.monotonic(), ("RESTARTING",), "ACTIVE_HEALTHY")
        return json_reply(200, dict(project.postgres_config))

    # ------------------------------------------------------------- API keys

    def list_api_keys(self, call: Call) -> Reply:
        project = self._project(call)
        reveal = _reveal(call)
        keys = []
        for key in project.api_keys:
            view = dict(key)
            if key["type"] == "secret" and not reveal:
                view["api_key"] = f"{key['prefix']}{_HIDDEN}"
            keys.append(view)
        return json_reply(200, keys)

    def create_api_key(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, CREATE_API_KEY)
        value = f"sb_{body['type']}_{secrets_module.token_urlsafe(22)}"
        now = utc_now_iso()
        key = {
            "api_key": value,
            "id": str(uuid.uuid4()),
            "type": body["type"],
            "prefix": value[: len(f"sb_{body['type']}_") + 4],
            "name": body["name"],
            "description": body.get("description"),
            "hash": secret_digest(value),
            "secret_jwt_template": body.get("secret_jwt_template"),
            "inserted_at": now,
            "updated_at": now,
        }
        project.api_keys.append(key)
        reveal = _reveal(call)
        shown = key if reveal or key["type"] != "secret" else {**key, "api_key": f"{key['prefix']}{_HIDDEN}"}
        return json_reply(201, shown)

    # ------------------------------------------------------------ lifecycle

    def delete_project(self, call: Call) -> Reply:
        project = self._project(call)
        del self.projects[project.ref]
        # The gateway drops the project's database once the lock is released.
        self.deleted.append(project.ref)
        # A parent project takes its preview branches (and their projects) with it.
        self.drop_branches_of(project.ref)
        number = int(secret_digest(project.ref)[:8], 16)
        return json_reply(200, {"id": number, "ref": project.ref, "name": project.name})

    def pause_project(self, call: Call) -> Reply:
        project = self._project(call)
        status = self.project_status(project)
        if status not in _PAUSABLE:
            raise ApiError(400, f"Project cannot be paused while it is {status}")
        project.forced_status = None
        final = self.pause_plans.get(project.ref, "INACTIVE")
        project.transition = Transition(time.monotonic(), ("PAUSING",), final)
        return json_reply(200, {})

    def restore_project(self, call: Call) -> Reply:
        project = self._project(call)
        status = self.project_status(project)
        if status != "INACTIVE":
            raise ApiError(400, f"Project cannot be restored while it is {status}; only a paused project can")
        project.forced_status = None
        final = self.restore_plans.get(project.ref, "ACTIVE_HEALTHY")
        steps = ("RESTORING", "COMING_UP") if final == "ACTIVE_HEALTHY" else ("RESTORING",)
        project.transition = Transition(time.monotonic(), steps, final)
        return json_reply(200, {})

    # ------------------------------------------------------- test controls

    def plan_pause(self, ref: str, final_status: str = "PAUSE_FAILED") -> None:
        self._plan(self.pause_plans, ref, final_status, PAUSE_OUTCOMES)

    def plan_restore(self, ref: str, final_status: str = "RESTORE_FAILED") -> None:
        self._plan(self.restore_plans, ref, final_status, RESTORE_OUTCOMES)

    def _plan(self, plans: dict[str, str], ref: str, final_status: str, allowed: tuple[str, ...]) -> None:
        if ref not in self.projects:
            raise KeyError(f"Project {ref} not found")
        if final_status not in allowed:
            raise ValueError(f"Unknown outcome {final_status!r}; expected one of {', '.join(allowed)}")
        plans[ref] = final_status

    def take_deleted(self) -> list[str]:
        """The refs deleted since the last call, whose databases the gateway must drop."""
        deleted, self.deleted = self.deleted, []
        return deleted

    @staticmethod
    def provisioning_snapshot(project: Project) -> dict[str, Any]:
        return {
            "auth_config": deep_copy(project.auth_config),
            "postgrest_config": deep_copy(project.postgrest_config),
            "postgres_config": deep_copy(project.postgres_config),
            "api_keys": deep_copy(project.api_keys),
        }
