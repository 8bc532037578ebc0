"""What every endpoint group shares: how a method hands its request (or plan) to the hook, and the path helpers."""

from __future__ import annotations

from typing import Any

from airflow_provider_supabase.hooks.call import Plan
from airflow_provider_supabase.hooks.request import Request
from airflow_provider_supabase.validation import validate_ref, validate_slug


class EndpointGroup:
    """Base of the endpoint groups. A method validates its input, builds a ``Request`` (or a ``Plan`` of several)
    and returns ``self._run(...)``: a value on ``SupabaseHook``, an awaitable on ``SupabaseAsyncHook``."""

    def _run(self, plan: Request | Plan) -> Any:
        raise NotImplementedError


def project_path(ref: Any, suffix: str = "") -> tuple[str, str]:
    """The path of a project sub-resource, and its template (the rate-limit key)."""
    return f"/v1/projects/{validate_ref(ref)}{suffix}", f"/v1/projects/{{ref}}{suffix}"


def function_path(ref: Any, slug: Any, suffix: str = "") -> tuple[str, str]:
    path = project_path(ref, f"/functions/{validate_slug(slug)}{suffix}")[0]
    return path, f"/v1/projects/{{ref}}/functions/{{function_slug}}{suffix}"


def bool_param(value: bool) -> str:
    return "true" if value else "false"
