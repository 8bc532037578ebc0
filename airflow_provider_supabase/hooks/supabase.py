"""SupabaseHook (requests) and SupabaseAsyncHook (httpx): one method per Management API endpoint.

Every endpoint is described once, in ``_Endpoints``, as a ``Request``; each hook only knows how to send
one. Both send through the same ``RetryPolicy``, response interpretation and rate-limit gate.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.compat import BaseHook, aget_connection
from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks._client import (
    RATE_LIMIT_GATE,
    Attempts,
    ClientSettings,
    Recovery,
    Request,
    identities,
    interpret,
    settings_from_connection,
    transport_error,
)
from airflow_provider_supabase.hooks.retry import RetryPolicy
from airflow_provider_supabase.validation import (
    normalize_secrets,
    require_text,
    validate_cidrs,
    validate_hostname,
    validate_instance_size,
    validate_ipv4_addresses,
    validate_plan,
    validate_ref,
    validate_region,
    validate_region_selection,
    validate_root_key,
    validate_secret_name,
    validate_services,
    validate_slug,
)

if TYPE_CHECKING:
    import httpx
    import requests

PROJECT_EXTRA_FIELDS = frozenset({"kps_enabled", "template_url", "release_channel", "postgres_engine"})
FUNCTION_QUERY_FIELDS = frozenset({"import_map", "entrypoint_path", "import_map_path", "ezbr_sha256"})


def _project_path(ref: Any, suffix: str = "") -> tuple[str, str]:
    return f"/v1/projects/{validate_ref(ref)}{suffix}", f"/v1/projects/{{ref}}{suffix}"


def _function_path(ref: Any, slug: Any, suffix: str = "") -> tuple[str, str]:
    path = _project_path(ref, f"/functions/{validate_slug(slug)}{suffix}")[0]
    return path, f"/v1/projects/{{ref}}/functions/{{function_slug}}{suffix}"


def _bool_param(value: bool) -> str:
    return "true" if value else "false"


def _newest_named(name: str, organization: str | None = None):
    """Recovery pick: the newest listed resource with this name that did not exist before the call (in this
    organization, for projects: the same name may exist in another organization the token can see)."""

    def pick(items: Any, existed: frozenset[str]) -> Any:
        found = [
            item
            for item in items or []
            if item.get("name") == name
            and identities([item]).isdisjoint(existed)
            and (organization is None or organization in (item.get("organization_slug"), item.get("organization_id")))
        ]
        found.sort(key=lambda item: str(item.get("created_at") or ""))
        return found[-1] if found else None

    return pick


def _found(found: Any, existed: frozenset[str]) -> Any:
    """Recovery pick for a resource addressed by a unique key (a function slug): found means created."""
    return found


def _activated(found: Any, existed: frozenset[str]) -> Any:
    """Recovery pick for activate: a second activate is refused once active, so active means done."""
    return found if isinstance(found, Mapping) and found.get("status") == "5_services_reconfigured" else None


def _check_update_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - {"name", "body", "verify_jwt"} - FUNCTION_QUERY_FIELDS
    if unknown:
        raise SupabaseInputError(sorted(unknown)[0], "is not an update-function field")


def _deploy_files(files: Any) -> dict[str, bytes]:
    """Normalize deploy sources to relative POSIX path -> bytes, refusing unsafe paths."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(files, Mapping):
        items = files.items()
    elif isinstance(files, (list, tuple)):
        items = files
    else:
        raise SupabaseInputError("files", "must be a mapping of relative path -> content")
    result: dict[str, bytes] = {}
    for path, content in items:
        if not isinstance(path, str) or not path:
            raise SupabaseInputError("files", f"file path {path!r} must be a non-empty string")
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts:
            raise SupabaseInputError("files", f"file path {path!r} must be relative and stay inside the function")
        if isinstance(content, str):
            content = content.encode()
        if not isinstance(content, (bytes, bytearray)):
            raise SupabaseInputError("files", f"content of {path!r} must be bytes or str")
        result[str(pure)] = bytes(content)
    if not result:
        raise SupabaseInputError("files", "no files to deploy")
    return result


