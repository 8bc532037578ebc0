"""Fault matrix: every endpoint kind under every fault the emulator can inject, through the sync and async hooks.

One fault (the API's bad minute) must be survived: the call returns what a fault-free call returns, creates no
duplicate, and leaves the emulator's whole state (and, for the SQL endpoints, the project's database) as a
fault-free run of the same call leaves it. An outage longer than the retries must fail with a clear
``SupabaseApiError`` and leave nothing half-applied.

SQL that writes, sent without an ``Idempotency-Key`` (``run_query`` of DDL, ``apply_migration`` without a key), is
the one exception, by design: after a failure that may have reached the server, nothing can tell the client whether
it ran, and running it again could apply it twice (an ``insert``) or fail where the first run succeeded (a
``create table``). Those calls survive what is refused before any work (429) and otherwise fail at once with an
``uncertain`` error and no second send, leaving the database as before the call or as one fault-free run leaves it,
never beyond (``test_one_fault_on_sql_that_writes_is_never_sent_twice``). Callers that need the same guarantee as
every other endpoint have it: ``apply_migration`` with an ``Idempotency-Key``, and ``ApplyMigrationsOperator``,
whose files each run in one transaction with their ledger row, so a task retry reads the ledger and goes on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook, SupabaseHook
from tests.reliability._support import names, normalise, record, wait_for_in_flight

DB_PASS = "matrix-db-pass-0123"
DB_PASS_ROTATED = "matrix-rotated-Pass-4567"
ROOT_KEY = "ab" * 32
HOSTNAME = "api.example.com"
BODY_V1 = "Deno.serve(() => new Response('v1'))"
BODY_V2 = "Deno.serve(() => new Response('v2'))"
DEPLOY_FILES = {"index.ts": "import { hi } from './lib/hi.ts'\nDeno.serve(hi)\n", "lib/hi.ts": "export const hi = 1\n"}
# The client gives up after TIMEOUT; the server applies the request after DELAY all the same (a slow server). A
# create's recovery waits TIMEOUT again before looking for what it created, so DELAY < 2 * TIMEOUT is adopted.
TIMEOUT = 0.4
DELAY = 0.55
MAX_RETRIES_FOR_OUTAGE = 2
SETUP_TIMEOUT = 60.0


# Setups: the state each call starts from (built through the emulator and a fault-free hook). ------------------
def _org(emu, hook) -> dict[str, str]:
    return {"org": emu.seed_organization("Acme")["slug"]}


def _project(emu, hook) -> dict[str, str]:
    ctx = _org(emu, hook)
    ctx["ref"] = emu.seed_project("acme-prod", ctx["org"])["ref"]
    return ctx


def _with_secrets(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    hook.create_secrets(ctx["ref"], {"KEEP": "keep-value", "OLD": "old-value", "GONE": "gone-value"})
    return ctx


def _with_function(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    hook.create_function(ctx["ref"], "hello", "Hello", BODY_V1, verify_jwt=False)
    return ctx


def _hostname_at(step: int) -> Callable[[Any, SupabaseHook], dict[str, str]]:
    def setup(emu, hook) -> dict[str, str]:
        ctx = _project(emu, hook)
        hook.initialize_custom_hostname(ctx["ref"], HOSTNAME)
        for _ in range(step - 2):
            hook.reverify_custom_hostname(ctx["ref"])
        return ctx

    return setup


def _paused(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    emu.set_project_status(ctx["ref"], "INACTIVE")
    return ctx


def _nothing(emu, hook) -> dict[str, str]:
    return {}


def _with_api_key(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    ctx["key"] = hook.create_api_key(ctx["ref"], "secret", "ci_key")["id"]
    return ctx


def _with_standby_key(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    ctx["legacy"] = hook.create_legacy_signing_key(ctx["ref"])["id"]
    ctx["standby"] = hook.create_signing_key(ctx["ref"], "ES256")["id"]
    return ctx


def _with_revoked_key(emu, hook) -> dict[str, str]:
    ctx = _with_standby_key(emu, hook)
    hook.update_signing_key(ctx["ref"], ctx["standby"], "in_use")
    hook.update_signing_key(ctx["ref"], ctx["legacy"], "revoked")
    return ctx


def _with_branch(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    branch = hook.create_branch(ctx["ref"], "feature-login")
    ctx.update(branch_id=branch["id"], branch_ref=branch["project_ref"])
    return ctx


def _with_table(emu, hook) -> dict[str, str]:
    ctx = _project(emu, hook)
    hook.run_query(ctx["ref"], EVENTS_TABLE)
    return ctx


def _with_migration(emu, hook) -> dict[str, str]:
    ctx = _with_table(emu, hook)
    hook.apply_migration(ctx["ref"], "insert into public.events (name) values ('first')", "first")
    return ctx


EVENTS_TABLE = (
    "create table public.events (id bigint generated always as identity primary key, name text not null);"
    "insert into public.events (name) values ('seeded')"
)
# The database as the matrix compares it: the tables of ``public``, the rows of ``events``, and the migration
# history without its versions (the API numbers a migration by the clock).
DATABASE_STATE = """select (select coalesce(json_agg(c.relname order by c.relname), '[]')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r') as tables,
       (select coalesce(json_agg(name order by id), '[]') from public.events) as events"""


def database_state(ref: str) -> dict[str, Any]:
    """The project's database, read with a fault-free hook (read-only: it changes nothing it looks at)."""
    hook = SupabaseHook(timeout=SETUP_TIMEOUT, max_retries=0)
    try:
        [state] = hook.run_query(ref, DATABASE_STATE, read_only=True)
        state["migrations"] = [m.get("name") for m in hook.list_migrations(ref)]
    finally:
        hook.close()
    return state


@dataclass(frozen=True)
class Call:
    name: str
    kind: str  # the endpoint kind, as the report groups them
    method: str  # the faulted request
    template: str
    run: Callable[[Any, dict[str, str]], Any]
    check: Callable[[Any, dict[str, str]], bool]
    setup: Callable[[Any, SupabaseHook], dict[str, str]] = _project
    creates: str | None = None  # the state table a duplicate would show up in
    chosen: tuple[str, ...] = field(default=())  # values the call sets that the normaliser must not hide
    database: bool = False  # compare the project's database too (its setup made ``public.events``)


CALLS = [
    Call(
        "list_projects",
        "list",
        "GET",
        "/v1/projects",
        lambda h, c: h.list_projects(),
        lambda r, c: [p["name"] for p in r] == ["acme-prod"],
    ),
    Call(
        "get_project",
        "get",
        "GET",
        "/v1/projects/{ref}",
        lambda h, c: h.get_project(c["ref"]),
        lambda r, c: r["ref"] == c["ref"],
    ),
    Call(
        "create_organization",
        "create",
        "POST",
        "/v1/organizations",
        lambda h, c: h.create_organization("Initech"),
        lambda r, c: r["name"] == "Initech",
        setup=_nothing,
        creates="organizations",
    ),
    Call(
        "create_project",
        "create",
        "POST",
        "/v1/projects",
        lambda h, c: h.create_project("web", organization_slug=c["org"], db_pass=DB_PASS, region="eu-west-1"),
        lambda r, c: r["name"] == "web" and r["organization_slug"] == c["org"],
        setup=_org,
        creates="projects",
        chosen=(DB_PASS,),
    ),
    Call(
        "create_function",
        "create",
        "POST",
        "/v1/projects/{ref}/functions",
        lambda h, c: h.create_function(c["ref"], "hello", "Hello", BODY_V1, verify_jwt=False),
        lambda r, c: r["slug"] == "hello" and r["verify_jwt"] is False,
        creates="functions",
    ),
    Call(
        "create_secrets",
        "bulk upsert",
        "POST",
        "/v1/projects/{ref}/secrets",
        lambda h, c: h.create_secrets(c["ref"], {"OLD": "new-value", "NEW": "brand-new-value"}),
        lambda r, c: r is None,
        setup=_with_secrets,
    ),
    Call(
        "delete_secrets",
        "bulk delete",
        "DELETE",
        "/v1/projects/{ref}/secrets",
        lambda h, c: h.delete_secrets(c["ref"], ["OLD", "GONE"]),
        lambda r, c: True,
        setup=_with_secrets,
    ),
    Call(
        "update_function",
        "update (PATCH)",
        "PATCH",
        "/v1/projects/{ref}/functions/{function_slug}",
        lambda h, c: h.update_function(c["ref"], "hello", body=BODY_V2, verify_jwt=False),
        lambda r, c: r["slug"] == "hello" and r["verify_jwt"] is False,
        setup=_with_function,
    ),
    Call(
        "update_pgsodium_config",
        "update (PUT)",
        "PUT",
        "/v1/projects/{ref}/pgsodium",
        lambda h, c: h.update_pgsodium_config(c["ref"], ROOT_KEY),
        lambda r, c: r["root_key"] == ROOT_KEY,
        chosen=(ROOT_KEY,),
    ),
    Call(
        "deploy_function",
        "deploy",
        "POST",
        "/v1/projects/{ref}/functions/deploy",
        lambda h, c: h.deploy_function(c["ref"], "hello-world", DEPLOY_FILES, verify_jwt=False),
        lambda r, c: r["slug"] == "hello-world" and r["verify_jwt"] is False,
        creates="functions",
    ),
    Call(
        "initialize_custom_hostname",
        "hostname step",
        "POST",
        "/v1/projects/{ref}/custom-hostname/initialize",
        lambda h, c: h.initialize_custom_hostname(c["ref"], HOSTNAME),
        lambda r, c: r["status"] == "2_initiated" and r["custom_hostname"] == HOSTNAME,
    ),
    Call(
        "reverify_custom_hostname",
        "hostname step",
        "POST",
        "/v1/projects/{ref}/custom-hostname/reverify",
        lambda h, c: h.reverify_custom_hostname(c["ref"]),
        lambda r, c: r["status"] == "4_origin_setup_completed",
        setup=_hostname_at(3),
    ),
    Call(
        "activate_custom_hostname",
        "hostname step",
        "POST",
        "/v1/projects/{ref}/custom-hostname/activate",
        lambda h, c: h.activate_custom_hostname(c["ref"]),
        lambda r, c: r["status"] == "5_services_reconfigured",
        setup=_hostname_at(4),
    ),
    Call(
        "apply_network_restrictions",
        "network apply",
        "POST",
        "/v1/projects/{ref}/network-restrictions/apply",
        lambda h, c: h.apply_network_restrictions(c["ref"], ["203.0.113.0/24"], ["2001:db8::/32"]),
        lambda r, c: r["config"] == {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": ["2001:db8::/32"]},
    ),
    Call(
        "update_auth_config",
        "update (PATCH)",
        "PATCH",
        "/v1/projects/{ref}/config/auth",
        lambda h, c: h.update_auth_config(c["ref"], {"site_url": "https://app.example.com", "jwt_exp": 7200}),
        lambda r, c: (r["site_url"], r["jwt_exp"]) == ("https://app.example.com", 7200),
    ),
    Call(
        "update_postgres_config",
        "update (PUT)",
        "PUT",
        "/v1/projects/{ref}/config/database/postgres",
        lambda h, c: h.update_postgres_config(c["ref"], {"statement_timeout": "60s"}),
        lambda r, c: r == {"statement_timeout": "60s"},
    ),
    Call(
        "list_api_keys",
        "list",
        "GET",
        "/v1/projects/{ref}/api-keys",
        lambda h, c: h.list_api_keys(c["ref"], reveal=True),
        lambda r, c: sorted(k["name"] for k in r) == ["anon", "default", "default", "service_role"],
    ),
    Call(
        "get_api_key",
        "get",
        "GET",
        "/v1/projects/{ref}/api-keys/{id}",
        lambda h, c: h.get_api_key(c["ref"], c["key"], reveal=True),
        lambda r, c: r["name"] == "ci_key" and r["api_key"].startswith("sb_secret_"),
        setup=_with_api_key,
    ),
    Call(
        "create_api_key",
        "create",
        "POST",
        "/v1/projects/{ref}/api-keys",
        lambda h, c: h.create_api_key(c["ref"], "secret", "svc_202401010000", reveal=True),
        lambda r, c: r["name"] == "svc_202401010000" and r["api_key"].startswith("sb_secret_"),
        creates="api_keys",
    ),
    Call(
        "update_api_key",
        "update (PATCH)",
        "PATCH",
        "/v1/projects/{ref}/api-keys/{id}",
        lambda h, c: h.update_api_key(c["ref"], c["key"], {"name": "ci_key_renamed"}),
        lambda r, c: r["name"] == "ci_key_renamed",
        setup=_with_api_key,
    ),
    Call(
        "delete_api_key",
        "delete",
        "DELETE",
        "/v1/projects/{ref}/api-keys/{id}",
        lambda h, c: h.delete_api_key(c["ref"], c["key"], was_compromised=True, reason="leaked"),
        lambda r, c: r is None or r["name"] == "ci_key",
        setup=_with_api_key,
    ),
    Call(
        "list_signing_keys",
        "list",
        "GET",
        "/v1/projects/{ref}/config/auth/signing-keys",
        lambda h, c: h.list_signing_keys(c["ref"]),
        lambda r, c: {k["id"]: k["status"] for k in r} == {c["legacy"]: "in_use", c["standby"]: "standby"},
        setup=_with_standby_key,
    ),
    Call(
        "create_signing_key",
        "create",
        "POST",
        "/v1/projects/{ref}/config/auth/signing-keys",
        lambda h, c: h.create_signing_key(c["ref"], "ES256"),
        lambda r, c: (r["algorithm"], r["status"]) == ("ES256", "standby"),
        creates="signing_keys",
    ),
    Call(
        "create_legacy_signing_key",
        "create",
        "POST",
        "/v1/projects/{ref}/config/auth/signing-keys/legacy",
        lambda h, c: h.create_legacy_signing_key(c["ref"]),
        lambda r, c: (r["algorithm"], r["status"]) == ("HS256", "in_use"),
        creates="signing_keys",
    ),
    Call(
        "promote_signing_key",
        "update (PATCH)",
        "PATCH",
        "/v1/projects/{ref}/config/auth/signing-keys/{id}",
        lambda h, c: h.update_signing_key(c["ref"], c["standby"], "in_use"),
        lambda r, c: (r["id"], r["status"]) == (c["standby"], "in_use"),
        setup=_with_standby_key,
    ),
    Call(
        "delete_signing_key",
        "delete",
        "DELETE",
        "/v1/projects/{ref}/config/auth/signing-keys/{id}",
        lambda h, c: h.delete_signing_key(c["ref"], c["legacy"]),
        lambda r, c: r is None or r["id"] == c["legacy"],
        setup=_with_revoked_key,
    ),
    Call(
        "update_database_password",
        "update (PATCH)",
        "PATCH",
        "/v1/projects/{ref}/database/password",
        lambda h, c: h.update_database_password(c["ref"], DB_PASS_ROTATED),
        lambda r, c: bool(r["message"]),
        chosen=(DB_PASS_ROTATED,),
    ),
    Call(
        "pause_project",
        "project lifecycle",
        "POST",
        "/v1/projects/{ref}/pause",
        lambda h, c: h.pause_project(c["ref"]),
        lambda r, c: r is None,
    ),
    Call(
        "restore_project",
        "project lifecycle",
        "POST",
        "/v1/projects/{ref}/restore",
        lambda h, c: h.restore_project(c["ref"]),
        lambda r, c: r is None,
        setup=_paused,
    ),
    Call(
        "update_postgrest_config",
        "update (PATCH)",
        "PATCH",
        "/v1/projects/{ref}/postgrest",
        lambda h, c: h.update_postgrest_config(c["ref"], {"max_rows": 500, "db_schema": "public,api"}),
        lambda r, c: (r["max_rows"], r["db_schema"]) == (500, "public,api"),
    ),
    Call(
        "run_query (read-only)",
        "sql (read-only)",
        "POST",
        "/v1/projects/{ref}/database/query/read-only",
        lambda h, c: h.run_query(c["ref"], "select name from public.events order by id", read_only=True),
        lambda r, c: r == [{"name": "seeded"}],
        setup=_with_table,
        database=True,
    ),
    Call(
        "list_migrations",
        "list",
        "GET",
        "/v1/projects/{ref}/database/migrations",
        lambda h, c: h.list_migrations(c["ref"]),
        lambda r, c: [m["name"] for m in r] == ["first"],
        setup=_with_migration,
        database=True,
    ),
    Call(
        "apply_migration (Idempotency-Key)",
        "sql migration (Idempotency-Key)",
        "POST",
        "/v1/projects/{ref}/database/migrations",
        lambda h, c: h.apply_migration(
            c["ref"], "insert into public.events (name) values ('migrated')", "add_event", idempotency_key="matrix-1"
        ),
        lambda r, c: r is None,
        setup=_with_table,
        database=True,
    ),
    Call(
        "delete_project",
        "project lifecycle",
        "DELETE",
        "/v1/projects/{ref}",
        lambda h, c: h.delete_project(c["ref"]),
        lambda r, c: r is None or r["ref"] == c["ref"],
    ),
    Call(
        "list_branches",
        "list",
        "GET",
        "/v1/projects/{ref}/branches",
        lambda h, c: h.list_branches(c["ref"]),
        lambda r, c: sorted(b["name"] for b in r) == ["feature-login", "main"],
        setup=_with_branch,
    ),
    Call(
        "get_branch",
        "get",
        "GET",
        "/v1/projects/{ref}/branches/{name}",
        lambda h, c: h.get_branch(c["ref"], "feature-login"),
        lambda r, c: r["id"] == c["branch_id"],
        setup=_with_branch,
    ),
    Call(
        "get_branch_config",
        "get",
        "GET",
        "/v1/branches/{branch_id_or_ref}",
        lambda h, c: h.get_branch_config(c["branch_id"]),
        lambda r, c: r["ref"] == c["branch_ref"],
        setup=_with_branch,
    ),
    Call(
        "create_branch",
        "create",
        "POST",
        "/v1/projects/{ref}/branches",
        lambda h, c: h.create_branch(c["ref"], "feature-login", persistent=True),
        lambda r, c: r["name"] == "feature-login" and r["persistent"] is True,
        creates="branches",
    ),
    Call(
        "update_branch",
        "update (PATCH)",
        "PATCH",
        "/v1/branches/{branch_id_or_ref}",
        lambda h, c: h.update_branch(c["branch_id"], {"persistent": True, "git_branch": "feat/login"}),
        lambda r, c: r["persistent"] is True and r["git_branch"] == "feat/login",
        setup=_with_branch,
    ),
    Call(
        "merge_branch",
        "branch workflow",
        "POST",
        "/v1/branches/{branch_id_or_ref}/merge",
        lambda h, c: h.merge_branch(c["branch_id"]),
        lambda r, c: r["message"] == "ok" and r["workflow_run_id"].startswith("run_"),
        setup=_with_branch,
    ),
    Call(
        "delete_branch",
        "branch lifecycle",
        "DELETE",
        "/v1/branches/{branch_id_or_ref}",
        lambda h, c: h.delete_branch(c["branch_id"]),
        lambda r, c: r is None or r == {"message": "ok"},
        setup=_with_branch,
    ),
]

# SQL that writes, without an Idempotency-Key: see the module's docstring for why these are never sent twice.
WRITES = [
    Call(
        "run_query (DDL)",
        "sql that writes",
        "POST",
        "/v1/projects/{ref}/database/query",
        lambda h, c: h.run_query(c["ref"], "create table public.audit (note text)"),
        lambda r, c: r == [],
        setup=_with_table,
        database=True,
    ),
    Call(
        "apply_migration (no key)",
        "sql that writes",
        "POST",
        "/v1/projects/{ref}/database/migrations",
        lambda h, c: h.apply_migration(c["ref"], "insert into public.events (name) values ('migrated')", "add_event"),
        lambda r, c: r is None,
        setup=_with_table,
        database=True,
    ),
]

# One fault each: what the emulator does to the first matching request.
FAULTS: dict[str, dict[str, Any]] = {
    "429-retry-after": {"kind": "status", "status": 429, "retry_after": "1"},
    "429-no-retry-after": {"kind": "status", "status": 429},
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503},
    "504": {"kind": "status", "status": 504},
    "drop-before-apply": {"kind": "drop"},
    "drop-after-apply": {"kind": "drop_after"},
    "timeout": {"kind": "delay", "delay": DELAY},
    "malformed-json": {"kind": "malformed"},
}

# Outages: the fault on every attempt, so the retries run out. Timeouts are left out only to keep the suite fast;
# drop-after-apply and timeout outages apply the request, so they cannot leave the state untouched by design.
OUTAGES: dict[str, tuple[dict[str, Any], int | None]] = {
    "429": ({"kind": "status", "status": 429, "retry_after": "1"}, 429),
    "503": ({"kind": "status", "status": 503, "message": "upstream maintenance"}, 503),
    "drop-before-apply": ({"kind": "drop"}, None),
    "malformed-json": ({"kind": "malformed"}, 200),
}

# (call, fault) -> a bug this case exposes; such a case stays in the matrix as a strict xfail until it is fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _call(flavour: str, call: Call, ctx: dict[str, str]) -> Any:
    if flavour == "sync":
        hook = SupabaseHook()
        try:
            return call.run(hook, ctx)
        finally:
            hook.close()

    async def main() -> Any:
        async with SupabaseAsyncHook() as hook:
            return await call.run(hook, ctx)

    return asyncio.run(main())


def _setup(api, call: Call) -> dict[str, str]:
    api.reset()
    # Not the matrix's short timeout: a project's first SQL creates its database, which takes a while.
    hook = SupabaseHook(timeout=SETUP_TIMEOUT)
    try:
        return call.setup(api, hook)
    finally:
        hook.close()


_EXPECTED: dict[tuple[str, str], dict[str, Any]] = {}


def _expected_state(api, flavour: str, call: Call) -> dict[str, Any]:
    """The state a fault-free run of the same call leaves on a fresh emulator (computed once per call), with
    the project's database under ``"database"`` for the SQL endpoints."""
    key = (flavour, call.name)
    if key not in _EXPECTED:
        ctx = _setup(api, call)
        assert call.check(_call(flavour, call, ctx), ctx), f"fault-free {call.name} returned something unexpected"
        _EXPECTED[key] = _state(api, call, ctx)
    return _EXPECTED[key]


def _state(api, call: Call, ctx: dict[str, str]) -> dict[str, Any]:
    snapshot = api.state_snapshot()
    if call.database:
        snapshot["database"] = database_state(ctx["ref"])
    return snapshot


def _cases(table: dict[str, Any], calls: list[Call] = CALLS) -> list[Any]:
    params = []
    for flavour in ("sync", "async"):
        for call in calls:
            for fault in table:
                bug = KNOWN_BUGS.get((call.name, fault)) if table is FAULTS else None
                marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
                params.append(pytest.param(flavour, call, fault, id=f"{flavour}-{call.name}-{fault}", marks=marks))
    return params


def _versions(snapshot: dict[str, Any]) -> dict[str, int]:
    return {slug: f["version"] for functions in snapshot["functions"].values() for slug, f in functions.items()}


def _path_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$")


@pytest.mark.parametrize(("flavour", "call", "fault"), _cases(FAULTS))
def test_one_fault_is_survived_with_the_state_a_fault_free_call_leaves(request, api, connect, flavour, call, fault):
    record(request, kind=call.kind, fault=fault, outcome="survived")
    connect(timeout=TIMEOUT)
    expected = _expected_state(api, flavour, call)

    ctx = _setup(api, call)
    sent_before = api.request_count(call.method, call.template)
    injected = api.inject_fault(call.method, call.template, **FAULTS[fault])
    result = _call(flavour, call, ctx)
    if fault == "timeout":
        wait_for_in_flight(api)
    extra_sends = api.request_count(call.method, call.template) - sent_before - 1
    after = _state(api, call, ctx)

    assert call.check(result, ctx), f"{call.name} returned {result!r}"
    assert injected.remaining == 0, "the fault was never hit"
    if call.creates:
        assert names(after, call.creates) == names(expected, call.creates), "a duplicate was created"
    assert normalise(after, call.chosen) == normalise(expected, call.chosen)
    # The normaliser ignores function versions: a repeated deploy or PATCH publishes the same content once more,
    # and no more than once per extra request.
    for slug, version in _versions(after).items():
        assert 0 <= version - _versions(expected)[slug] <= extra_sends, slug


# Refused before any work: the only faults after which SQL that writes may be sent again.
REFUSED_BEFORE_WORK = frozenset({"429-retry-after", "429-no-retry-after"})
# The emulator applies the request and then loses or delays the answer; the other faults leave the state alone.
APPLIED_UNANSWERED = frozenset({"drop-after-apply", "timeout"})


@pytest.mark.parametrize(("flavour", "call", "fault"), _cases(FAULTS, WRITES))
def test_one_fault_on_sql_that_writes_is_never_sent_twice(request, api, connect, flavour, call, fault):
    survives = fault in REFUSED_BEFORE_WORK
    record(request, kind=call.kind, fault=fault, outcome="survived" if survives else "uncertain, not resent")
    connect(timeout=TIMEOUT)
    expected = _expected_state(api, flavour, call)

    ctx = _setup(api, call)
    before = _state(api, call, ctx)
    sent_before = api.request_count(call.method, call.template)
    injected = api.inject_fault(call.method, call.template, **FAULTS[fault])
    try:
        result: Any = _call(flavour, call, ctx)
    except SupabaseApiError as err:
        result = err
    if fault == "timeout":
        wait_for_in_flight(api)
    sends = api.request_count(call.method, call.template) - sent_before
    after = _state(api, call, ctx)

    assert injected.remaining == 0, "the fault was never hit"
    if survives:
        assert not isinstance(result, SupabaseApiError) and call.check(result, ctx), f"{call.name} -> {result!r}"
        assert normalise(after) == normalise(expected)
        return
    assert isinstance(result, SupabaseApiError), f"{call.name} returned {result!r} after an uncertain {fault}"
    assert (result.uncertain, result.retryable) == (True, False), result
    assert str(result).startswith(f"Supabase API {call.method} ") and "Traceback" not in str(result)
    assert sends == 1, "SQL that writes was sent again after a failure that may have reached the server"
    # It ran once (the server applied it before the answer was lost) or not at all, never twice.
    assert normalise(after) == normalise(expected if fault in APPLIED_UNANSWERED else before)


@pytest.mark.parametrize(("flavour", "call", "outage"), _cases(OUTAGES, CALLS + WRITES))
def test_outage_longer_than_the_retries_fails_clearly_and_changes_nothing(request, api, connect, flavour, call, outage):
    record(request, kind=call.kind, fault=f"outage-{outage}", outcome="failed clearly")
    connect(max_retries=MAX_RETRIES_FOR_OUTAGE)
    fault, status = OUTAGES[outage]
    ctx = _setup(api, call)
    before = _state(api, call, ctx)
    sent_before = api.request_count(call.method, call.template)
    api.inject_fault(call.method, call.template, times=100, **fault)

    with pytest.raises(SupabaseApiError) as raised:
        _call(flavour, call, ctx)

    err = raised.value
    assert (err.method, err.status_code) == (call.method, status)
    assert _path_pattern(call.template).match(err.path), err.path
    assert str(err).startswith(f"Supabase API {call.method} {err.path} failed")
    assert err.api_message and "Traceback" not in err.api_message
    # SQL that writes is sent once unless it was refused before any work (see the module's docstring).
    attempts = 1 if call in WRITES and outage != "429" else MAX_RETRIES_FOR_OUTAGE + 1
    assert api.request_count(call.method, call.template) - sent_before == attempts
    api.clear_faults()  # the database is read through the endpoints the outage hits
    assert _state(api, call, ctx) == before
