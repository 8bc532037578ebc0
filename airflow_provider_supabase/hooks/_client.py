"""Transport-neutral pieces of a Management API call: settings read from the connection, the request
description, response interpretation and the shared rate-limit gate. Both hooks build on these."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_supabase import __version__
from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks.retry import RETRYABLE_STATUS, header, server_wait_hint

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


@dataclass(frozen=True)
class Recovery:
    """How to find out whether an uncertain non-idempotent request already took effect.

    ``pick(found, existed)`` gets the parsed response of ``GET path`` (``None`` when it answered 404) and
    the identities listed before the first attempt, and returns the resource the call created, or ``None``
    to send the request again. With ``baseline`` the hook lists ``path`` once before the first attempt, so
    a same-named resource that already existed is never mistaken for the one this call created.
    """

    path: str
    pick: Callable[[Any, frozenset[str]], Any]
    params: Mapping[str, Any] | None = None
    baseline: bool = False


def identities(items: Any) -> frozenset[str]:
    """The ids (or refs, or slugs) of a listing, for ``Recovery.baseline``."""
    if not isinstance(items, list):
        return frozenset()
    return frozenset(
        str(item.get("id") or item.get("ref") or item.get("slug")) for item in items if isinstance(item, Mapping)
    )


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    template: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    data: Mapping[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    expect: str = "json"  # "json" or "text"
    idempotent: bool = True
    recovery: Recovery | None = None
    transform: Callable[[Any], Any] | None = None


def api_message(content: bytes) -> str:
    """The API's ``{"message": ...}``, else a short, single-line excerpt of the body."""
    try:
        payload = json.loads(content)
    except ValueError:
        payload = None
    if isinstance(payload, Mapping):
        for key in ("message", "error", "msg"):
            if payload.get(key):
                return str(payload[key])[:500]
    text = content.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:300] or "(empty response body)"


def error(
    req: Request,
    message: str,
    status: int | None,
    *,
    retryable: bool,
    retry_after: float | None = None,
    uncertain: bool = False,
) -> SupabaseApiError:
    err = SupabaseApiError(message, status_code=status, method=req.method, path=req.path)
    err.retryable = retryable  # type: ignore[attr-defined]
    err.retry_after = retry_after  # type: ignore[attr-defined]
    err.uncertain = uncertain  # type: ignore[attr-defined]
    err.retry_reason = (
        f"{req.method} {req.path}: "
        + (  # type: ignore[attr-defined]
            f"HTTP {status}" if status is not None else "no response"
        )
        + (f" (server asked to wait {retry_after:.1f}s)" if retry_after is not None else "")
        + f" - {message}"
    )
    return err


def transport_error(req: Request, exc: BaseException, *, sent: bool, timed_out: bool = False) -> SupabaseApiError:
    """A failure with no HTTP response. ``sent`` says the server may have acted on the request."""
    kind = type(exc).__name__
    if sent:
        message = f"{kind}: the connection failed after the request was sent; it may have taken effect"
    else:
        message = f"{kind}: could not connect"
    retryable = not sent or req.idempotent or req.recovery is not None
    err = error(req, message, None, retryable=retryable, uncertain=sent)
    err.timed_out = timed_out and sent
    return err


def interpret(req: Request, status: int, headers: Mapping[str, str], content: bytes) -> Any:
    """Turn one HTTP response into the parsed result, or raise ``SupabaseApiError``."""
    if 200 <= status < 300:
        if req.expect == "text":
            result: Any = content.decode("utf-8", "replace")
        elif not content.strip():
            result = None
        else:
            try:
                result = json.loads(content)
            except ValueError:
                # The request reached the server and may have taken effect: only idempotent calls, or
                # ones that can check first, may repeat it.
                raise error(
                    req,
                    "the API answered with a body that is not valid JSON",
                    status,
                    retryable=req.idempotent or req.recovery is not None,
                    uncertain=True,
                ) from None
        return req.transform(result) if req.transform is not None else result
    if 300 <= status < 400:
        target = urlsplit(header(headers, "Location") or "").netloc or "an unknown location"
        raise error(
            req,
            f"unexpected redirect to {target}; redirects are not followed so the token never leaves the "
            "configured host",
            status,
            retryable=False,
        )
    message = api_message(content)
    if status in RETRYABLE_STATUS:
        # A 429 was refused outright; a 5xx may have been half-processed, so non-idempotent requests
        # repeat only after their recovery check.
        retryable = status == 429 or req.idempotent or req.recovery is not None
        raise error(
            req,
            message,
            status,
            retryable=retryable,
            retry_after=server_wait_hint(status, headers),
            uncertain=status != 429,
        )
    raise error(req, message, status, retryable=False)


