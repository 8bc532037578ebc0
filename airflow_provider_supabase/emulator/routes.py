"""The emulated Management API routes: path templates, their methods, and the state handler for each."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

# (template, {method: name of the State handler}).  Literal segments must precede a sibling {parameter} route
# (".../functions/deploy" before ".../functions/{function_slug}") because the first match that allows the
# method wins.
_TABLE: tuple[tuple[str, dict[str, str]], ...] = (
    ("/v1/organizations", {"GET": "list_organizations", "POST": "create_organization"}),
    ("/v1/projects", {"GET": "list_projects", "POST": "create_project"}),
    ("/v1/projects/{ref}", {"GET": "get_project", "DELETE": "delete_project"}),
    ("/v1/projects/{ref}/health", {"GET": "get_health"}),
    ("/v1/projects/{ref}/pause", {"POST": "pause_project"}),
    ("/v1/projects/{ref}/restore", {"POST": "restore_project"}),
    (
        "/v1/projects/{ref}/secrets",
        {"GET": "list_secrets", "POST": "create_secrets", "DELETE": "delete_secrets"},
    ),
    ("/v1/projects/{ref}/types/typescript", {"GET": "get_typescript_types"}),
    ("/v1/projects/{ref}/functions", {"GET": "list_functions", "POST": "create_function"}),
    ("/v1/projects/{ref}/functions/deploy", {"POST": "deploy_function"}),
    (
        "/v1/projects/{ref}/functions/{function_slug}",
        {"GET": "get_function", "PATCH": "update_function", "DELETE": "delete_function"},
    ),
    ("/v1/projects/{ref}/functions/{function_slug}/body", {"GET": "get_function_body"}),
    ("/v1/projects/{ref}/custom-hostname", {"GET": "get_hostname", "DELETE": "delete_hostname"}),
    ("/v1/projects/{ref}/custom-hostname/initialize", {"POST": "initialize_hostname"}),
    ("/v1/projects/{ref}/custom-hostname/reverify", {"POST": "reverify_hostname"}),
    ("/v1/projects/{ref}/custom-hostname/activate", {"POST": "activate_hostname"}),
    ("/v1/projects/{ref}/pgsodium", {"GET": "get_pgsodium", "PUT": "update_pgsodium"}),
    ("/v1/projects/{ref}/api-keys", {"GET": "list_api_keys", "POST": "create_api_key"}),
    (
        "/v1/projects/{ref}/api-keys/{id}",
        {"GET": "get_api_key", "PATCH": "update_api_key", "DELETE": "delete_api_key"},
    ),
    ("/v1/projects/{ref}/config/auth/signing-keys", {"GET": "list_signing_keys", "POST": "create_signing_key"}),
    (
        "/v1/projects/{ref}/config/auth/signing-keys/legacy",
        {"GET": "get_legacy_signing_key", "POST": "create_legacy_signing_key"},
    ),
    (
        "/v1/projects/{ref}/config/auth/signing-keys/{id}",
        {"GET": "get_signing_key", "PATCH": "update_signing_key", "DELETE": "delete_signing_key"},
    ),
    ("/v1/projects/{ref}/database/password", {"PATCH": "update_database_password"}),
    ("/v1/projects/{ref}/network-bans/retrieve", {"POST": "list_network_bans"}),
    ("/v1/projects/{ref}/network-bans", {"DELETE": "delete_network_bans"}),
    ("/v1/projects/{ref}/network-restrictions", {"GET": "get_network_restrictions"}),
    ("/v1/projects/{ref}/network-restrictions/apply", {"POST": "apply_network_restrictions"}),
    ("/v1/projects/{ref}/database/query", {"POST": "run_query"}),
    ("/v1/projects/{ref}/database/query/read-only", {"POST": "run_read_only_query"}),
    ("/v1/projects/{ref}/database/migrations", {"GET": "list_migrations", "POST": "apply_migration"}),
    ("/v1/projects/{ref}/config/auth", {"GET": "get_auth_config", "PATCH": "update_auth_config"}),
    ("/v1/projects/{ref}/postgrest", {"GET": "get_postgrest_config", "PATCH": "update_postgrest_config"}),
    ("/v1/projects/{ref}/config/database/postgres", {"GET": "get_postgres_config", "PUT": "update_postgres_config"}),
    (
        "/v1/projects/{ref}/branches",
        {"GET": "list_branches", "POST": "create_branch", "DELETE": "disable_branching"},
    ),
    ("/v1/projects/{ref}/branches/{name}", {"GET": "get_branch_by_name"}),
    (
        "/v1/branches/{branch_id_or_ref}",
        {"GET": "get_branch_config", "PATCH": "update_branch", "DELETE": "delete_branch"},
    ),
    ("/v1/branches/{branch_id_or_ref}/push", {"POST": "push_branch"}),
    ("/v1/branches/{branch_id_or_ref}/merge", {"POST": "merge_branch"}),
    ("/v1/branches/{branch_id_or_ref}/reset", {"POST": "reset_branch"}),
    ("/v1/branches/{branch_id_or_ref}/restore", {"POST": "restore_branch"}),
    ("/v1/branches/{branch_id_or_ref}/diff", {"GET": "diff_branch"}),
    ("/v1/projects/{ref}/actions", {"GET": "list_action_runs"}),
    ("/v1/projects/{ref}/actions/{run_id}", {"GET": "get_action_run"}),
    ("/v1/projects/{ref}/actions/{run_id}/logs", {"GET": "get_action_run_logs"}),
)

# Served by DatabaseEndpoints outside the emulator's lock rather than by the State under it.
DATABASE_HANDLERS: frozenset[str] = frozenset(
    {"run_query", "run_read_only_query", "list_migrations", "apply_migration"}
)

# Custom-hostname calls reach Cloudflare and get their own, much smaller, rate limit.
HOSTNAME_LIMITED: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/v1/projects/{ref}/custom-hostname/initialize"),
        ("POST", "/v1/projects/{ref}/custom-hostname/reverify"),
        ("DELETE", "/v1/projects/{ref}/custom-hostname"),
    }
)


@dataclass(frozen=True)
class Route:
    template: str
    handlers: dict[str, str]
    pattern: re.Pattern[str]


@dataclass
class RouteMatch:
    """Routing outcome: ``template`` is None for an unknown path, ``handler`` None for a wrong method."""

    template: str | None = None
    handler: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()


# A key id is never "legacy": .../signing-keys/legacy is a resource of its own (and .../api-keys/legacy one the
# emulator does not serve), so a method it does not allow gets 405 instead of falling through to the key route.
_PARAMETER_PATTERNS = {"id": r"(?!legacy$)[^/]+"}


def _compile(template: str) -> re.Pattern[str]:
    def parameter(found: re.Match[str]) -> str:
        name = found.group(1)
        return f"(?P<{name}>{_PARAMETER_PATTERNS.get(name, '[^/]+')})"

    regex = re.sub(r"\\{(\w+)\\}", parameter, re.escape(template))
    return re.compile(f"^{regex}$")


ROUTES: tuple[Route, ...] = tuple(Route(t, h, _compile(t)) for t, h in _TABLE)


def match_route(method: str, path: str) -> RouteMatch:
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    first: RouteMatch | None = None
    allowed: list[str] = []
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is None:
            continue
        params = {k: unquote(v) for k, v in found.groupdict().items()}
        handler = route.handlers.get(method)
        if handler is not None:
            return RouteMatch(route.template, handler, params, tuple(route.handlers))
        allowed.extend(m for m in route.handlers if m not in allowed)
        if first is None:
            first = RouteMatch(route.template, None, params)
    if first is None:
        return RouteMatch()
    first.allowed = tuple(allowed)
    return first
