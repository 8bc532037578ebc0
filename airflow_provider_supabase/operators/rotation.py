"""Rotate the credentials that leak, on a schedule, with nothing locked out: API keys, JWT signing keys and the
database password, and the sinks that receive the new values (Airflow Variables, Edge Function secrets, a
callable)."""

from __future__ import annotations

import re
import secrets as secrets_module
import string
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import (
    API_KEY_NAME_RE,
    SIGNING_ALGORITHMS,
    validate_bool,
    validate_choice,
    validate_ref,
    validate_secret_name,
)

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context
    from airflow_provider_supabase.hooks.supabase import SupabaseHook

# A rotated API key is named <prefix>_<YYYYMMDDHHMM>; the API allows 64 characters.
_STAMP_FORMAT = "%Y%m%d%H%M"
MAX_PREFIX_LENGTH = 64 - len("_YYYYMMDDHHMM")
# Generated database passwords: letters, digits, "-" and "_" (nothing a connection string must escape).
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_"
MIN_PASSWORD_LENGTH = 16
MAX_PASSWORD_LENGTH = 128
PENDING_SUFFIX = "_pending"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _moment(value: Any) -> datetime | None:
    """An API timestamp (``2024-01-01T00:00:00.000Z``) as an aware datetime, or None if it cannot be read."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _older_than(value: Any, period: timedelta, now: datetime) -> bool:
    """True when the timestamp is at least ``period`` old; never for a timestamp that cannot be read, so nothing
    is promoted, revoked or deleted on an age the API did not state."""
    moment = _moment(value)
    return moment is not None and now - moment >= period


def _order(value: Any) -> datetime:
    return _moment(value) or datetime.max.replace(tzinfo=timezone.utc)


def _period(value: Any, field: str, *, allow_zero: bool = False) -> timedelta:
    if not isinstance(value, timedelta) or value < timedelta(0) or (value == timedelta(0) and not allow_zero):
        floor = "zero or more" if allow_zero else "more than zero"
        raise SupabaseInputError(field, f"must be a timedelta of {floor}, got {value!r}")
    return value


# --------------------------------------------------------------------------------------------------- sinks


class RotationSink:
    """Where a rotated credential goes. The interface every sink implements:

    * ``check()``: refuse a bad configuration with ``SupabaseInputError`` (called before any request);
    * ``put(value, hook, pending=False)``: store the value, as the current one or (``pending=True``) as the one
      about to take effect (the database password between its generation and the change);
    * ``holds(value, hook, pending=False)``: ``True``/``False`` when the sink can tell whether it holds the
      value, ``None`` when it cannot (the operator then always hands the value over);
    * ``read_pending()``: the pending value, for sinks that can read it back (``can_read_pending``), so a retried
      password rotation finishes the change it started instead of starting another;
    * ``clear_pending(hook)``: forget the pending value once it is current;
    * ``describe()``: a name for logs and XCom. Never the value: a sink never logs or raises with it.

    A sink's ``template_fields`` are rendered with the operator's (the operators template ``sinks``).
    """

    can_read_pending: bool = False

    def check(self) -> None:
        """Refuse a bad configuration with ``SupabaseInputError``."""

    def put(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> None:
        raise NotImplementedError

    def holds(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> bool | None:
        return None

    def read_pending(self) -> str | None:
        return None

    def clear_pending(self, hook: SupabaseHook) -> None:
        """Forget the pending value; nothing by default."""

    def describe(self) -> str:
        return type(self).__name__


class VariableSink(RotationSink):
    """An Airflow Variable (encrypted with Airflow's Fernet key when one is configured; the value is masked in
    logs). The pending value lives in ``<key>_pending`` until it is current.

    :param key: the Variable's key.
    :param description: the Variable's description.
    """

    can_read_pending = True
    # Rendered with the operator's fields (``"{{ var.value.x }}"`` works here).
    template_fields: Sequence[str] = ("key",)

    def __init__(self, key: str, description: str | None = None) -> None:
        self.key = key
        self.description = description

    def __repr__(self) -> str:
        return f"VariableSink({self.key!r})"

    def check(self) -> None:
        if not isinstance(self.key, str) or not self.key.strip() or any(c.isspace() for c in self.key):
            raise SupabaseInputError("VariableSink.key", f"must be a Variable key without spaces, got {self.key!r}")

    def _name(self, pending: bool) -> str:
        return f"{self.key}{PENDING_SUFFIX}" if pending else self.key

    def put(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> None:
        from airflow_provider_supabase.compat import Variable

        description = self.description or "Rotated by the Supabase provider"
        Variable.set(self._name(pending), value, description=description + (" (pending)" if pending else ""))

    def holds(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> bool | None:
        return self._get(self._name(pending)) == value

    def read_pending(self) -> str | None:
        return self._get(self._name(True)) or None

    def clear_pending(self, hook: SupabaseHook) -> None:
        from airflow_provider_supabase.compat import Variable

        name = self._name(True)
        if self._get(name) is None:
            return
        delete = getattr(Variable, "delete", None)
        if delete is not None:
            delete(name)
        else:  # the SDK's Variable has no delete before 3.1: an empty value reads as "no pending value"
            Variable.set(name, "")

    @staticmethod
    def _get(name: str) -> str | None:
        from airflow_provider_supabase.compat import Variable, mask_secret

        value = Variable.get(name, default=None)
        if isinstance(value, str) and value:
            mask_secret(value)
        return value if isinstance(value, str) else None

    def describe(self) -> str:
        return f"Variable {self.key}"


class FunctionSecretsSink(RotationSink):
    """Edge Function secrets of one or more projects, through the hook, so the functions pick the value up. The
    pending value lives in ``<name>_PENDING`` until it is current.

    :param name: the secret's name (not ``SUPABASE_*``: the API reserves those).
    :param project_refs: the projects whose functions get the secret.
    """

    template_fields: Sequence[str] = ("name", "project_refs")

    def __init__(self, name: str, project_refs: Sequence[str]) -> None:
        self.name = name
        self.project_refs = project_refs

    def __repr__(self) -> str:
        return (
            f"FunctionSecretsSink({self.name!r}, {list(self.project_refs) if self._listed() else self.project_refs!r})"
        )

    def _listed(self) -> bool:
        return isinstance(self.project_refs, (list, tuple))

    def check(self) -> None:
        validate_secret_name(self.name, "FunctionSecretsSink.name")
        validate_secret_name(self._name(True), "FunctionSecretsSink.name")
        if not self._listed() or not self.project_refs:
            raise SupabaseInputError("FunctionSecretsSink.project_refs", "must be a non-empty list of project refs")
        for ref in self.project_refs:
            validate_ref(ref, "FunctionSecretsSink.project_refs")

    def _name(self, pending: bool) -> str:
        return f"{self.name}{PENDING_SUFFIX.upper()}" if pending else self.name

    def put(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> None:
        for ref in self.project_refs:
            hook.create_secrets(ref, {self._name(pending): value})

    def holds(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> bool | None:
        from airflow_provider_supabase.config_rules import secret_digest

        digest, name = secret_digest(value), self._name(pending)
        for ref in self.project_refs:
            found = {str(s.get("name")): str(s.get("value") or "").lower() for s in hook.list_secrets(ref) or []}
            if found.get(name) != digest:
                return False
        return True

    def clear_pending(self, hook: SupabaseHook) -> None:
        name = self._name(True)
        for ref in self.project_refs:
            if any(s.get("name") == name for s in hook.list_secrets(ref) or []):
                hook.delete_secrets(ref, [name])

    def describe(self) -> str:
        refs = ", ".join(self.project_refs) if self._listed() else str(self.project_refs)
        return f"function secret {self.name} of {refs}"


class CallableSink(RotationSink):
    """Your own code: ``put(value, stage)`` with ``stage`` ``"current"`` or ``"pending"``. Optional ``holds(value,
    stage) -> bool`` lets the operator verify the hand-over; ``read_pending() -> str | None`` lets a retried
    password rotation resume from it. Never log the value or put it into an exception.

    :param put: stores the value.
    :param holds: tells whether the value is stored.
    :param read_pending: reads back the pending value.
    :param name: a name for logs and XCom.
    """

    def __init__(
        self,
        put: Callable[[str, str], Any],
        *,
        holds: Callable[[str, str], bool] | None = None,
        read_pending: Callable[[], str | None] | None = None,
        name: str | None = None,
    ) -> None:
        self._put, self._holds, self._read_pending = put, holds, read_pending
        self.name = name or getattr(put, "__name__", "callable")
        self.can_read_pending = read_pending is not None

    def __repr__(self) -> str:
        return f"CallableSink({self.name!r})"

    def check(self) -> None:
        for field, value in (("put", self._put), ("holds", self._holds), ("read_pending", self._read_pending)):
            if value is not None and not callable(value):
                raise SupabaseInputError(f"CallableSink.{field}", "must be callable")
        if self._put is None:
            raise SupabaseInputError("CallableSink.put", "must be callable")

    def put(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> None:
        self._put(value, "pending" if pending else "current")

    def holds(self, value: str, hook: SupabaseHook, *, pending: bool = False) -> bool | None:
        return None if self._holds is None else bool(self._holds(value, "pending" if pending else "current"))

    def read_pending(self) -> str | None:
        return None if self._read_pending is None else (self._read_pending() or None)

    def describe(self) -> str:
        return f"callable {self.name}"


def _sinks(sinks: Any) -> list[RotationSink]:
    if isinstance(sinks, RotationSink):
        sinks = [sinks]
    if not isinstance(sinks, (list, tuple)) or not sinks:
        raise SupabaseInputError("sinks", "must be a non-empty list of sinks (VariableSink, FunctionSecretsSink, ...)")
    for sink in sinks:
        if not isinstance(sink, RotationSink):
            raise SupabaseInputError("sinks", f"{type(sink).__name__} is not a RotationSink")
        sink.check()
    return list(sinks)


class SinkNotHolding(Exception):
    """A sink does not hold the value it was handed: nothing that depends on it is done (no key deleted)."""


def _hand_over(sinks: list[RotationSink], value: str, hook: SupabaseHook, *, pending: bool = False) -> None:
    """Give every sink the value unless it already holds it, then check that each holds it."""
    for sink in sinks:
        if sink.holds(value, hook, pending=pending) is not True:
            sink.put(value, hook, pending=pending)
        if sink.holds(value, hook, pending=pending) is False:
            stage = "pending" if pending else "new"
            raise SinkNotHolding(f"{sink.describe()} does not hold the {stage} value after it was handed over")


# -------------------------------------------------------------------------------------------------- API keys


class RotateApiKeyOperator(SupabaseBaseOperator):
    """Rotate a project's secret API key with nothing locked out: create ``<name_prefix>_<YYYYMMDDHHMM>``, hand it
    to the sinks, check that they hold it, then delete this rotator's older keys once their grace has passed.

    Each run decides from the keys the API lists, so a retry, a skipped run or a second run the same day never
    rotates twice: while the newest key with the prefix is younger than ``min_interval`` it is kept (and handed
    to any sink that lacks it) instead of replaced. A replaced key is deleted once the key that replaced it is
    older than ``grace_period``, so clients have that long to pick the new key up; the newest key is never
    deleted, and keys without this prefix (``<name_prefix>_`` and 12 digits) are never touched. With
    ``was_compromised=True`` a new key is made at once and every older key is deleted in the same run, reported
    to the platform as compromised with ``reason``.

    :param project_ref: project ref (templated).
    :param name_prefix: the keys' name prefix: ``[a-z0-9_]``, not starting with a digit, 2 to 51 characters
        (templated).
    :param sinks: where the new key goes: ``VariableSink``, ``FunctionSecretsSink``, ``CallableSink`` (their
        names and refs templated).
    :param grace_period: how long a replaced key keeps working (more than zero).
    :param min_interval: the youngest key age at which a run makes a new key.
    :param was_compromised: replace the key now and revoke all older ones at once.
    :param reason: the reason the platform records for the deletes (default ``rotating_key``).
    :param description: the new keys' description.
    :param secret_jwt_template: the JWT claims of the new keys.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"project_ref", "step": "rotated" | "kept", "key": name, "key_id", "deleted": [names], "sinks": [...]}``;
    never a key's value.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "name_prefix", "reason", "sinks")
    ui_color = "#fbbc04"

    def __init__(
        self,
        *,
        project_ref: str,
        name_prefix: str,
        sinks: Sequence[RotationSink],
        grace_period: timedelta = timedelta(hours=24),
        min_interval: timedelta = timedelta(days=1),
        was_compromised: bool = False,
        reason: str | None = None,
        description: str | None = None,
        secret_jwt_template: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.name_prefix = name_prefix
        self.sinks = sinks
        self.grace_period = grace_period
        self.min_interval = min_interval
        self.was_compromised = was_compromised
        self.reason = reason
        self.description = description
        self.secret_jwt_template = secret_jwt_template

    def _prefix(self) -> str:
        prefix = self.name_prefix
        if not isinstance(prefix, str) or not API_KEY_NAME_RE.match(prefix) or len(prefix) > MAX_PREFIX_LENGTH:
            raise SupabaseInputError(
                "name_prefix",
                f"must match {API_KEY_NAME_RE.pattern} and be 2 to {MAX_PREFIX_LENGTH} characters long (the key "
                f"name adds _YYYYMMDDHHMM), got {prefix!r}",
            )
        return prefix

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.compat import AirflowException, mask_secret

        ref = validate_ref(self.project_ref)
        prefix = self._prefix()
        sinks = _sinks(self.sinks)
        grace = _period(self.grace_period, "grace_period")
        min_interval = _period(self.min_interval, "min_interval", allow_zero=True)
        compromised = validate_bool(self.was_compromised, "was_compromised")
        if self.reason is not None and (not isinstance(self.reason, str) or not self.reason.strip()):
            raise SupabaseInputError("reason", "must be a non-empty string (or None)")
        own = re.compile(rf"^{re.escape(prefix)}_[0-9]{{12}}$")

        now = _utc_now()
        # Listed without values: only the one key handed to the sinks is ever revealed.
        listed = self.hook.list_api_keys(ref) or []
        mine = sorted(
            (k for k in listed if k.get("type") == "secret" and own.match(str(k.get("name") or ""))),
            key=lambda k: (_order(k.get("inserted_at")), str(k.get("name"))),
        )
        name = f"{prefix}_{now.strftime(_STAMP_FORMAT)}"
        same_name = [k for k in mine if k.get("name") == name]
        newest = mine[-1] if mine else None
        if same_name:  # this run (a retry) or one in the same minute made it already
            current, step = same_name[-1], "kept"
        elif newest is not None and not compromised and not _older_than(newest.get("inserted_at"), min_interval, now):
            current, step = newest, "kept"
        else:
            current = self.hook.create_api_key(
                ref,
                "secret",
                name,
                description=self.description or f"Rotated by Airflow ({prefix})",
                secret_jwt_template=self.secret_jwt_template,
                reveal=True,
            )
            step = "rotated"
            mine.append(current)
        if step == "kept":
            current = self.hook.get_api_key(ref, str(current["id"]), reveal=True)
        value = current.get("api_key")
        if not isinstance(value, str) or not value or "•" in value:
            raise AirflowException(
                f"The API did not reveal the value of key {current.get('name')}; nothing was deleted"
            )
        mask_secret(value)
        self.log.info("Project %s: key %s %s; handing it to %d sink(s)", ref, current.get("name"), step, len(sinks))
        try:
            _hand_over(sinks, value, self.hook)
        except SinkNotHolding as err:
            raise AirflowException(f"{err}; no key was deleted") from None

        deleted = []
        older = [k for k in mine if k.get("id") != current.get("id")]
        for index, key in enumerate(older):
            replaced_by = older[index + 1] if index + 1 < len(older) else current
            if compromised or _older_than(replaced_by.get("inserted_at"), grace, now):
                self.hook.delete_api_key(
                    ref,
                    str(key["id"]),
                    was_compromised=compromised,
                    reason=self.reason or ("compromised" if compromised else "rotating_key"),
                )
                deleted.append(str(key.get("name")))
        self.log.info(
            "Project %s: key %s in use; deleted %s", ref, current.get("name"), ", ".join(deleted) or "no older key"
        )
        return {
            "project_ref": ref,
            "step": step,
            "key": current.get("name"),
            "key_id": current.get("id"),
            "deleted": deleted,
            "sinks": [s.describe() for s in sinks],
        }


# ---------------------------------------------------------------------------------------- JWT signing keys


class RotateSigningKeyOperator(SupabaseBaseOperator):
    """One step of the JWT signing-key cycle per run, decided from the keys the API lists:

    1. no key at all → import the legacy JWT secret (``from_legacy``) or create a ``standby`` key;
    2. a ``revoked`` key revoked more than ``delete_after`` ago → delete it;
    3. a ``previously_used`` key retired more than ``revoke_after`` ago → revoke it (tokens it signed stop
       verifying: keep this above the JWT expiry);
    4. a ``standby`` key older than ``standby_period`` → promote it to ``in_use`` (the key in use becomes
       ``previously_used``); a younger one → wait;
    5. no ``standby`` key → create one of ``algorithm``, published ahead of use so verifiers cache it.

    The key in use is never revoked or deleted (the API refuses both too), and a second run the same day takes
    the next step only once its period has passed. The imported legacy secret is retired like any key but only
    revoked with ``revoke_legacy=True``: revoking it also invalidates the legacy ``anon`` and ``service_role``
    API keys, so do it once every client uses the publishable and secret keys.

    :param project_ref: project ref (templated).
    :param algorithm: ``ES256`` (default), ``EdDSA``, ``RS256`` or ``HS256``.
    :param standby_period: how long a new key is published before it signs.
    :param revoke_after: how long a retired key still verifies.
    :param delete_after: how long a revoked key is kept (it can be restored until deleted).
    :param from_legacy: start from the legacy JWT secret when the project has no signing key yet.
    :param revoke_legacy: let the cycle revoke the imported legacy secret once it is retired.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"project_ref", "step": "import_legacy" | "create_standby" | "promote" | "revoke" | "delete" | "wait",
    "key_id", "in_use"}``.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref")
    ui_color = "#fbbc04"

    def __init__(
        self,
        *,
        project_ref: str,
        algorithm: str = "ES256",
        standby_period: timedelta = timedelta(days=1),
        revoke_after: timedelta = timedelta(days=1),
        delete_after: timedelta = timedelta(days=30),
        from_legacy: bool = True,
        revoke_legacy: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.algorithm = algorithm
        self.revoke_legacy = revoke_legacy
        self.standby_period = standby_period
        self.revoke_after = revoke_after
        self.delete_after = delete_after
        self.from_legacy = from_legacy

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        algorithm = validate_choice(self.algorithm, SIGNING_ALGORITHMS, "algorithm")
        standby_period = _period(self.standby_period, "standby_period", allow_zero=True)
        revoke_after = _period(self.revoke_after, "revoke_after", allow_zero=True)
        delete_after = _period(self.delete_after, "delete_after", allow_zero=True)
        from_legacy = validate_bool(self.from_legacy, "from_legacy")
        revoke_legacy = validate_bool(self.revoke_legacy, "revoke_legacy")

        now = _utc_now()
        keys = sorted(self.hook.list_signing_keys(ref) or [], key=lambda k: _order(k.get("created_at")))

        def aged(status: str, stamp: str, period: timedelta) -> list[Any]:
            return [k for k in keys if k.get("status") == status and _older_than(k.get(stamp), period, now)]

        in_use = next((k.get("id") for k in keys if k.get("status") == "in_use"), None)
        standby = [k for k in keys if k.get("status") == "standby"]
        if not keys and from_legacy:
            key, step = self.hook.create_legacy_signing_key(ref), "import_legacy"
            in_use = key.get("id") if key.get("status") == "in_use" else in_use
        elif revoked := aged("revoked", "updated_at", delete_after):
            key, step = self.hook.delete_signing_key(ref, str(revoked[0]["id"])), "delete"
        elif retired := self._revocable(ref, aged("previously_used", "updated_at", revoke_after), revoke_legacy):
            key, step = self.hook.update_signing_key(ref, str(retired[0]["id"]), "revoked"), "revoke"
        elif standby and _older_than(standby[0].get("created_at"), standby_period, now):
            key, step = self.hook.update_signing_key(ref, str(standby[0]["id"]), "in_use"), "promote"
            in_use = key.get("id")
        elif standby:
            key, step = standby[0], "wait"
        else:
            key, step = self.hook.create_signing_key(ref, algorithm, status="standby"), "create_standby"
        self.log.info("Project %s: signing key %s: %s (in use: %s)", ref, key.get("id"), step, in_use)
        return {"project_ref": ref, "step": step, "key_id": key.get("id"), "in_use": in_use}

    def _revocable(self, ref: str, retired: list[Any], revoke_legacy: bool) -> list[Any]:
        """The retired keys this run may revoke: the imported legacy secret only with ``revoke_legacy``."""
        if revoke_legacy or not any(k.get("algorithm") == "HS256" for k in retired):
            return retired
        from airflow_provider_supabase.exceptions import SupabaseApiError

        try:
            legacy = self.hook.get_legacy_signing_key(ref).get("id")
        except SupabaseApiError as err:
            if err.status_code != 404:
                raise
            legacy = None
        return [k for k in retired if k.get("id") != legacy]


# -------------------------------------------------------------------------------------- database password


def generate_password(length: int) -> str:
    """A random password from ``PASSWORD_ALPHABET`` (6 bits a character)."""
    return "".join(secrets_module.choice(PASSWORD_ALPHABET) for _ in range(length))


class RotateDatabasePasswordOperator(SupabaseBaseOperator):
    """Set a new random password for the project's ``postgres`` user, never logged, without ever leaving the
    database with a password that no sink holds.

    The order: the password reaches every sink as *pending*, then the API changes it, then it becomes *current*
    in every sink (sinks that can read it back last) and the pending copies are cleared. A task that dies at any
    point is retried safely: a retry finds the pending password in a sink that can read it back and finishes
    that change (setting the same password again is harmless) instead of starting another, so at least one
    sink needs to (``VariableSink``, or a ``CallableSink`` with ``read_pending``).

    :param project_ref: project ref (templated).
    :param sinks: where the password goes: ``VariableSink``, ``FunctionSecretsSink``, ``CallableSink`` (their
        names and refs templated).
    :param length: the password's length, 16 to 128 characters (default 32).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"project_ref", "step": "rotated" | "resumed", "sinks": [...]}``; never the password.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "sinks")
    ui_color = "#fbbc04"

    def __init__(self, *, project_ref: str, sinks: Sequence[RotationSink], length: int = 32, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.sinks = sinks
        self.length = length

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.compat import AirflowException, mask_secret

        ref = validate_ref(self.project_ref)
        length = self.length
        if (
            not isinstance(length, int)
            or isinstance(length, bool)
            or not MIN_PASSWORD_LENGTH <= length <= MAX_PASSWORD_LENGTH
        ):
            raise SupabaseInputError(
                "length", f"must be an integer from {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}, got {length!r}"
            )
        sinks = _sinks(self.sinks)
        readable = [s for s in sinks if s.can_read_pending]
        if not readable:
            raise SupabaseInputError(
                "sinks",
                "needs a sink that can read the pending password back (VariableSink, or CallableSink with "
                "read_pending), so a retried task finishes the change it started",
            )

        password = next((p for p in (s.read_pending() for s in readable) if p), None)
        step = "resumed" if password else "rotated"
        if not password:
            password = generate_password(length)
        mask_secret(password)
        try:
            _hand_over(sinks, password, self.hook, pending=True)
            self.log.info("Project %s: new database password pending in %d sink(s); changing it", ref, len(sinks))
            self.hook.update_database_password(ref, password)
            ordered = [s for s in sinks if not s.can_read_pending] + readable
            _hand_over(ordered, password, self.hook)
        except SinkNotHolding as err:
            raise AirflowException(str(err)) from None
        for sink in ordered:
            sink.clear_pending(self.hook)
        self.log.info(
            "Project %s: database password %s; current in %s", ref, step, ", ".join(s.describe() for s in sinks)
        )
        return {"project_ref": ref, "step": step, "sinks": [s.describe() for s in sinks]}