class RateLimitGate:
    """Process-wide memory of when each (token, endpoint) may be called again.

    After a 429, or a response that says no requests remain in the window, callers sharing the token in
    this process wait for the window to reset instead of each spending a request to learn it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[tuple[str, str, str], float] = {}

    def delay(self, key: tuple[str, str, str]) -> float:
        until = self._until.get(key)
        if until is None:
            return 0.0
        remaining = until - time.monotonic()
        if remaining <= 0:
            with self._lock:
                if self._until.get(key) == until:
                    del self._until[key]
            return 0.0
        return remaining

    def observe(self, key: tuple[str, str, str], status: int, headers: Mapping[str, str]) -> None:
        remaining = header(headers, "X-RateLimit-Remaining")
        if status != 429 and remaining not in ("0", 0):
            return
        wait = server_wait_hint(429, headers)
        if wait is None or wait <= 0:
            return
        until = time.monotonic() + wait
        with self._lock:
            if until > self._until.get(key, 0.0):
                self._until[key] = until


RATE_LIMIT_GATE = RateLimitGate()


class Attempts:
    """What one call remembers across its retries: whether an earlier attempt may have taken effect.

    After such an uncertain failure, a request with a ``Recovery`` first looks for what it created, and a
    DELETE that now answers 404 is done (the uncertain attempt deleted it). A create that timed out is
    never sent again in the same call: the server may still be working on it, so the hook only keeps
    looking, and in the end fails; a task retry then adopts the resource once it exists.
    """

    def __init__(self, request: Request, timeout: float) -> None:
        self.request = request
        self.timeout = timeout
        self.uncertain = False
        self.settle = 0.0
        self.may_resend = True
        self.existed: frozenset[str] = frozenset()

    def _listing(self) -> Request | None:
        recovery = self.request.recovery
        return None if recovery is None else Request("GET", recovery.path, recovery.path, params=recovery.params)

    def baseline(self) -> Request | None:
        """What to list before the first attempt, when the recovery needs to know what existed already."""
        recovery = self.request.recovery
        return self._listing() if recovery is not None and recovery.baseline else None

    def lookup(self) -> Request | None:
        """What to look at before another attempt, once an earlier one may have taken effect."""
        return self._listing() if self.uncertain else None

    def settle_seconds(self) -> float:
        """After a timeout the server may still be working on the request: give it as long again
        before looking for the result, so the lookup does not miss a create that is still running."""
        settle, self.settle = self.settle, 0.0
        return settle

    def recovered(self, found: Any) -> Any:
        """The adopted resource (transformed like a normal result), or None when nothing was found."""
        assert self.request.recovery is not None
        resource = self.request.recovery.pick(found, self.existed)
        if resource is not None and self.request.transform is not None:
            return self.request.transform(resource)
        return resource

    def check_may_send(self) -> None:
        """Refuse to send a timed-out create again (retryable, so the next attempt looks once more)."""
        if self.may_resend:
            return
        req = self.request
        raise error(
            req,
            "the request timed out and may still complete on the server; it is not sent again, to avoid a "
            "duplicate (a task retry adopts the resource once it exists)",
            None,
            retryable=True,
            uncertain=True,
        )

    def failed(self, err: SupabaseApiError) -> bool:
        """Record a failed attempt; True when it in fact means success."""
        if self.uncertain and self.request.method == "DELETE" and err.status_code == 404:
            return True
        self.uncertain = self.uncertain or err.uncertain
        if err.timed_out and self.request.recovery is not None and not self.request.idempotent:
            self.settle = self.timeout
            self.may_resend = False
        return False
