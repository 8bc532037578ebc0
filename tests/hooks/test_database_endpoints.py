"""The hook's SQL and migration-history methods against the emulator's real PostgreSQL, sync and async."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError

pytest.importorskip("psycopg", reason="the emulator-db extra is not installed")

QUERY = "/v1/projects/{ref}/database/query"
READ_ONLY = "/v1/projects/{ref}/database/query/read-only"
MIGRATIONS = "/v1/projects/{ref}/database/migrations"


def test_run_query_returns_the_rows_of_the_last_statement(hook, emulator, project):
    rows = hook.run_query(
        project["ref"],
        "create table public.t (id int, name text); insert into public.t values (1, 'a'); table public.t",
    )

    assert rows == [{"id": 1, "name": "a"}]
    assert emulator.requests[-1].json == {
        "query": "create table public.t (id int, name text); insert into public.t values (1, 'a'); table public.t"
    }


def test_run_query_sends_parameters_for_the_server_to_bind(hook, emulator, project):
    rows = hook.run_query(project["ref"], "select $1::text as s, $2::int[] as a", parameters=["it's", [1, 2]])

    assert rows == [{"s": "it's", "a": [1, 2]}]
    assert emulator.requests[-1].json["parameters"] == ["it's", [1, 2]]


def test_a_read_only_query_goes_to_the_read_only_endpoint_and_cannot_write(hook, emulator, project):
    with pytest.raises(SupabaseApiError) as err:
        hook.run_query(project["ref"], "create table public.nope (id int)", read_only=True)

    assert err.value.status_code == 400 and "read-only transaction" in err.value.api_message
    assert emulator.request_count("POST", READ_ONLY) == 1


def test_a_query_that_writes_is_not_sent_again_after_a_5xx(hook, emulator, project):
    emulator.inject_fault("POST", QUERY, "status", status=502)

    with pytest.raises(SupabaseApiError) as err:
        hook.run_query(project["ref"], "create table public.once (id int)")

    assert err.value.status_code == 502
    assert emulator.request_count("POST", QUERY) == 1


def test_a_read_only_query_is_retried_after_a_5xx(hook, emulator, project):
    emulator.inject_fault("POST", READ_ONLY, "status", status=502)

    assert hook.run_query(project["ref"], "select 1 as one", read_only=True) == [{"one": 1}]
    assert emulator.request_count("POST", READ_ONLY) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"query": ""}, "query"),
        ({"query": 42}, "query"),
        ({"query": "select $1", "parameters": "x"}, "parameters"),
        ({"query": "select $1", "parameters": {"a": 1}}, "parameters"),
    ],
)
def test_run_query_refuses_bad_input_before_any_request(hook, emulator, project, kwargs, field):
    with pytest.raises(SupabaseInputError) as err:
        hook.run_query(project["ref"], **kwargs)

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_a_fresh_project_has_no_migrations(hook, emulator, project):
    assert hook.list_migrations(project["ref"]) == []


def test_apply_migration_runs_the_sql_and_lists_it_under_a_new_version(hook, emulator, project):
    ref = project["ref"]

    assert (
        hook.apply_migration(
            ref, "create table public.widgets (id int); insert into public.widgets values (7)", "widgets"
        )
        is None
    )

    [listed] = hook.list_migrations(ref)
    assert listed["name"] == "widgets" and listed["version"].isdigit() and len(listed["version"]) == 14
    assert hook.run_query(ref, "select id from public.widgets") == [{"id": 7}]
    # The same ledger the CLI keeps, statements split as the CLI splits them.
    assert hook.run_query(ref, "select statements from supabase_migrations.schema_migrations") == [
        {"statements": ["create table public.widgets (id int)", "insert into public.widgets values (7)"]}
    ]


def test_an_idempotency_key_records_a_migration_once(hook, emulator, project):
    ref = project["ref"]

    hook.apply_migration(ref, "create table public.once (id int)", "once", idempotency_key="deploy-42")
    hook.apply_migration(ref, "create table public.once (id int)", "once", idempotency_key="deploy-42")

    assert [m["name"] for m in hook.list_migrations(ref)] == ["once"]
    assert hook.run_query(ref, "select idempotency_key from supabase_migrations.schema_migrations") == [
        {"idempotency_key": "deploy-42"}
    ]


def test_with_an_idempotency_key_a_lost_answer_is_retried_and_recorded_once(hook, emulator, project):
    ref = project["ref"]
    emulator.inject_fault("POST", MIGRATIONS, "drop_after")

    hook.apply_migration(ref, "create table public.lost (id int)", "lost", idempotency_key="k-1")

    assert emulator.request_count("POST", MIGRATIONS) == 2
    assert [m["name"] for m in hook.list_migrations(ref)] == ["lost"]


def test_without_an_idempotency_key_a_lost_answer_is_not_sent_again(hook, emulator, project):
    emulator.inject_fault("POST", MIGRATIONS, "drop_after")

    with pytest.raises(SupabaseApiError) as err:
        hook.apply_migration(project["ref"], "create table public.lost (id int)", "lost")

    assert err.value.uncertain
    assert emulator.request_count("POST", MIGRATIONS) == 1


def test_a_failing_migration_records_nothing_and_says_why(hook, emulator, project):
    ref = project["ref"]

    with pytest.raises(SupabaseApiError) as err:
        hook.apply_migration(ref, "create table public.half (id int); alter table public.nowhere add column x int")

    assert 'relation "public.nowhere" does not exist' in err.value.api_message
    assert hook.list_migrations(ref) == []
    assert hook.run_query(ref, "select to_regclass('public.half') as t") == [{"t": None}]


def test_apply_migration_refuses_an_empty_query_before_any_request(hook, emulator, project):
    with pytest.raises(SupabaseInputError) as err:
        hook.apply_migration(project["ref"], " ")

    assert err.value.field == "query"
    assert emulator.request_count() == 0


def test_the_async_hook_runs_queries_and_lists_migrations(emulator, project):
    from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook

    async def run():
        async with SupabaseAsyncHook() as hook:
            await hook.apply_migration(project["ref"], "create table public.a (id int)", "a", idempotency_key="x")
            rows = await hook.run_query(project["ref"], "select count(*) as n from public.a", read_only=True)
            return rows, await hook.list_migrations(project["ref"])

    rows, listed = asyncio.run(run())

    assert rows == [{"n": 0}]
    assert [m["name"] for m in listed] == ["a"]
