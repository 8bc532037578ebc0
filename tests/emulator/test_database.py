"""``/database/query`` and ``/database/query/read-only`` on the emulator's real PostgreSQL.

The module's emulator starts one cluster on its first query; every test gets fresh project databases.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_supabase.emulator import Emulator

from .client import Api

pytest.importorskip("psycopg", reason="the emulator-db extra is not installed")

LEDGER = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
    version text primary key, name text, statements text[]
);
"""


def _query(api: Api, ref: str, sql: str, **body: Any) -> requests.Response:
    return api.post(f"/v1/projects/{ref}/database/query", json={"query": sql, **body}, timeout=60)


def _read_only(api: Api, ref: str, sql: str, **body: Any) -> requests.Response:
    return api.post(f"/v1/projects/{ref}/database/query/read-only", json={"query": sql, **body}, timeout=60)


def _rows(response: requests.Response) -> list[dict[str, Any]]:
    assert response.status_code == 201, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def test_query_answers_201_with_the_rows_as_json_objects(api: Api, ref: str) -> None:
    response = _query(api, ref, "select 1 as one, 'x'::text as letter, '{\"a\": [1]}'::jsonb as doc, null as nothing")
    assert response.status_code == 201
    assert response.json() == [{"one": 1, "letter": "x", "doc": {"a": [1]}, "nothing": None}]


def test_numerics_and_timestamps_come_back_as_postgres_prints_them(api: Api, ref: str) -> None:
    rows = _rows(_query(api, ref, "select 1.50::numeric as price, '2024-05-06 07:08:09+00'::timestamptz as at"))
    assert rows == [{"price": "1.50", "at": "2024-05-06 07:08:09+00"}]


def test_values_json_cannot_hold_exactly_come_back_as_node_postgres_sends_them(api: Api, ref: str) -> None:
    rows = _rows(_query(api, ref, "select 9007199254740993::int8 as big, 'NaN'::float8 as nan, 42::int8 as small"))
    assert rows == [{"big": "9007199254740993", "nan": None, "small": 42}]


def test_statement_without_rows_answers_an_empty_list(api: Api, ref: str) -> None:
    assert _rows(_query(api, ref, "create table public.notes (id int)")) == []


def test_queries_run_as_postgres(api: Api, ref: str) -> None:
    assert _rows(_query(api, ref, "select current_user as role")) == [{"role": "postgres"}]


def test_several_statements_run_in_one_query(api: Api, ref: str) -> None:
    rows = _rows(
        _query(
            api,
            ref,
            "create table public.items (id int primary key, name text);"
            "insert into public.items values (1, 'a'), (2, 'b');"
            "select name from public.items order by id;",
        )
    )
    assert rows == [{"name": "a"}, {"name": "b"}]


def test_a_failing_statement_rolls_back_the_whole_query(api: Api, ref: str) -> None:
    response = _query(
        api,
        ref,
        "create table public.items (id int primary key);"
        "insert into public.items values (1);"
        "insert into public.items values (1);",
    )
    assert response.status_code == 400
    missing = _query(api, ref, "select * from public.items")
    assert missing.status_code == 400
    assert 'relation "public.items" does not exist' in missing.json()["message"]


def test_migration_and_its_ledger_row_commit_together(api: Api, ref: str) -> None:
    _rows(_query(api, ref, LEDGER))
    migration = (
        "begin;"
        "create table public.accounts (id bigint primary key);"
        "insert into supabase_migrations.schema_migrations (version, name, statements)"
        " values ('20240101000000', 'accounts', array['create table public.accounts (id bigint primary key)']);"
        "commit;"
    )
    _rows(_query(api, ref, migration))
    ledger = _rows(_query(api, ref, "select version, name, statements from supabase_migrations.schema_migrations"))
    assert ledger == [
        {
            "version": "20240101000000",
            "name": "accounts",
            "statements": ["create table public.accounts (id bigint primary key)"],
        }
    ]
    assert _rows(_query(api, ref, "select count(*) as n from public.accounts")) == [{"n": 0}]


def test_failed_migration_leaves_no_ledger_row(api: Api, ref: str) -> None:
    _rows(_query(api, ref, LEDGER))
    migration = (
        "begin;"
        "create table public.accounts (id bigint primary key);"
        "alter table public.nowhere add column x int;"
        "insert into supabase_migrations.schema_migrations (version, name) values ('20240101000000', 'accounts');"
        "commit;"
    )
    assert _query(api, ref, migration).status_code == 400
    assert _rows(_query(api, ref, "select * from supabase_migrations.schema_migrations")) == []
    assert _rows(_query(api, ref, "select to_regclass('public.accounts') as t")) == [{"t": None}]


def test_parameters_are_bound_not_formatted_into_the_sql(api: Api, ref: str) -> None:
    _rows(_query(api, ref, LEDGER))
    hostile = "x'); drop table supabase_migrations.schema_migrations; --"
    statements = ['select "quoted"', "select 'it''s'", "back\\slash"]
    _rows(
        _query(
            api,
            ref,
            "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
            parameters=["20240101000000", hostile, statements],
        )
    )
    rows = _rows(_query(api, ref, "select name, statements from supabase_migrations.schema_migrations"))
    assert rows == [{"name": hostile, "statements": statements}]


def test_parameters_take_json_numbers_booleans_and_objects(api: Api, ref: str) -> None:
    rows = _rows(
        _query(
            api,
            ref,
            "select $1::int + 1 as n, $2::boolean as flag, $3::jsonb as doc, $4::text as missing",
            parameters=[41, True, {"k": [1, "two"]}, None],
        )
    )
    assert rows == [{"n": 42, "flag": True, "doc": {"k": [1, "two"]}, "missing": None}]


def test_parameters_allow_only_one_statement(api: Api, ref: str) -> None:
    response = _query(api, ref, "select $1::int; select 2", parameters=[1])
    assert response.status_code == 400
    assert "cannot insert multiple commands into a prepared statement" in response.json()["message"]


def test_sql_error_answers_400_with_the_postgres_error_and_its_position(api: Api, ref: str) -> None:
    response = _query(api, ref, "select 1;\nselec 2")
    assert response.status_code == 400
    assert response.json() == {
        "message": 'Failed to run sql query: ERROR:  42601: syntax error at or near "selec"\n'
        "LINE 2: selec 2\n"
        "        ^\n"
    }


def test_constraint_error_carries_the_detail(api: Api, ref: str) -> None:
    response = _query(api, ref, "create table public.t (id int primary key); insert into public.t values (7), (7)")
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Failed to run sql query: ERROR:  23505: duplicate key value")
    assert "DETAIL:  Key (id)=(7) already exists." in message


def test_read_only_endpoint_reads_as_supabase_read_only_user(api: Api, ref: str) -> None:
    _rows(_query(api, ref, "create table public.items (name text); insert into public.items values ('a')"))
    rows = _rows(_read_only(api, ref, "select current_user as role, name from public.items"))
    assert rows == [{"role": "supabase_read_only_user", "name": "a"}]


def test_read_only_endpoint_refuses_writes(api: Api, ref: str) -> None:
    _rows(_query(api, ref, "create table public.items (name text)"))
    response = _read_only(api, ref, "insert into public.items values ('a')")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Failed to run read-only sql query: ERROR:  25006: cannot execute INSERT in a read-only transaction\n"
    )
    assert _rows(_query(api, ref, "select count(*) as n from public.items")) == [{"n": 0}]


def test_read_only_endpoint_has_no_write_privileges_even_in_a_read_write_transaction(api: Api, ref: str) -> None:
    _rows(_query(api, ref, "create table public.items (name text)"))
    response = _read_only(api, ref, "set transaction read write; insert into public.items values ('a')")
    assert response.status_code == 400
    assert "permission denied for table items" in response.json()["message"]
    created = _read_only(api, ref, "set transaction read write; create table public.sneaky (id int)")
    assert created.status_code == 400
    assert "permission denied for schema public" in created.json()["message"]


def test_read_only_flag_runs_the_query_as_the_read_only_user(api: Api, ref: str) -> None:
    _rows(_query(api, ref, "create table public.items (name text)"))
    response = _query(api, ref, "insert into public.items values ('a')", read_only=True)
    assert response.status_code == 400
    assert "read-only transaction" in response.json()["message"]


def test_session_settings_do_not_outlive_the_request(api: Api, ref: str) -> None:
    _rows(_read_only(api, ref, "set default_transaction_read_only = off"))
    rows = _rows(_read_only(api, ref, "select current_setting('default_transaction_read_only') as ro"))
    assert rows == [{"ro": "on"}]


def test_temporary_tables_do_not_outlive_the_request(api: Api, ref: str) -> None:
    _rows(_query(api, ref, "create temp table scratch (id int)"))
    response = _query(api, ref, "select * from scratch")
    assert response.status_code == 400
    assert 'relation "scratch" does not exist' in response.json()["message"]


def test_an_unfinished_transaction_ends_with_the_request(api: Api, ref: str) -> None:
    _rows(_query(api, ref, "begin; create table public.items (name text)"))
    assert _rows(_query(api, ref, "select to_regclass('public.items') as t")) == [{"t": None}]


def test_each_project_has_its_own_database(api: Api, emu: Emulator, org: dict[str, Any], ref: str) -> None:
    other = emu.seed_project("acme-staging", org["slug"])["ref"]
    _rows(_query(api, ref, "create table public.items (name text); insert into public.items values ('prod')"))
    missing = _query(api, other, "select * from public.items")
    assert missing.status_code == 400
    _rows(_query(api, other, "create table public.items (name text); insert into public.items values ('staging')"))
    assert _rows(_query(api, ref, "select name from public.items")) == [{"name": "prod"}]


def test_reset_drops_the_project_databases(api: Api, emu: Emulator, org: dict[str, Any], ref: str) -> None:
    _rows(_query(api, ref, "create table public.items (name text)"))
    emu.reset()
    later = emu.seed_project("acme-prod", emu.seed_organization("Acme")["slug"])["ref"]
    rows = _rows(_query(api, later, "select datname from pg_database where datname = $1", parameters=[ref]))
    assert rows == []


def test_unknown_project_is_404(api: Api, emu: Emulator) -> None:
    response = _query(api, "abcdefghijklmnopqrst", "select 1")
    assert response.status_code == 404
    assert response.json() == {"message": "Project not found"}


def test_body_without_query_is_refused_by_the_spec_schema(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/database/query", json={"read_only": True})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body: $: 'query' is a required property"


def test_empty_query_is_refused(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/database/query/read-only", json={"query": ""})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body: $.query: must not be empty"


def test_injected_fault_answers_before_the_sql_runs(api: Api, emu: Emulator, ref: str) -> None:
    emu.inject_fault("POST", "/v1/projects/{ref}/database/query", "status", status=500, message="Injected")
    response = _query(api, ref, "create table public.items (name text)")
    assert response.status_code == 500
    assert _rows(_query(api, ref, "select to_regclass('public.items') as t")) == [{"t": None}]


def test_queries_share_the_route_rate_limit(api: Api, emu: Emulator, ref: str) -> None:
    emu.configure(rate_limit=1)
    assert _query(api, ref, "select 1").status_code == 201
    limited = _query(api, ref, "select 1")
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers


def test_a_running_query_does_not_hold_up_other_requests(api: Api, emu: Emulator, ref: str) -> None:
    emu.configure(rate_limit=100_000)
    _rows(_query(api, ref, "create table public.signal (id int)"))
    waiting = (
        "set statement_timeout = '60s';"
        "do $$ begin /* waiting-for-signal */ loop exit when exists (select 1 from public.signal);"
        " perform pg_sleep(0.01); end loop; end $$;"
        "select count(*) as n from public.signal"
    )
    # Split so that this query's own text does not match.
    seen = "select count(*) as n from pg_stat_activity where query like '%waiting-' || 'for-signal%'"
    answers: list[requests.Response] = []
    waiter_api = Api(emu.url)
    waiter = threading.Thread(target=lambda: answers.append(_query(waiter_api, ref, waiting)))
    waiter.start()
    try:
        # Every request below is answered while the waiting query runs: it ends only once the insert lands.
        for _ in range(1000):
            if _rows(_query(api, ref, seen)) == [{"n": 1}]:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the waiting query never started")
        assert api.get(f"/v1/projects/{ref}").status_code == 200
        _rows(_query(api, ref, "insert into public.signal values (1)"))
    finally:
        waiter.join(timeout=90)
        waiter_api.close()
    assert [r.status_code for r in answers] == [201]
    assert answers[0].json() == [{"n": 1}]


def test_without_a_database_the_endpoints_answer_503_with_the_reason() -> None:
    with Emulator(project_ready_seconds=0, database=False) as emu:
        ref = emu.seed_project("p", emu.seed_organization("o")["slug"])["ref"]
        api = Api(emu.url)
        response = _query(api, ref, "select 1")
        assert response.status_code == 503
        assert response.json() == {"message": "Database unavailable: the emulator was started without a database"}
        assert _read_only(api, ref, "select 1").status_code == 503
        assert api.get(f"/v1/projects/{ref}").status_code == 200
        api.close()


def test_missing_server_binaries_answer_503_naming_the_directory(tmp_path: Path) -> None:
    with Emulator(project_ready_seconds=0, postgres_bin=str(tmp_path)) as emu:
        ref = emu.seed_project("p", emu.seed_organization("o")["slug"])["ref"]
        api = Api(emu.url)
        response = _query(api, ref, "select 1")
        assert response.status_code == 503
        assert response.json() == {
            "message": f"Database unavailable: No PostgreSQL server binaries (initdb, postgres) in {tmp_path}"
        }
        assert api.get(f"/v1/projects/{ref}").status_code == 200
        api.close()


_WITHOUT_DRIVER = """
import sys

sys.modules["psycopg"] = None  # what an environment without the emulator-db extra looks like to an import
import requests

from airflow_provider_supabase.emulator import Emulator

with Emulator(project_ready_seconds=0) as emu:
    ref = emu.seed_project("p", emu.seed_organization("o")["slug"])["ref"]
    headers = {"Authorization": "Bearer sbp_" + "0" * 40}
    response = requests.post(
        f"{emu.url}/v1/projects/{ref}/database/query", json={"query": "select 1"}, headers=headers, timeout=30
    )
    print(response.status_code, response.json()["message"])
"""


def test_without_the_driver_the_emulator_runs_and_the_endpoints_answer_503() -> None:
    done = subprocess.run([sys.executable, "-c", _WITHOUT_DRIVER], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "503 Database unavailable: The psycopg driver is not installed; "
        "install it with pip install 'airflow-provider-supabase[emulator-db]'"
    )


def test_one_parameterized_query_can_run_many_times_on_a_pooled_session(api: Api, ref: str) -> None:
    for n in range(12):
        assert _rows(_query(api, ref, "select $1::int as n", parameters=[n])) == [{"n": n}]
