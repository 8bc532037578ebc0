"""The emulated credentials that rotate: one API key (read, rename, delete), JWT signing keys and the database
password.

A mixin of ``State`` (same lock, same handler signature). Signing keys follow the platform's rules: a new key is
``standby`` (or ``in_use`` at once); only a ``standby`` key is promoted to ``in_use``, which moves the key in use to
``previously_used``; ``previously_used`` and ``revoked`` move between each other; only a ``revoked`` key is
deleted; the legacy JWT secret is imported once as an ``HS256`` key. Tests age keys with ``age_api_key`` and
``age_signing_key`` instead of waiting.
"""

from __future__ import annotations

import base64
import re
import secrets as secrets_module
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.emulator.model import deep_copy, utc_now_iso
from airflow_provider_supabase.emulator.wire import ApiError, Call, Reply, json_reply

if TYPE_CHECKING:
    from airflow_provider_supabase.emulator.model import Project

ALGORITHMS = ["EdDSA", "ES256", "RS256", "HS256"]
STATUSES = ["in_use", "previously_used", "revoked", "standby"]


def _private_jwk_schema(kty: str, alg: str, fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """One variant of CreateSigningKeyBody.private_jwk (the spec's ``oneOf``, told apart by ``kty``)."""
    common: dict[str, Any] = {
        "kid": {"type": "string", "format": "uuid"},
        "use": {"type": "string", "enum": ["sig"]},
        "key_ops": {
            "type": "array",
            "items": {"type": "string", "enum": ["sign", "verify"]},
            "minItems": 2,
            "maxItems": 2,
        },
        "ext": {"type": "boolean", "enum": [True]},
        "kty": {"type": "string", "enum": [kty]},
        "alg": {"type": "string", "enum": [alg]},
    }
    return {
        "type": "object",
        "properties": {**common, **fields},
        "required": ["kty", *required],
        "additionalProperties": False,
    }


_TEXT: dict[str, Any] = {"type": "string"}
# CreateSigningKeyBody
CREATE_SIGNING_KEY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "algorithm": {"type": "string", "enum": ALGORITHMS},
        "status": {"type": "string", "enum": ["in_use", "standby"]},
        "private_jwk": {
            "oneOf": [
                _private_jwk_schema(
                    "RSA",
                    "RS256",
                    {
                        "n": _TEXT,
                        "e": {"type": "string", "enum": ["AQAB"]},
                        **dict.fromkeys(("d", "p", "q", "dp", "dq", "qi"), _TEXT),
                    },
                    ["n", "e", "d", "p", "q", "dp", "dq", "qi"],
                ),
                _private_jwk_schema(
                    "EC",
                    "ES256",
                    {"crv": {"type": "string", "enum": ["P-256"]}, "x": _TEXT, "y": _TEXT, "d": _TEXT},
                    ["crv", "x", "y", "d"],
                ),
                _private_jwk_schema(
                    "OKP",
                    "EdDSA",
                    {"crv": {"type": "string", "enum": ["Ed25519"]}, "x": _TEXT, "d": _TEXT},
                    ["crv", "x", "d"],
                ),
                _private_jwk_schema("oct", "HS256", {"k": {"type": "string", "minLength": 16}}, ["k"]),
            ]
        },
    },
    "required": ["algorithm"],
    "additionalProperties": False,
}

# UpdateSigningKeyBody
UPDATE_SIGNING_KEY: dict[str, Any] = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": STATUSES}},
    "required": ["status"],
    "additionalProperties": False,
}
# UpdateApiKeyBody
UPDATE_API_KEY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 4, "maxLength": 64, "pattern": "^[a-z_][a-z0-9_]+$"},
        "description": {"type": ["string", "null"]},
        "secret_jwt_template": {"type": ["object", "null"]},
    },
}
# V1UpdatePasswordBody
UPDATE_PASSWORD: dict[str, Any] = {
    "type": "object",
    "properties": {"password": {"type": "string", "minLength": 4}},
    "required": ["password"],
}
# The moves a PATCH may make; a promotion to in_use also demotes the key in use.
_MOVES = frozenset({("standby", "in_use"), ("previously_used", "revoked"), ("revoked", "previously_used")})
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HIDDEN = "•" * 16
# Like the platform, a password that is short or made of few different characters is refused as too weak.
WEAK_PASSWORD_LENGTH = 12
WEAK_PASSWORD_DISTINCT = 6


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public_jwk(kid: str, algorithm: str) -> dict[str, Any] | None:
    if algorithm == "HS256":
        return None  # a shared secret has no public part
    if algorithm == "ES256":
        return {
            "kid": kid,
            "alg": "ES256",
            "kty": "EC",
            "crv": "P-256",
            "x": _b64(secrets_module.token_bytes(32)),
            "y": _b64(secrets_module.token_bytes(32)),
            "use": "sig",
            "key_ops": ["verify"],
            "ext": True,
        }
    if algorithm == "EdDSA":
        return {
            "kid": kid,
            "alg": "EdDSA",
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64(secrets_module.token_bytes(32)),
            "use": "sig",
            "key_ops": ["verify"],
            "ext": True,
        }
    return {
        "kid": kid,
        "alg": "RS256",
        "kty": "RSA",
        "n": _b64(secrets_module.token_bytes(256)),
        "e": "AQAB",
        "use": "sig",
        "key_ops": ["verify"],
        "ext": True,
    }


def _private_jwk(kid: str, algorithm: str) -> dict[str, Any]:
    if algorithm == "HS256":
        return {"kid": kid, "kty": "oct", "k": _b64(secrets_module.token_bytes(32))}
    return {
        **(_public_jwk(kid, algorithm) or {}),
        "d": _b64(secrets_module.token_bytes(32)),
        "key_ops": ["sign", "verify"],
    }


def _signing_view(key: dict[str, Any]) -> dict[str, Any]:
    return {k: key[k] for k in ("id", "algorithm", "status", "public_jwk", "created_at", "updated_at")}


def _api_key_view(key: dict[str, Any], reveal: bool) -> dict[str, Any]:
    if key["type"] == "secret" and not reveal:
        return {**key, "api_key": f"{key['prefix']}{_HIDDEN}"}
    return dict(key)


def _flag(call: Call, name: str) -> bool:
    values = call.query.get(name, [])
    if any(v.strip().lower() not in ("true", "1", "false", "0") for v in values):
        raise ApiError(400, f"Invalid query parameter {name}: expected true or false")
    return bool(values) and values[-1].strip().lower() in ("true", "1")


def _key_id(call: Call) -> str:
    key_id = call.params["id"]
    if not _UUID.fullmatch(key_id):
        raise ApiError(400, f"Invalid key id {key_id!r}: expected a UUID")
    return key_id.lower()


