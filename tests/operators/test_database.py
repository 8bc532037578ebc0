"""RunQueryOperator and ApplyMigrationsOperator in real DAG runs, on the emulator's real PostgreSQL: what the
database holds afterwards, the CLI's ledger, the XCom, and how many requests each run cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.migrations import split_statements
from airflow_provider_supabase.operators.database import ApplyMigrationsOperator, RunQueryOperator

pytest.importorskip("psycopg", reason="the emulator-db extra is not installed")

IMPORTS = "from airflow_provider_supabase.operators.database import ApplyMigrationsOperator, RunQueryOperator"
EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags" / "supabase" / "migrations"
QUERY = "/v1/projects/{ref}/database/query"

ACCOUNTS = "create table public.accounts (id bigint primary key, email text not null);"
ORDERS = (
    "create table public.orders (id bigint primary key, account_id bigint references public.accounts);\n"
    "insert into public.accounts values (1, 'a@example.com');\n"
    "insert into public.orders values (10, 1);\n"
)
INDEX = "create index orders_account_idx on public.orders (account_id);"


def _migrate(ref: str, folder: Path, **extra) -> str:
    return (
        f"ApplyMigrationsOperator(**{dict(task_id='migrate', project_ref=ref, migrations_dir=str(folder), **extra)!r})"
    )


def _query(ref: str, sql: str, **extra) -> str:
    return f"RunQueryOperator(**{dict(task_id='query', project_ref=ref, sql=sql, **extra)!r})"


def _files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql)
    return folder


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    return _files(
        tmp_path / "migrations",
        {
            "20240101000000_accounts.sql": ACCOUNTS,
            "20240102000000_orders.sql": ORDERS,
            "20240103000000_orders_index.sql": INDEX,
        },
    )


def _ledger(hook, ref: str) -> list[dict]:
    return hook.run_query(
        ref, "select version, name, statements from supabase_migrations.schema_migrations order by version"
    )


def _exists(hook, ref: str, relation: str) -> bool:
    return hook.run_query(ref, "select to_regclass($1) is not null as found", parameters=[relation])[0]["found"]


# ------------------------------------------------------------------------------------------ migrations


def test_pending_files_are_applied_in_order_each_recorded_in_the_cli_ledger(
    run_tasks, emulator, project, hook, migrations
):
    ref = project["ref"]

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.task_states == {"migrate": "success"}
    versions = ["20240101000000", "20240102000000", "20240103000000"]
    assert result.xcom("migrate") == {"applied": versions, "pending": [], "skipped": []}
    # One read of the ledger, one to prepare it, one per file.
    assert emulator.request_count("POST", QUERY) == 5
    assert _ledger(hook, ref) == [
        {"version": versions[0], "name": "accounts", "statements": split_statements(ACCOUNTS)},
        {"version": versions[1], "name": "orders", "statements": split_statements(ORDERS)},
        {"version": versions[2], "name": "orders_index", "statements": split_statements(INDEX)},
    ]
    assert hook.run_query(
        ref, "select o.id, a.email from public.orders o join public.accounts a on a.id = o.account_id"
    ) == [{"id": 10, "email": "a@example.com"}]
    assert _exists(hook, ref, "public.orders_account_idx")


def test_nothing_pending_costs_one_request(run_tasks, emulator, project, migrations):
    ref = project["ref"]
    run_tasks(_migrate(ref, migrations), imports=IMPORTS)
    before = emulator.request_count()

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.xcom("migrate") == {
        "applied": [],
        "pending": [],
        "skipped": ["20240101000000", "20240102000000", "20240103000000"],
    }
    assert emulator.request_count() - before == 1


def test_a_failing_file_changes_nothing_and_fails_naming_the_file_and_the_database_message(
    run_tasks, emulator, project, hook, migrations
):
    ref = project["ref"]
    (migrations / "20240102000000_orders.sql").write_text(ORDERS + "alter table public.nowhere add column x int;\n")

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.task_states == {"migrate": "failed"}
    assert "Migration 20240102000000_orders.sql failed" in result.log
    assert 'relation "public.nowhere" does not exist' in result.log
    assert [row["version"] for row in _ledger(hook, ref)] == ["20240101000000"]
    assert not _exists(hook, ref, "public.orders")
    assert hook.run_query(ref, "select count(*) as n from public.accounts") == [{"n": 0}]


def test_a_rerun_after_a_failing_file_starts_at_that_file(run_tasks, emulator, project, hook, migrations):
    ref = project["ref"]
    broken = migrations / "20240102000000_orders.sql"
    broken.write_text("alter table public.nowhere add column x int;")
    run_tasks(_migrate(ref, migrations), imports=IMPORTS)
    broken.write_text(ORDERS)

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.xcom("migrate") == {
        "applied": ["20240102000000", "20240103000000"],
        "pending": [],
        "skipped": ["20240101000000"],
    }
    assert [row["version"] for row in _ledger(hook, ref)] == ["20240101000000", "20240102000000", "20240103000000"]


def test_drift_in_an_applied_file_fails_before_anything_runs(run_tasks, emulator, project, hook, migrations):
    ref = project["ref"]
    (migrations / "20240103000000_orders_index.sql").unlink()
    run_tasks(_migrate(ref, migrations), imports=IMPORTS)
    (migrations / "20240101000000_accounts.sql").write_text(
        ACCOUNTS + "\nalter table public.accounts add column x int;"
    )
    (migrations / "20240103000000_orders_index.sql").write_text(INDEX)
    before = emulator.request_count()

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.task_states == {"migrate": "failed"}
    assert "changed on disk since they ran" in result.log and "20240101000000_accounts.sql" in result.log
    assert emulator.request_count() - before == 1
    assert not _exists(hook, ref, "public.orders_account_idx")


def test_dry_run_reports_the_pending_files_and_changes_nothing(run_tasks, emulator, project, hook, migrations):
    ref = project["ref"]

    result = run_tasks(_migrate(ref, migrations, dry_run=True), imports=IMPORTS)

    assert result.xcom("migrate") == {
        "applied": [],
        "pending": ["20240101000000", "20240102000000", "20240103000000"],
        "skipped": [],
    }
    assert emulator.request_count() == 1
    assert not _exists(hook, ref, "supabase_migrations.schema_migrations")
    assert not _exists(hook, ref, "public.accounts")


def test_target_version_stops_there(run_tasks, emulator, project, hook, migrations):
    ref = project["ref"]

    result = run_tasks(_migrate(ref, migrations, target_version="20240102000000"), imports=IMPORTS)

    assert result.xcom("migrate") == {
        "applied": ["20240101000000", "20240102000000"],
        "pending": ["20240103000000"],
        "skipped": [],
    }
    assert not _exists(hook, ref, "public.orders_account_idx")


def test_an_applied_version_without_a_file_fails_before_anything_runs(run_tasks, emulator, project, hook, migrations):
    ref = project["ref"]
    run_tasks(_migrate(ref, migrations), imports=IMPORTS)
    (migrations / "20240103000000_orders_index.sql").unlink()
    (migrations / "20240104000000_later.sql").write_text("create table public.later (id int);")

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.task_states == {"migrate": "failed"}
    assert "20240103000000 with no file" in result.log
    assert not _exists(hook, ref, "public.later")


def test_a_cli_project_folder_is_read_from_its_supabase_migrations(run_tasks, emulator, project, tmp_path):
    _files(tmp_path / "app" / "supabase" / "migrations", {"1_first.sql": "create table public.first (id int);"})

    result = run_tasks(_migrate(project["ref"], tmp_path / "app"), imports=IMPORTS)

    assert result.xcom("migrate") == {"applied": ["1"], "pending": [], "skipped": []}


def test_the_example_migrations_apply_and_their_trigger_works(run_tasks, emulator, project, hook):
    ref = project["ref"]

    result = run_tasks(_migrate(ref, EXAMPLES), imports=IMPORTS)

    assert result.xcom("migrate")["applied"] == ["20240101000000", "20240102000000", "20240103000000"]
    rows = hook.run_query(
        ref,
        "insert into public.profiles (id, username, updated_at)"
        " values (gen_random_uuid(), 'ada', now() - interval '1 day');"
        "update public.profiles set avatar_url = 'a.png';"
        "select updated_at > now() - interval '1 minute' as touched from public.profiles",
    )
    assert rows == [{"touched": True}]


@pytest.mark.parametrize(
    ("files", "kwargs", "field", "named"),
    [
        ({"init.sql": "select 1"}, {}, "migrations_dir", "'init.sql' has no numeric version"),
        ({"v1_init.sql": "select 1"}, {}, "migrations_dir", "'v1_init.sql' has no numeric version"),
        (
            {"1_a.sql": "select 1", "1_b.sql": "select 2"},
            {},
            "migrations_dir",
            "'1_a.sql' and '1_b.sql' have the same version 1",
        ),
        ({"1_tx.sql": "begin;\nselect 1;\ncommit;"}, {}, "migrations_dir", "'1_tx.sql' has its own BEGIN/COMMIT"),
        ({"1_a.sql": "select 1"}, {"target_version": "latest"}, "target_version", "'latest'"),
        ({"1_a.sql": "select 1"}, {"project_ref": "short"}, "project_ref", "'short'"),
    ],
)
def test_bad_migrations_input_is_refused_before_any_request(emulator, project, tmp_path, files, kwargs, field, named):
    folder = _files(tmp_path / "migrations", files)
    op = ApplyMigrationsOperator(
        task_id="migrate", **{"project_ref": project["ref"], "migrations_dir": str(folder), **kwargs}
    )

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field and named in str(err.value)
    assert emulator.request_count() == 0


def test_a_missing_migrations_dir_is_refused_before_any_request(emulator, project, tmp_path):
    op = ApplyMigrationsOperator(task_id="migrate", project_ref=project["ref"], migrations_dir=str(tmp_path / "none"))

    with pytest.raises(SupabaseInputError, match="is not a directory"):
        op.execute({})

    assert emulator.request_count() == 0


# ------------------------------------------------------------------------------------------ queries


def test_the_rows_of_a_query_are_the_xcom(run_tasks, emulator, project):
    sql = (
        "create table public.items (id int primary key, name text);"
        "insert into public.items values (1, 'a'), (2, 'b');"
        "select id, name from public.items order by id"
    )

    result = run_tasks(_query(project["ref"], sql), imports=IMPORTS)

    assert result.xcom("query") == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def test_parameters_are_bound_never_formatted_into_the_sql(run_tasks, emulator, project, hook):
    ref = project["ref"]
    hook.run_query(ref, "create table public.notes (body text)")
    hostile = "x'); drop table public.notes; --"

    result = run_tasks(
        _query(ref, "insert into public.notes values ($1) returning body", parameters=[hostile]), imports=IMPORTS
    )

    assert result.xcom("query") == [{"body": hostile}]
    assert hook.run_query(ref, "select body from public.notes") == [{"body": hostile}]


def test_sql_from_a_sql_file_is_rendered_as_a_template(run_tasks, emulator, project, airflow_db):
    (airflow_db / "dags" / "count_to.sql").write_text("select n from generate_series(1, {{ params.upto }}) as n")

    result = run_tasks(_query(project["ref"], "count_to.sql"), imports=IMPORTS, params={"upto": 3})

    assert result.xcom("query") == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert "generate_series(1, 3)" in result.rendered[("query", -1)]["sql"]


def test_a_read_only_query_cannot_write(run_tasks, emulator, project, hook):
    ref = project["ref"]

    result = run_tasks(_query(ref, "create table public.nope (id int)", read_only=True), imports=IMPORTS)

    assert result.task_states == {"query": "failed"}
    assert "read-only transaction" in result.log
    assert not _exists(hook, ref, "public.nope")
    assert emulator.request_count("POST", "/v1/projects/{ref}/database/query/read-only") == 1


def test_rows_above_the_xcom_cap_fail_the_task_asking_for_output_path(run_tasks, emulator, project):
    result = run_tasks(
        _query(project["ref"], "select repeat('x', 100) as filler from generate_series(1, 10)", max_xcom_bytes=500),
        imports=IMPORTS,
    )

    assert result.task_states == {"query": "failed"}
    assert "more than the 500 that may go to XCom" in result.log and "give output_path" in result.log
    assert result.xcom("query") is None


def test_with_output_path_the_rows_are_written_as_json_lines(run_tasks, emulator, project, tmp_path):
    target = tmp_path / "rows.jsonl"
    sql = "select n, 'row ' || n as label from generate_series(1, 3) as n"

    result = run_tasks(_query(project["ref"], sql, output_path=str(target), max_xcom_bytes=10), imports=IMPORTS)

    assert result.xcom("query") == str(target)
    assert [json.loads(line) for line in target.read_text().splitlines()] == [
        {"n": 1, "label": "row 1"},
        {"n": 2, "label": "row 2"},
        {"n": 3, "label": "row 3"},
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["rows.jsonl"]


def test_more_rows_than_max_rows_fail_the_task(run_tasks, emulator, project):
    result = run_tasks(_query(project["ref"], "select generate_series(1, 5) as n", max_rows=4), imports=IMPORTS)

    assert result.task_states == {"query": "failed"}
    assert "returned 5 rows, more than max_rows=4" in result.log


def test_rows_are_never_logged(run_tasks, emulator, project):
    # Built by the database, so the value appears in the log only if a row is logged (not as part of the SQL).
    result = run_tasks(_query(project["ref"], "select 'canary-' || '7f3a9c' as api_key"), imports=IMPORTS)

    assert result.xcom("query") == [{"api_key": "canary-7f3a9c"}]
    assert "returned 1 rows" in result.log
    assert "canary-7f3a9c" not in result.log


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sql": 42}, "sql"),
        ({"sql": ["select 1"]}, "sql"),
        ({"sql": "  "}, "sql"),
        ({"max_rows": -1}, "max_rows"),
        ({"parameters": "1"}, "parameters"),
        ({"output_path": "/no/such/dir/rows.jsonl"}, "output_path"),
        ({"project_ref": "short"}, "project_ref"),
    ],
)
def test_bad_query_input_is_refused_before_any_request(emulator, project, kwargs, field):
    op = RunQueryOperator(task_id="query", **{"project_ref": project["ref"], "sql": "select 1", **kwargs})

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_the_apis_migration_history_lists_what_the_operator_applied(run_tasks, emulator, project, hook, migrations):
    run_tasks(_migrate(project["ref"], migrations), imports=IMPORTS)

    assert hook.list_migrations(project["ref"]) == [
        {"version": "20240101000000", "name": "accounts"},
        {"version": "20240102000000", "name": "orders"},
        {"version": "20240103000000", "name": "orders_index"},
    ]


def test_sql_the_database_refuses_fails_with_its_message_but_without_the_row_it_quotes(
    run_tasks, emulator, project, hook
):
    ref = project["ref"]
    hook.run_query(ref, "create table public.tokens (token text unique); insert into public.tokens values ('tok-4711')")

    result = run_tasks(_query(ref, "insert into public.tokens\nselect token from public.tokens"), imports=IMPORTS)

    assert result.task_states == {"query": "failed"}
    assert 'duplicate key value violates unique constraint "tokens_token_key"' in result.log
    assert "DETAIL/CONTEXT left out" in result.log
    assert "tok-4711" not in result.log  # PostgreSQL's DETAIL: Key (token)=(tok-4711) already exists.


def test_a_failing_migration_names_the_database_message_without_the_row_it_quotes(
    run_tasks, emulator, project, hook, tmp_path
):
    ref = project["ref"]
    hook.run_query(
        ref, "create table public.users (email text unique); insert into public.users values ('x@y.example')"
    )
    migrations = _files(
        tmp_path / "seed", {"20240102000000_seed.sql": "insert into public.users values ('x@y.example');"}
    )

    result = run_tasks(_migrate(ref, migrations), imports=IMPORTS)

    assert result.task_states == {"migrate": "failed"}
    assert "Migration 20240102000000_seed.sql failed" in result.log and "duplicate key value" in result.log
    assert "Key (email)=" not in result.log


def test_without_quoted_data_keeps_the_message_position_and_hint():
    from airflow_provider_supabase.operators.database import without_quoted_data

    message = (
        'Failed to run sql query: ERROR:  23505: duplicate key value violates unique constraint "t_pkey"\n'
        "LINE 1: insert into t values (1)\n"
        "        ^\n"
        "DETAIL:  Key (id)=(1) already exists.\n"
        "HINT:  Use another id.\n"
        'CONTEXT:  SQL statement "insert into t values (1)"\n'
        "PL/pgSQL function f() line 3 at SQL statement\n"
    )
    assert without_quoted_data(message).splitlines() == [
        'Failed to run sql query: ERROR:  23505: duplicate key value violates unique constraint "t_pkey"',
        "LINE 1: insert into t values (1)",
        "        ^",
        "HINT:  Use another id.",
        "(the database's DETAIL/CONTEXT left out: it may quote row values)",
    ]
    assert without_quoted_data("Failed to run sql query: ERROR:  42P01: nope") == (
        "Failed to run sql query: ERROR:  42P01: nope"
    )
