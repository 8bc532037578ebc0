"""The Airflow connection side of the hooks: what a ``supabase`` connection holds (``ClientSettings``), and how
it is read and checked."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_supabase import DEFAULT_CONN_ID, __version__
from airflow_provider_supabase.exceptions import SupabaseInputError

if TYPE_CHECKING:
    from airflow_provider_supabase.hooks.retry import RetryPolicy

DEFAULT_HOST = "https://api.supabase.com"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_MAX_WAIT = 60.0
DEFAULT_RATE_LIMIT_MAX_WAIT = 300.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _airflow_version() -> str:
    try:
        from airflow import __version__ as airflow_version
    except Exception:  # pragma: no cover - only outside an Airflow install
        return "unknown"
    return str(airflow_version)


def user_agent() -> str:
    return f"airflow-provider-supabase/{__version__} apache-airflow/{_airflow_version()}"


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _as_bool(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def normalize_base_url(host: str | None, port: int | None = None, *, allow_insecure_http: bool = False) -> str:
    """The connection's ``host`` as an API base URL: https by default, http only for loopback (or
    when explicitly allowed), no path, no trailing slash."""
    host = (host or "").strip()
    if not host:
        return DEFAULT_HOST
    if "://" not in host:
        host = "https://" + host
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https"):
        raise SupabaseInputError("host", f"scheme {parts.scheme!r} is not http or https")
    if not parts.hostname:
        raise SupabaseInputError("host", f"{host!r} names no host")
    if parts.scheme == "http" and not (_is_loopback(parts.hostname) or allow_insecure_http):
        raise SupabaseInputError(
            "host",
            f"http:// is only accepted for loopback addresses (got {parts.hostname}); use https:// or set "
            "the connection extra allow_insecure_http=true",
        )
    netloc = parts.netloc
    if port and parts.port is None:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{netloc}{path}"


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    token: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_max_wait: float = DEFAULT_RETRY_MAX_WAIT
    rate_limit_max_wait: float = DEFAULT_RATE_LIMIT_MAX_WAIT
    verify: bool | str = True

    @functools.cached_property
    def token_id(self) -> str:
        """A stable, non-reversible name for the token (rate-limit gate key, logs)."""
        return hashlib.sha256(self.token.encode()).hexdigest()[:12]

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "User-Agent": user_agent(),
            "Accept": "application/json",
        }


def _number(extras: Mapping[str, Any], key: str, override: Any, default: float, kind: type = float) -> Any:
    value = override if override is not None else extras.get(key)
    if value is None or value == "":
        return kind(default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SupabaseInputError(key, f"must be a number, got {value!r}") from None
    if number < 0:
        raise SupabaseInputError(key, f"must not be negative, got {value!r}")
    return number


def settings_from_connection(
    conn: Any,
    *,
    timeout: float | None = None,
    max_retries: int | None = None,
    retry_max_wait: float | None = None,
) -> ClientSettings:
    """Read token, URL and tuning from an Airflow connection; refuse bad values by field name."""
    token = (conn.password or "").strip()
    if not token:
        raise SupabaseInputError("password (access token)", f"connection {conn.conn_id!r} has no Supabase access token")
    extras = conn.extra_dejson or {}
    verify: bool | str = True
    if "verify" in extras:
        raw = extras["verify"]
        if isinstance(raw, str) and raw.strip().lower() not in _TRUE | _FALSE:
            if not os.path.exists(raw):
                raise SupabaseInputError(
                    "verify", f"{raw!r} is neither true/false nor an existing CA bundle file or directory"
                )
            verify = raw
        elif isinstance(raw, (bool, int, str)):
            verify = _as_bool(raw)
        else:
            raise SupabaseInputError("verify", f"must be true, false or a CA bundle path, got {raw!r}")
    return ClientSettings(
        base_url=normalize_base_url(
            conn.host, conn.port, allow_insecure_http=_as_bool(extras.get("allow_insecure_http", False))
        ),
        token=token,
        timeout=_number(extras, "timeout", timeout, DEFAULT_TIMEOUT),
        max_retries=_number(extras, "max_retries", max_retries, DEFAULT_MAX_RETRIES, int),
        retry_max_wait=_number(extras, "retry_max_wait", retry_max_wait, DEFAULT_RETRY_MAX_WAIT),
        rate_limit_max_wait=_number(extras, "rate_limit_max_wait", None, DEFAULT_RATE_LIMIT_MAX_WAIT),
        verify=verify,
    )


class SupabaseConnectionMixin:
    """What both hooks share about their connection: Airflow's connection-type attributes, the options given
    to the constructor, and the settings and retry policy built from the connection once. (The form for
    Airflow < 3.2 is on ``SupabaseHook`` itself: Airflow reads it only from the registered class.)"""

    conn_name_attr = "supabase_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "supabase"
    hook_name = "Supabase"

    def __init__(
        self,
        supabase_conn_id: str = DEFAULT_CONN_ID,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_max_wait: float | None = None,
    ) -> None:
        super().__init__()
        self.supabase_conn_id = supabase_conn_id
        self._timeout, self._max_retries, self._retry_max_wait = timeout, max_retries, retry_max_wait
        self._settings: ClientSettings | None = None
        self._policy: RetryPolicy | None = None
        self._transport: Any = None

    def _configure(self, conn: Any) -> ClientSettings:
        from airflow_provider_supabase.hooks.retry import RetryPolicy

        settings = settings_from_connection(
            conn, timeout=self._timeout, max_retries=self._max_retries, retry_max_wait=self._retry_max_wait
        )
        if settings.verify is False:
            self.log.warning(  # type: ignore[attr-defined]
                "TLS certificate verification is DISABLED for connection %r (extra 'verify'=false)",
                self.supabase_conn_id,
            )
        self._settings = settings
        self._policy = RetryPolicy(
            max_retries=settings.max_retries,
            max_wait=settings.retry_max_wait,
            base_wait=min(1.0, settings.retry_max_wait),
            rate_limit_max_wait=settings.rate_limit_max_wait,
        )
        return settings

    def __repr__(self) -> str:
        base = self._settings.base_url if self._settings is not None else "(not connected)"
        return f"<{type(self).__name__} conn_id={self.supabase_conn_id!r} url={base}>"