class _Endpoints:
    """One method per endpoint. Each validates its input, then hands a ``Request`` to ``_run``, which the
    sync hook answers with a value and the async hook with an awaitable."""

    def _run(self, request: Request) -> Any:
        raise NotImplementedError

    # Organizations ---------------------------------------------------------------------------
    def list_organizations(self) -> Any:
        return self._run(Request("GET", "/v1/organizations", "/v1/organizations"))

    def create_organization(self, name: str) -> Any:
        require_text(name, "name")
        return self._run(
            Request(
                "POST",
                "/v1/organizations",
                "/v1/organizations",
                json={"name": name},
                idempotent=False,
                recovery=Recovery("/v1/organizations", _newest_named(name), baseline=True),
            )
        )

    # Projects --------------------------------------------------------------------------------
    def list_projects(self) -> Any:
        return self._run(Request("GET", "/v1/projects", "/v1/projects"))

    def create_project(
        self,
        name: str,
        organization_id: str | None = None,
        db_pass: str | None = None,
        region: str | None = None,
        plan: str | None = "free",
        *,
        organization_slug: str | None = None,
        region_selection: Mapping[str, str] | None = None,
        desired_instance_size: str | None = None,
        **extra: Any,
    ) -> Any:
        require_text(name, "name")
        org = organization_slug or organization_id
        require_text(org, "organization_id / organization_slug")
        if not isinstance(db_pass, str) or not db_pass:
            raise SupabaseInputError("db_pass", "must be a non-empty string")
        unknown = set(extra) - PROJECT_EXTRA_FIELDS
        if unknown:
            raise SupabaseInputError(sorted(unknown)[0], "is not a create-project field this API accepts")
        body: dict[str, Any] = {"name": name, "db_pass": db_pass, "organization_slug": org}
        if organization_id:
            body["organization_id"] = organization_id  # the seed edition of the API requires it
        if region_selection is not None:
            if region is not None:
                raise SupabaseInputError("region", "give region or region_selection, not both")
            body["region_selection"] = validate_region_selection(region_selection)
        else:
            body["region"] = validate_region(region)
        if plan is not None:
            body["plan"] = validate_plan(plan)
        if desired_instance_size is not None:
            body["desired_instance_size"] = validate_instance_size(desired_instance_size)
        body.update(extra)
        return self._run(
            Request(
                "POST",
                "/v1/projects",
                "/v1/projects",
                json=body,
                idempotent=False,
                recovery=Recovery("/v1/projects", _newest_named(name, org), baseline=True),
            )
        )

    def get_project(self, ref: str) -> Any:
        return self._run(Request("GET", *_project_path(ref)))

    def get_project_health(self, ref: str, services: Iterable[str] | str = ("db",)) -> Any:
        path = _project_path(ref, "/health")
        return self._run(Request("GET", *path, params={"services": validate_services(services)}))

    # Secrets ---------------------------------------------------------------------------------
    def list_secrets(self, ref: str) -> Any:
        return self._run(Request("GET", *_project_path(ref, "/secrets")))

    def create_secrets(self, ref: str, secrets: Mapping[str, str] | Iterable[Mapping[str, str]]) -> Any:
        path = _project_path(ref, "/secrets")
        body = [{"name": k, "value": v} for k, v in normalize_secrets(secrets).items()]
        # A bulk upsert: sending it twice leaves the same state, so it may be retried after a drop.
        return self._run(Request("POST", *path, json=body))

    def delete_secrets(self, ref: str, names: Iterable[str]) -> Any:
        path = _project_path(ref, "/secrets")
        if isinstance(names, str):
            raise SupabaseInputError("names", "must be a list of secret names, not a single string")
        body = [validate_secret_name(n, "names") for n in names]
        return self._run(Request("DELETE", *path, json=body))

    # Types -----------------------------------------------------------------------------------
    def generate_typescript_types(self, ref: str, included_schemas: Iterable[str] | str | None = None) -> Any:
        path = _project_path(ref, "/types/typescript")
        params = None
        if included_schemas:
            schemas = included_schemas if isinstance(included_schemas, str) else ",".join(included_schemas)
            params = {"included_schemas": schemas}
        return self._run(Request("GET", *path, params=params, transform=lambda r: r["types"]))

    # Edge Functions --------------------------------------------------------------------------
    def list_functions(self, ref: str) -> Any:
        return self._run(Request("GET", *_project_path(ref, "/functions")))

    def get_function(self, ref: str, slug: str) -> Any:
        return self._run(Request("GET", *_function_path(ref, slug)))

    def get_function_body(self, ref: str, slug: str) -> Any:
        return self._run(Request("GET", *_function_path(ref, slug, "/body"), expect="text"))

    def create_function(
        self, ref: str, slug: str, name: str, body: str, verify_jwt: bool | None = None, **params: Any
    ) -> Any:
        path = _project_path(ref, "/functions")
        validate_slug(slug)
        require_text(name, "name")
        if not isinstance(body, str) or not body:
            raise SupabaseInputError("body", "must be a non-empty string of function source")
        unknown = set(params) - FUNCTION_QUERY_FIELDS
        if unknown:
            raise SupabaseInputError(sorted(unknown)[0], "is not a create-function parameter")
        payload: dict[str, Any] = {"slug": slug, "name": name, "body": body}
        if verify_jwt is not None:
            payload["verify_jwt"] = bool(verify_jwt)
        query = {k: _bool_param(v) if isinstance(v, bool) else v for k, v in params.items()}
        fn_path = _function_path(ref, slug)[0]
        return self._run(
            Request(
                "POST",
                *path,
                json=payload,
                params=query or None,
                idempotent=False,
                recovery=Recovery(fn_path, _found),
            )
        )

    def update_function(self, ref: str, slug: str, **fields: Any) -> Any:
        """PATCH a function. ``verify_jwt`` must be given here: the API resets it to true when a PATCH
        omits it (the sync hook fills it in from the deployed function)."""
        path = _function_path(ref, slug)
        _check_update_fields(fields)
        if not isinstance(fields.get("verify_jwt"), bool):
            raise SupabaseInputError("verify_jwt", "must be given as true or false on every update")
        payload = {k: fields[k] for k in ("name", "body", "verify_jwt") if k in fields}
        if "name" in payload:
            require_text(payload["name"], "name")
        if "body" in payload and (not isinstance(payload["body"], str) or not payload["body"]):
            raise SupabaseInputError("body", "must be a non-empty string of function source")
        query = {
            k: _bool_param(v) if isinstance(v, bool) else v for k, v in fields.items() if k in FUNCTION_QUERY_FIELDS
        }
        return self._run(Request("PATCH", *path, json=payload, params=query or None))

    def delete_function(self, ref: str, slug: str) -> Any:
        return self._run(Request("DELETE", *_function_path(ref, slug)))

    def deploy_function(
        self,
        ref: str,
        slug: str,
        files: Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]],
        entrypoint_path: str = "index.ts",
        import_map_path: str | None = None,
        verify_jwt: bool = True,
        name: str | None = None,
    ) -> Any:
        path = _project_path(ref, "/functions/deploy")
        validate_slug(slug)
        sources = _deploy_files(files)
        if entrypoint_path not in sources:
            raise SupabaseInputError("entrypoint_path", f"{entrypoint_path!r} is not among the files to deploy")
        metadata: dict[str, Any] = {"entrypoint_path": entrypoint_path, "verify_jwt": bool(verify_jwt)}
        if import_map_path is not None:
            if import_map_path not in sources:
                raise SupabaseInputError("import_map_path", f"{import_map_path!r} is not among the files to deploy")
            metadata["import_map_path"] = import_map_path
        if name is not None:
            metadata["name"] = require_text(name, "name")
        multipart = [("file", (p, content, "application/octet-stream")) for p, content in sorted(sources.items())]
        # Deploy is an upsert keyed by slug: a repeat only bumps the version, so it is safe to retry.
        return self._run(
            Request("POST", *path, params={"slug": slug}, data={"metadata": json.dumps(metadata)}, files=multipart)
        )

    # Custom hostname -------------------------------------------------------------------------
    def get_custom_hostname(self, ref: str) -> Any:
        return self._run(Request("GET", *_project_path(ref, "/custom-hostname")))

    def delete_custom_hostname(self, ref: str) -> Any:
        return self._run(Request("DELETE", *_project_path(ref, "/custom-hostname")))

    def initialize_custom_hostname(self, ref: str, custom_hostname: str) -> Any:
        path = _project_path(ref, "/custom-hostname/initialize")
        return self._run(Request("POST", *path, json={"custom_hostname": validate_hostname(custom_hostname)}))

    def reverify_custom_hostname(self, ref: str) -> Any:
        return self._run(Request("POST", *_project_path(ref, "/custom-hostname/reverify")))

    def activate_custom_hostname(self, ref: str) -> Any:
        path = _project_path(ref, "/custom-hostname/activate")
        lookup = _project_path(ref, "/custom-hostname")[0]
        return self._run(Request("POST", *path, recovery=Recovery(lookup, _activated)))

    # pgsodium --------------------------------------------------------------------------------
    def get_pgsodium_config(self, ref: str) -> Any:
        return self._run(Request("GET", *_project_path(ref, "/pgsodium")))

    def update_pgsodium_config(self, ref: str, root_key: str) -> Any:
        path = _project_path(ref, "/pgsodium")
        return self._run(Request("PUT", *path, json={"root_key": validate_root_key(root_key)}))

    # Network bans and restrictions -----------------------------------------------------------
    def get_network_bans(self, ref: str) -> Any:
        # A POST that only reads, so repeating it is harmless.
        return self._run(Request("POST", *_project_path(ref, "/network-bans/retrieve")))

    def remove_network_bans(self, ref: str, ipv4_addresses: Iterable[str]) -> Any:
        path = _project_path(ref, "/network-bans")
        body = {"ipv4_addresses": validate_ipv4_addresses(ipv4_addresses)}
        return self._run(Request("DELETE", *path, json=body))

    def get_network_restrictions(self, ref: str) -> Any:
        return self._run(Request("GET", *_project_path(ref, "/network-restrictions")))

    def apply_network_restrictions(
        self, ref: str, db_allowed_cidrs: Iterable[str], db_allowed_cidrs_v6: Iterable[str] | None = None
    ) -> Any:
        path = _project_path(ref, "/network-restrictions/apply")
        body: dict[str, Any] = {"dbAllowedCidrs": validate_cidrs(db_allowed_cidrs, 4, "db_allowed_cidrs")}
        if db_allowed_cidrs_v6 is not None:
            body["dbAllowedCidrsV6"] = validate_cidrs(db_allowed_cidrs_v6, 6, "db_allowed_cidrs_v6")
        return self._run(Request("POST", *path, json=body))


