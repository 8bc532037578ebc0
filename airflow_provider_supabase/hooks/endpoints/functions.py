"""Edge Functions: list, read, create, update, delete, and multipart deploys."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.endpoints._base import EndpointGroup, bool_param, function_path, project_path
from airflow_provider_supabase.hooks.request import Recovery, Request
from airflow_provider_supabase.validation import DEPLOY_SLUG_RE, require_text, validate_slug

if TYPE_CHECKING:
    from airflow_provider_supabase import api_types as api

FUNCTION_QUERY_FIELDS = frozenset({"import_map", "entrypoint_path", "import_map_path", "ezbr_sha256"})


def _found(found: Any, existed: frozenset[str]) -> Any:
    """Recovery pick for a resource addressed by a unique key (a function slug): found means created."""
    return found


def _query(fields: Mapping[str, Any]) -> dict[str, Any] | None:
    query = {k: bool_param(v) if isinstance(v, bool) else v for k, v in fields.items() if k in FUNCTION_QUERY_FIELDS}
    return query or None


def _require_body(body: Any) -> str:
    if not isinstance(body, str) or not body:
        raise SupabaseInputError("body", "must be a non-empty string of function source")
    return body


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


class FunctionEndpoints(EndpointGroup):
    def list_functions(self, ref: str) -> list[api.FunctionResponse]:
        """List a project's Edge Functions.

        :param ref: the project's 20-letter ref.
        :return: the functions: ``slug``, ``name``, ``version``, ``status``, ``verify_jwt``, ``ezbr_sha256``…
        :raises SupabaseApiError: when the API refuses the call.
        """
        return self._run(Request("GET", *project_path(ref, "/functions")))

    def get_function(self, ref: str, slug: str) -> api.FunctionSlugResponse:
        """Read one Edge Function.

        :param ref: the project's 20-letter ref.
        :param slug: the function's slug.
        :return: the function, with ``version`` and ``updated_at``.
        :raises SupabaseApiError: 404 when there is no such function.
        """
        return self._run(Request("GET", *function_path(ref, slug)))

    def get_function_body(self, ref: str, slug: str) -> str:
        """The deployed source of an Edge Function.

        :param ref: the project's 20-letter ref.
        :param slug: the function's slug.
        :return: the body as text.
        :raises SupabaseApiError: 404 when there is no such function.
        """
        return self._run(Request("GET", *function_path(ref, slug, "/body"), expect="text"))

    def create_function(
        self, ref: str, slug: str, name: str, body: str, verify_jwt: bool | None = None, **params: Any
    ) -> api.FunctionResponse:
        """Create an Edge Function from one source string. A lost answer is recognised by reading the slug back.

        :param ref: the project's 20-letter ref.
        :param slug: the new function's slug.
        :param name: its display name.
        :param body: its source.
        :param verify_jwt: require a valid JWT on calls (the API's default when ``None``).
        :param params: ``import_map``, ``entrypoint_path``, ``import_map_path``, ``ezbr_sha256``.
        :return: the function.
        :raises SupabaseInputError: for a bad slug, name, body or parameter, before any request.
        :raises SupabaseApiError: when the API refuses the call (e.g. the slug exists).
        """
        path = project_path(ref, "/functions")
        validate_slug(slug)
        require_text(name, "name")
        _require_body(body)
        unknown = set(params) - FUNCTION_QUERY_FIELDS
        if unknown:
            raise SupabaseInputError(sorted(unknown)[0], "is not a create-function parameter")
        payload: dict[str, Any] = {"slug": slug, "name": name, "body": body}
        if verify_jwt is not None:
            payload["verify_jwt"] = bool(verify_jwt)
        recovery = Recovery(function_path(ref, slug)[0], _found)
        request = Request("POST", *path, json=payload, params=_query(params), idempotent=False, recovery=recovery)
        return self._run(request)

    def update_function(self, ref: str, slug: str, **fields: Any) -> api.FunctionResponse:
        """PATCH an Edge Function's name, body or query fields.

        The API resets ``verify_jwt`` to true when a PATCH omits it, so when ``verify_jwt`` is not given the
        function is read first and its current value is sent along.

        :param ref: the project's 20-letter ref.
        :param slug: the function's slug.
        :param fields: ``name``, ``body``, ``verify_jwt`` and the query fields of ``create_function``.
        :return: the function.
        :raises SupabaseInputError: for an unknown or malformed field, before any request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = function_path(ref, slug)
        unknown = set(fields) - {"name", "body", "verify_jwt"} - FUNCTION_QUERY_FIELDS
        if unknown:
            raise SupabaseInputError(sorted(unknown)[0], "is not an update-function field")
        verify_jwt = fields.get("verify_jwt")
        if verify_jwt is not None and not isinstance(verify_jwt, bool):
            raise SupabaseInputError("verify_jwt", "must be true or false")
        payload: dict[str, Any] = {k: fields[k] for k in ("name", "body") if k in fields}
        if "name" in payload:
            require_text(payload["name"], "name")
        if "body" in payload:
            _require_body(payload["body"])
        return self._run(self._update_function(path, payload, verify_jwt, _query(fields)))

    def _update_function(
        self, path: tuple[str, str], payload: dict[str, Any], verify_jwt: bool | None, query: dict[str, Any] | None
    ) -> Plan:
        if verify_jwt is None:
            current = yield Request("GET", *path)
            verify_jwt = bool((current or {}).get("verify_jwt", True))
        return (yield Request("PATCH", *path, json={**payload, "verify_jwt": verify_jwt}, params=query))

    def delete_function(self, ref: str, slug: str) -> None:
        """Delete an Edge Function. A delete whose answer was lost and that then answers 404 counts as done.

        :param ref: the project's 20-letter ref.
        :param slug: the function's slug.
        :raises SupabaseApiError: 404 when there is no such function.
        """
        return self._run(Request("DELETE", *function_path(ref, slug)))

    def deploy_function(
        self,
        ref: str,
        slug: str,
        files: Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]],
        entrypoint_path: str = "index.ts",
        import_map_path: str | None = None,
        verify_jwt: bool = True,
        name: str | None = None,
    ) -> api.DeployFunctionResponse:
        """Deploy an Edge Function from files (multipart), creating it or adding a version. An upsert keyed by
        slug: repeating it only adds a version, so it is retried like a read.

        :param ref: the project's 20-letter ref.
        :param slug: the function's slug.
        :param files: relative path -> content (bytes or text); paths may not leave the function's folder.
        :param entrypoint_path: the entrypoint, one of ``files``.
        :param import_map_path: the import map, one of ``files``.
        :param verify_jwt: require a valid JWT on calls.
        :param name: display name (the API's default: the slug).
        :return: the deployed function, with its new ``version``.
        :raises SupabaseInputError: for a bad slug (deploy slugs start with a letter), path or file, before any
            request.
        :raises SupabaseApiError: when the API refuses the call.
        """
        path = project_path(ref, "/functions/deploy")
        validate_slug(slug, pattern=DEPLOY_SLUG_RE)
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
        return self._run(
            Request("POST", *path, params={"slug": slug}, data={"metadata": json.dumps(metadata)}, files=multipart)
        )