def _earlier(stamp: str, seconds: float) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(seconds=seconds)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RotationHandlers:
    """Handlers and test controls mixed into ``State``."""

    projects: dict[str, Project]

    if TYPE_CHECKING:  # provided by State

        def _project(self, call: Call) -> Project: ...

        @classmethod
        def _json(cls, call: Call, schema: dict[str, Any]) -> Any: ...

    # ------------------------------------------------------------- one API key

    @staticmethod
    def _api_key(project: Project, call: Call) -> dict[str, Any]:
        key_id = _key_id(call)
        for key in project.api_keys:
            if key["type"] != "legacy" and str(key["id"]).lower() == key_id:
                return key
        raise ApiError(404, "API key not found")

    def get_api_key(self, call: Call) -> Reply:
        project = self._project(call)
        return json_reply(200, _api_key_view(self._api_key(project, call), _flag(call, "reveal")))

    def update_api_key(self, call: Call) -> Reply:
        project = self._project(call)
        key = self._api_key(project, call)
        body = self._json(call, UPDATE_API_KEY)
        key.update({k: v for k, v in body.items() if k in UPDATE_API_KEY["properties"]})
        key["updated_at"] = utc_now_iso()
        return json_reply(200, _api_key_view(key, _flag(call, "reveal")))

    def delete_api_key(self, call: Call) -> Reply:
        project = self._project(call)
        key = self._api_key(project, call)
        reveal, compromised = _flag(call, "reveal"), _flag(call, "was_compromised")
        project.api_keys.remove(key)
        project.deleted_api_keys.append(
            {"id": key["id"], "name": key["name"], "was_compromised": compromised, "reason": call.query_value("reason")}
        )
        return json_reply(200, _api_key_view(key, reveal))

    # -------------------------------------------------------- JWT signing keys

    @staticmethod
    def _signing_key(project: Project, call: Call) -> dict[str, Any]:
        key_id = _key_id(call)
        for key in project.signing_keys:
            if key["id"] == key_id:
                return key
        raise ApiError(404, "Signing key not found")

    @staticmethod
    def _new_signing_key(
        project: Project, algorithm: str, status: str, private: dict[str, Any] | None, *, legacy: bool = False
    ) -> dict[str, Any]:
        kid, now = str(uuid.uuid4()), utc_now_iso()
        if status == "in_use":
            for other in project.signing_keys:
                if other["status"] == "in_use":
                    other["status"], other["updated_at"] = "previously_used", now
        key = {
            "id": kid,
            "algorithm": algorithm,
            "status": status,
            "public_jwk": _public_jwk(kid, algorithm),
            "created_at": now,
            "updated_at": now,
            "private_jwk": private if private is not None else _private_jwk(kid, algorithm),
            "legacy": legacy,
        }
        project.signing_keys.append(key)
        return key

    def list_signing_keys(self, call: Call) -> Reply:
        project = self._project(call)
        return json_reply(200, {"keys": [_signing_view(k) for k in project.signing_keys]})

    def get_signing_key(self, call: Call) -> Reply:
        project = self._project(call)
        return json_reply(200, _signing_view(self._signing_key(project, call)))

    def create_signing_key(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, CREATE_SIGNING_KEY)
        status = body.get("status", "standby")
        if status == "standby" and any(k["status"] == "standby" for k in project.signing_keys):
            raise ApiError(400, "A standby signing key already exists: promote or revoke it first")
        private = body.get("private_jwk")
        if private is not None and "kid" in private and not _UUID.fullmatch(str(private["kid"])):
            raise ApiError(400, "Invalid request body: $.private_jwk.kid: must be a UUID")
        if private is not None:
            expected = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP", "HS256": "oct"}[body["algorithm"]]
            if private["kty"] != expected:
                raise ApiError(
                    400, f"Invalid private_jwk: algorithm {body['algorithm']} needs a key of type {expected}"
                )
        key = self._new_signing_key(project, body["algorithm"], status, private)
        return json_reply(201, _signing_view(key))

    def update_signing_key(self, call: Call) -> Reply:
        project = self._project(call)
        key = self._signing_key(project, call)
        status = self._json(call, UPDATE_SIGNING_KEY)["status"]
        if status != key["status"]:  # the same status again is a no-op, as a repeated PATCH must be
            if (key["status"], status) not in _MOVES:
                raise ApiError(400, f"A signing key cannot move from {key['status']} to {status}")
            now = utc_now_iso()
            if status == "in_use":
                for other in project.signing_keys:
                    if other["status"] == "in_use":
                        other["status"], other["updated_at"] = "previously_used", now
            key["status"], key["updated_at"] = status, now
        return json_reply(200, _signing_view(key))

    def delete_signing_key(self, call: Call) -> Reply:
        project = self._project(call)
        key = self._signing_key(project, call)
        if key["status"] != "revoked":
            raise ApiError(400, f"Only revoked signing keys can be deleted; this one is {key['status']}")
        project.signing_keys.remove(key)
        return json_reply(200, _signing_view(key))

    def get_legacy_signing_key(self, call: Call) -> Reply:
        project = self._project(call)
        for key in project.signing_keys:
            if key["legacy"]:
                return json_reply(200, _signing_view(key))
        raise ApiError(404, "Legacy signing key not found: the legacy JWT secret has not been imported")

    def create_legacy_signing_key(self, call: Call) -> Reply:
        project = self._project(call)
        if any(k["legacy"] for k in project.signing_keys):
            raise ApiError(400, "The legacy JWT secret is already imported as a signing key")
        status = "previously_used" if any(k["status"] == "in_use" for k in project.signing_keys) else "in_use"
        secret = {"kty": "oct", "k": _b64(str(project.postgrest_config.get("jwt_secret", "")).encode())}
        key = self._new_signing_key(project, "HS256", status, secret, legacy=True)
        return json_reply(201, _signing_view(key))

    # ------------------------------------------------------- database password

    def update_database_password(self, call: Call) -> Reply:
        project = self._project(call)
        password = self._json(call, UPDATE_PASSWORD)["password"]
        if len(password) < WEAK_PASSWORD_LENGTH or len(set(password)) < WEAK_PASSWORD_DISTINCT:
            raise ApiError(400, "Password is too weak: use a longer password with more varied characters")
        project.db_pass = password
        project.password_changes += 1
        return json_reply(200, {"message": "Database password updated"})

    # ------------------------------------------------------- test controls

    def _owned(self, ref: str, table: str, key_id: str) -> dict[str, Any]:
        project = self.projects.get(ref)
        if project is None:
            raise KeyError(f"Project {ref} not found")
        for key in getattr(project, table):
            if str(key["id"]).lower() == key_id.lower():
                return key
        raise KeyError(f"Key {key_id} not found in project {ref}")

    def _aged(self, ref: str, table: str, key_id: str, seconds: float, fields: tuple[str, ...]) -> dict[str, Any]:
        key = self._owned(ref, table, key_id)
        for field in fields:
            key[field] = _earlier(key[field], seconds)
        return key

    def age_api_key(self, ref: str, key_id: str, seconds: float) -> dict[str, Any]:
        """Move an API key's ``inserted_at`` and ``updated_at`` ``seconds`` into the past."""
        return dict(self._aged(ref, "api_keys", key_id, seconds, ("inserted_at", "updated_at")))

    def age_signing_key(self, ref: str, key_id: str, seconds: float) -> dict[str, Any]:
        """Move a signing key's ``created_at`` and ``updated_at`` ``seconds`` into the past."""
        return _signing_view(self._aged(ref, "signing_keys", key_id, seconds, ("created_at", "updated_at")))

    @staticmethod
    def rotation_snapshot(project: Project) -> dict[str, Any]:
        return {
            "signing_keys": deep_copy(project.signing_keys),
            "deleted_api_keys": deep_copy(project.deleted_api_keys),
            "password_changes": project.password_changes,
        }