class _ConnectionMixin:
    conn_name_attr = "supabase_conn_id"
    default_conn_name = "supabase_default"
    conn_type = "supabase"
    hook_name = "Supabase"

    def _init_options(
        self,
        supabase_conn_id: str,
        timeout: float | None,
        max_retries: int | None,
        retry_max_wait: float | None,
    ) -> None:
        self.supabase_conn_id = supabase_conn_id
        self._timeout, self._max_retries, self._retry_max_wait = timeout, max_retries, retry_max_wait
        self._settings: ClientSettings | None = None
        self._policy: RetryPolicy | None = None

    def _configure(self, conn: Any) -> ClientSettings:
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

    def _gate_key(self, settings: ClientSettings, request: Request) -> tuple[str, str, str]:
        return (f"{settings.base_url}#{settings.token_id}", request.method, request.template)

    def _gate_delay(self, settings: ClientSettings, request: Request) -> float:
        return min(RATE_LIMIT_GATE.delay(self._gate_key(settings, request)), settings.retry_max_wait)

    def __repr__(self) -> str:
        base = self._settings.base_url if self._settings is not None else "(not connected)"
        return f"<{type(self).__name__} conn_id={self.supabase_conn_id!r} url={base}>"


class SupabaseHook(_ConnectionMixin, _Endpoints, BaseHook):
    """Synchronous hook: ``requests`` with one reused session per hook.

    :param supabase_conn_id: Airflow connection of type ``supabase`` (token in the password field).
    :param timeout: seconds per request; overrides the connection extra ``timeout`` (default 30).
    :param max_retries: retries after the first attempt; overrides the extra (default 5).
    :param retry_max_wait: longest single wait between retries in seconds; overrides the extra (default 60).
    """

    def __init__(
        self,
        supabase_conn_id: str = "supabase_default",
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_max_wait: float | None = None,
    ) -> None:
        super().__init__()
        self._init_options(supabase_conn_id, timeout, max_retries, retry_max_wait)
        self._session: requests.Session | None = None

    # Airflow < 3.2 builds the connection form only from these methods, and only when the registered hook class
    # defines them itself (ProvidersManager checks the class __dict__): on the mixin they would never be read.
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form for Airflow < 3.2, in the classmethod spelling (3.2+ reads provider info)."""
        from airflow_provider_supabase import get_provider_info

        behaviour = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
        return {key.replace("-", "_"): value for key, value in behaviour.items()}

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields for Airflow < 3.2's connection form."""
        try:
            from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
            from flask_babel import lazy_gettext
            from wtforms import StringField
        except ImportError:  # Airflow 3.2+ has no FAB form; conn-fields in provider info replace this
            return {}
        from airflow_provider_supabase import get_provider_info

        fields = get_provider_info()["connection-types"][0]["conn-fields"]
        return {
            key: StringField(lazy_gettext(spec["label"]), widget=BS3TextFieldWidget()) for key, spec in fields.items()
        }

    @property
    def settings(self) -> ClientSettings:
        if self._settings is None:
            self._configure(self.get_connection(self.supabase_conn_id))
        assert self._settings is not None
        return self._settings

    def get_conn(self) -> requests.Session:
        """The hook's ``requests.Session``, created once and reused for every call."""
        if self._session is None:
            import requests

            settings = self.settings
            session = requests.Session()
            session.headers.update(settings.headers)
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _send(self, request: Request) -> Any:
        import requests

        settings = self.settings
        session = self.get_conn()
        wait = self._gate_delay(settings, request)
        if wait > 0:
            time.sleep(wait)
        try:
            response = session.request(
                request.method,
                settings.base_url + request.path,
                params=request.params,
                json=request.json,
                data=request.data,
                files=request.files,
                timeout=(min(10.0, settings.timeout), settings.timeout),
                allow_redirects=False,
                # Per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify.
                verify=settings.verify,
            )
        except (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError) as exc:
            raise transport_error(request, exc, sent=False) from None
        except requests.exceptions.ConnectionError as exc:
            raise transport_error(request, exc, sent=not _never_connected(exc)) from None
        except requests.exceptions.Timeout as exc:
            raise transport_error(request, exc, sent=True, timed_out=True) from None
        except requests.exceptions.RequestException as exc:
            raise transport_error(request, exc, sent=True) from None
        RATE_LIMIT_GATE.observe(self._gate_key(settings, request), response.status_code, response.headers)
        return interpret(request, response.status_code, response.headers, response.content)

    def _lookup(self, attempts: Attempts) -> Any:
        lookup = attempts.lookup()
        if lookup is None:
            return None
        time.sleep(attempts.settle_seconds())
        try:
            found = self._send(lookup)
        except SupabaseApiError as err:
            if err.status_code != 404:
                raise
            found = None
        adopted = attempts.recovered(found)
        if adopted is not None:
            self.log.info(
                "%s %s had taken effect before the connection failed; adopting the existing resource "
                "instead of sending it again",
                attempts.request.method,
                attempts.request.path,
            )
        return adopted

    def _run(self, request: Request) -> Any:
        settings = self.settings  # reads the connection and builds the retry policy once
        assert self._policy is not None
        attempts = Attempts(request, settings.timeout)
        baseline = attempts.baseline()
        if baseline is not None:
            attempts.existed = identities(self._run(baseline))
        for attempt in self._policy.retrying(self.log):
            with attempt:
                adopted = self._lookup(attempts)
                if adopted is not None:
                    return adopted
                attempts.check_may_send()
                try:
                    return self._send(request)
                except SupabaseApiError as err:
                    if attempts.failed(err):
                        return None
                    raise
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def update_function(self, ref: str, slug: str, **fields: Any) -> Any:
        """PATCH a function; when ``verify_jwt`` is not given, the deployed value is kept (read first),
        because the API would otherwise reset it to true."""
        if fields.get("verify_jwt") is None:
            _check_update_fields(fields)
            validate_ref(ref)
            validate_slug(slug)
            fields["verify_jwt"] = bool(self.get_function(ref, slug).get("verify_jwt", True))
        return super().update_function(ref, slug, **fields)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap GET: list the organizations the token can see."""
        try:
            orgs = self.list_organizations()
        except SupabaseApiError as err:
            return False, err.api_message
        except Exception as err:
            return False, str(err)
        return True, f"Connected to {self.settings.base_url}: {len(orgs or [])} organization(s) visible"


def _never_connected(exc: BaseException) -> bool:
    """True when requests failed before the request could reach the server (refused, DNS, ...)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name in {
            "NewConnectionError",
            "ConnectionRefusedError",
            "NameResolutionError",
            "ConnectTimeoutError",
        }:
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        if current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
            continue
        current = current.__cause__ or current.__context__
    return False


