"""Credentials the rotation operators turn over: API keys, JWT signing keys and the database password.

(``list_api_keys`` lives with the other secrets endpoints.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, bool_param, project_path
from airflow_provider_supabase.hooks.request import Recovery, Request, identities
from airflow_provider_supabase.validation import (
    API_KEY_TYPES,
    SIGNING_ALGORITHMS,
    SIGNING_KEY_STATUSES,
    validate_api_key_name,
    validate_bool,
    validate_choice,
    validate_key_id,
)

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api

_API_KEYS = "/api-keys"
_SIGNING_KEYS = "/config/auth/signing-keys"
_UPDATABLE_API_KEY_FIELDS = frozenset({"name", "description", "secret_jwt_template"})
# The database password: the spec's floor. Operators ask for far more (RotateDatabasePasswordOperator).
MIN_PASSWORD_LENGTH = 4


def _keys(listing: Any) -> Any:
    return listing.get("keys") if isinstance(listing, Mapping) else listing


def _jwt_template(value: Any, field: str = "secret_jwt_template") -> Any:
    if value is not None and not isinstance(value, Mapping):
        raise SupabaseInputError(field, "must be a mapping of JWT claims (or None)")
    return dict(value) if value is not None else None


def _new_one(match: Mapping[str, Any]) -> Any:
    """Recovery pick: the one key matching ``match`` that was not listed before the first attempt."""

    def pick(found: Any, existed: frozenset[str]) -> Any:
        items = _keys(found)
        fresh = [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping)
            and all(item.get(k) == v for k, v in match.items())
            and identities([item]).isdisjoint(existed)
        ]
        return fresh[0] if len(fresh) == 1 else None

    return pick


class KeyEndpoints(EndpointGroup):
    # ------------------------------------------------------------------ API keys

    def get_api_key(self, ref: str, key_id: str, *, reveal: bool = False) -> api.ApiKeyResponse:
        """Read one API key.

        :param ref: the project's 20-letter ref.
        :param key_id: the key's id (a UUID).
        :param reveal: answer a secret key's ``api_key`` in clear; mask it before logging.
        :return: ``{"id", "name", "type", "api_key", "prefix", "inserted_at", "updated_at", ...}``.
        :raises SupabaseInputError: for a malformed ref or id, before any request.
        :raises SupabaseApiError: when the API refuses the call (404 for an unknown key).
        """
        path = project_path(ref, f"{_API_KEYS}/{validate_key_id(key_id)}")
        params = {"reveal": bool_param(validate_bool(reveal, "reveal"))}
        return self._run(Request("GET", path[0], f"/v1/projects/{{ref}}{_API_KEYS}/{{id}}", params=params))

    def create_api_key(
        self,
        ref: str,
        type: str,
        name: str,
        *,
        description: str | None = None,
        secret_jwt_template: Mapping[str, Any] | None = None,
        reveal: bool = False,
    ) -> api.ApiKeyResponse:
        """Create a ``publishable`` or ``secret`` API key. Names are not unique to the API: a create whose answer
        was lost (timeout, dropped connection, 5xx) is recognised afterwards (the one key of this type and name
        that was not listed before the call) instead of being sent again.

        :param ref: the project's 20-letter ref.
        :param type: ``publishable`` or ``secret``.
        :param name: 4 to 64 characters of ``[a-z0-9_]``, not starting with a digit.
        :param description: free text.
        :param secret_jwt_template: the JWT claims a secret key acts with (e.g. ``{"role": "service_role"}``).
        :param reveal: answer the new secret key in clear; mask it before logging.
        :return: the new key.
        :raises SupabaseInputError: for a bad type, name or template, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, _API_KEYS)
        body: dict[str, Any] = {
            "type": validate_choice(type, sorted(API_KEY_TYPES), "type"),
            "name": validate_api_key_name(name),
        }
        if description is not None:
            if not isinstance(description, str):
                raise SupabaseInputError("description", "must be a string")
            body["description"] = description
        template = _jwt_template(secret_jwt_template)
        if template is not None:
            body["secret_jwt_template"] = template
        params = {"reveal": bool_param(validate_bool(reveal, "reveal"))}
        return self._run(self._create_api_key(path, body, params))

    def _create_api_key(self, path: tuple[str, str], body: dict[str, Any], params: dict[str, str]) -> Plan:
        # The listing only tells which keys existed before: no value needs revealing for that.
        listing = yield Request("GET", *path)
        recovery = Recovery(
            path[0], _new_one({"type": body["type"], "name": body["name"]}), params=params, existed=identities(listing)
        )
        return (yield Request("POST", *path, json=body, params=params, idempotent=False, recovery=recovery))

    def update_api_key(self, ref: str, key_id: str, fields: Mapping[str, Any]) -> api.ApiKeyResponse:
        """Rename an API key or change its description or JWT template.

        :param ref: the project's 20-letter ref.
        :param key_id: the key's id (a UUID).
        :param fields: any of ``name``, ``description``, ``secret_jwt_template``.
        :return: the key (a secret key's value hidden).
        :raises SupabaseInputError: for an unknown field or a bad value, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, f"{_API_KEYS}/{validate_key_id(key_id)}")
        if not isinstance(fields, Mapping) or not fields:
            raise SupabaseInputError("fields", "must be a non-empty mapping")
        body = dict(fields)
        for unknown in sorted(set(body) - _UPDATABLE_API_KEY_FIELDS):
            raise SupabaseInputError(unknown, "is not an API key field that can be updated")
        if "name" in body:
            validate_api_key_name(body["name"])
        if "description" in body and body["description"] is not None and not isinstance(body["description"], str):
            raise SupabaseInputError("description", "must be a string")
        if "secret_jwt_template" in body:
            body["secret_jwt_template"] = _jwt_template(body["secret_jwt_template"])
        return self._run(Request("PATCH", path[0], f"/v1/projects/{{ref}}{_API_KEYS}/{{id}}", json=body))

    def delete_api_key(
        self, ref: str, key_id: str, *, was_compromised: bool = False, reason: str | None = None
    ) -> api.ApiKeyResponse:
        """Delete an API key: requests made with it fail from then on.

        :param ref: the project's 20-letter ref.
        :param key_id: the key's id (a UUID).
        :param was_compromised: tell the platform the key leaked.
        :param reason: why it is deleted (e.g. ``rotating_key``), recorded by the platform.
        :return: the deleted key (its value hidden).
        :raises SupabaseInputError: for a malformed id or reason, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, f"{_API_KEYS}/{validate_key_id(key_id)}")
        params = {"was_compromised": bool_param(validate_bool(was_compromised, "was_compromised"))}
        if reason is not None:
            if not isinstance(reason, str) or not reason.strip():
                raise SupabaseInputError("reason", "must be a non-empty string (or None)")
            params["reason"] = reason
        return self._run(Request("DELETE", path[0], f"/v1/projects/{{ref}}{_API_KEYS}/{{id}}", params=params))

    # ---------------------------------------------------------- JWT signing keys

    def list_signing_keys(self, ref: str) -> list[api.SigningKeysResponseKeysItem]:
        """List the project's JWT signing keys (the imported legacy secret included).

        :param ref: the project's 20-letter ref.
        :return: ``[{"id", "algorithm", "status", "public_jwk", "created_at", "updated_at"}]``; ``status`` is
            ``standby``, ``in_use``, ``previously_used`` or ``revoked``.
        :raises SupabaseInputError: for a malformed ref, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, _SIGNING_KEYS), transform=_keys))

    def get_signing_key(self, ref: str, key_id: str) -> api.SigningKeyResponse:
        """Read one JWT signing key.

        :param ref: the project's 20-letter ref.
        :param key_id: the key's id (a UUID).
        :return: the key (never its private part).
        :raises SupabaseInputError: for a malformed ref or id, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, f"{_SIGNING_KEYS}/{validate_key_id(key_id)}")
        return self._run(Request("GET", path[0], f"/v1/projects/{{ref}}{_SIGNING_KEYS}/{{id}}"))

    def create_signing_key(
        self, ref: str, algorithm: str, *, status: str = "standby", private_jwk: Mapping[str, Any] | None = None
    ) -> api.SigningKeyResponse:
        """Create a JWT signing key, generated by the platform or imported from ``private_jwk``. A create whose
        answer was lost is recognised afterwards (the one key of this algorithm and status that was not listed
        before the call) instead of being sent again.

        :param ref: the project's 20-letter ref.
        :param algorithm: ``EdDSA``, ``ES256``, ``RS256`` or ``HS256``.
        :param status: ``standby`` (default) or ``in_use`` (takes over at once; the key in use becomes
            ``previously_used``).
        :param private_jwk: a private JWK to import: a secret, never logged or answered back.
        :return: the new key (its public JWK only).
        :raises SupabaseInputError: for a bad algorithm, status or JWK, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, _SIGNING_KEYS)
        body: dict[str, Any] = {
            "algorithm": validate_choice(algorithm, SIGNING_ALGORITHMS, "algorithm"),
            "status": validate_choice(status, ("standby", "in_use"), "status"),
        }
        if private_jwk is not None:
            if not isinstance(private_jwk, Mapping) or not isinstance(private_jwk.get("kty"), str):
                # The JWK is a secret: say what is wrong, never show it.
                raise SupabaseInputError("private_jwk", "must be a JWK mapping with a 'kty'")
            body["private_jwk"] = dict(private_jwk)
        return self._run(self._create_signing_key(path, body))

    def _create_signing_key(self, path: tuple[str, str], body: dict[str, Any]) -> Plan:
        listing = yield Request("GET", *path)
        recovery = Recovery(
            path[0],
            _new_one({"algorithm": body["algorithm"], "status": body["status"]}),
            existed=identities(_keys(listing)),
        )
        return (yield Request("POST", *path, json=body, idempotent=False, recovery=recovery))

    def update_signing_key(self, ref: str, key_id: str, status: str) -> api.SigningKeyResponse:
        """Move a signing key along its cycle: ``standby`` → ``in_use`` (the key in use becomes
        ``previously_used``), ``previously_used`` → ``revoked`` (tokens it signed stop verifying), and back.

        :param ref: the project's 20-letter ref.
        :param key_id: the key's id (a UUID).
        :param status: the new status.
        :return: the key.
        :raises SupabaseInputError: for a malformed id or an unknown status, before any request.
        :raises SupabaseApiError: when the API refuses the change.
        """
        path = project_path(ref, f"{_SIGNING_KEYS}/{validate_key_id(key_id)}")
        body = {"status": validate_choice(status, SIGNING_KEY_STATUSES, "status")}
        return self._run(Request("PATCH", path[0], f"/v1/projects/{{ref}}{_SIGNING_KEYS}/{{id}}", json=body))

    def delete_signing_key(self, ref: str, key_id: str) -> api.SigningKeyResponse:
        """Delete a signing key; the API only deletes ``revoked`` ones.

        :param ref: the project's 20-letter ref.
        :param key_id: the key's id (a UUID).
        :return: the deleted key.
        :raises SupabaseInputError: for a malformed id, before any request.
        :raises SupabaseApiError: when the API refuses the call (a key that is not revoked).
        """
        path = project_path(ref, f"{_SIGNING_KEYS}/{validate_key_id(key_id)}")
        return self._run(Request("DELETE", path[0], f"/v1/projects/{{ref}}{_SIGNING_KEYS}/{{id}}"))

    def get_legacy_signing_key(self, ref: str) -> api.SigningKeyResponse:
        """The signing key made from the project's legacy JWT secret, once imported.

        :param ref: the project's 20-letter ref.
        :return: the key (``HS256``; never the secret).
        :raises SupabaseApiError: when the API refuses the call (404 before the import).
        """
        return self._run(Request("GET", *project_path(ref, f"{_SIGNING_KEYS}/legacy")))

    def create_legacy_signing_key(self, ref: str) -> api.SigningKeyResponse:
        """Import the project's legacy JWT secret as a signing key, the start of a move to asymmetric keys. A lost
        answer is recognised by reading the legacy key back.

        :param ref: the project's 20-letter ref.
        :return: the key.
        :raises SupabaseApiError: when the API refuses the call (the secret is already imported).
        """
        path = project_path(ref, f"{_SIGNING_KEYS}/legacy")
        recovery = Recovery(path[0], lambda found, existed: found if isinstance(found, Mapping) else None)
        return self._run(Request("POST", *path, idempotent=False, recovery=recovery))

    # --------------------------------------------------------- database password

    def update_database_password(self, ref: str, password: str) -> api.V1UpdatePasswordResponse:
        """Set the password of the project's ``postgres`` user. Setting the same password again is harmless, so
        the call is retried. Connections opened with the old password keep working until they close.

        :param ref: the project's 20-letter ref.
        :param password: the new password: a secret, never logged or put into an error.
        :return: ``{"message"}``.
        :raises SupabaseInputError: for a password that is not a string of at least 4 characters, before any
            request (the API refuses weak ones itself).
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/database/password")
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
            length = len(password) if isinstance(password, str) else type(password).__name__
            raise SupabaseInputError(
                "password", f"must be a string of at least 4 characters (got length/type {length})"
            )
        return self._run(Request("PATCH", *path, json={"password": password}))