@functools.lru_cache(maxsize=8)
def _ssl_context(verify: bool | str) -> Any:
    """One SSL context per verify setting, shared by every async client of the process.

    httpx builds a context and loads the CA bundle for each new client: ~20 ms of CPU and ~0.8 MB, on the
    event loop. A triggerer starting hundreds of triggers would stall for seconds (bench/README.md).
    """
    import httpx

    return httpx.create_ssl_context(verify=verify)


class SupabaseAsyncHook(_ConnectionMixin, _Endpoints, BaseHook):
    """Async twin for triggers: httpx, the async connection API, the same endpoints and retry policy.

    Every endpoint method returns an awaitable. Use ``async with SupabaseAsyncHook(...) as hook``
    (or call ``aclose()``) so the client's connections are released.
    """

    def __init__(
        self,
        supabase_conn_id: str = "supabase_default",
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        retry_max_wait: float | None = None,
    ) -> None:
        super().__init__()
        self._init_options(supabase_conn_id, timeout, max_retries, retry_max_wait)
        self._client: httpx.AsyncClient | None = None

    async def asettings(self) -> ClientSettings:
        if self._settings is None:
            self._configure(await aget_connection(self, self.supabase_conn_id))
        assert self._settings is not None
        return self._settings

    async def get_async_client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            settings = await self.asettings()
            self._client = httpx.AsyncClient(
                headers=settings.headers,
                verify=_ssl_context(settings.verify),
                timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> SupabaseAsyncHook:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(self, request: Request) -> Any:
        import httpx

        settings = await self.asettings()
        client = await self.get_async_client()
        wait = self._gate_delay(settings, request)
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            response = await client.request(
                request.method,
                settings.base_url + request.path,
                params=request.params,
                json=request.json,
                data=request.data,
                files=request.files,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise transport_error(request, exc, sent=False) from None
        except httpx.TimeoutException as exc:
            raise transport_error(request, exc, sent=True, timed_out=True) from None
        except httpx.HTTPError as exc:
            raise transport_error(request, exc, sent=True) from None
        RATE_LIMIT_GATE.observe(self._gate_key(settings, request), response.status_code, response.headers)
        return interpret(request, response.status_code, response.headers, response.content)

    async def _lookup(self, attempts: Attempts) -> Any:
        lookup = attempts.lookup()
        if lookup is None:
            return None
        await asyncio.sleep(attempts.settle_seconds())
        try:
            found = await self._send(lookup)
        except SupabaseApiError as err:
            if err.status_code != 404:
                raise
            found = None
        return attempts.recovered(found)

    async def _run(self, request: Request) -> Any:  # type: ignore[override]
        settings = await self.asettings()
        assert self._policy is not None
        attempts = Attempts(request, settings.timeout)
        baseline = attempts.baseline()
        if baseline is not None:
            attempts.existed = identities(await self._run(baseline))
        async for attempt in self._policy.async_retrying(self.log):
            with attempt:
                adopted = await self._lookup(attempts)
                if adopted is not None:
                    return adopted
                attempts.check_may_send()
                try:
                    return await self._send(request)
                except SupabaseApiError as err:
                    if attempts.failed(err):
                        return None
                    raise
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover
