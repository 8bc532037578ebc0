"""Migration files as the Supabase CLI reads them: statements split where ``supabase db push`` splits them
(the drift check compares with what the CLI recorded), versions from the file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.migrations import read_migrations, split_statements


def test_statements_end_at_semicolons_and_lose_them_and_surrounding_space():
    assert split_statements("create table a (id int);\n\n  insert into a values (1) ;;\n") == [
        "create table a (id int)",
        "insert into a values (1)",
    ]


def test_the_last_statement_needs_no_semicolon():
    assert split_statements("select 1;\nselect 2") == ["select 1", "select 2"]


def test_semicolons_in_quoted_strings_and_identifiers_do_not_split():
    assert split_statements("""insert into "a;b" values ('x;y', 'it''s;');select 1""") == [
        """insert into "a;b" values ('x;y', 'it''s;')""",
        "select 1",
    ]


def test_dollar_quoted_bodies_are_one_statement_whatever_their_tag():
    sql = (
        "create function f() returns int language plpgsql as $body$ begin return 1; end $body$;\n"
        "do $$ begin perform 1; end $$;"
    )
    assert split_statements(sql) == [
        "create function f() returns int language plpgsql as $body$ begin return 1; end $body$",
        "do $$ begin perform 1; end $$",
    ]


def test_comments_stay_with_the_next_statement_and_hide_their_semicolons():
    sql = "-- first; not a split\ncreate table a (id int);\n/* block; /* nested; */ still; */ select 1;"
    assert split_statements(sql) == [
        "-- first; not a split\ncreate table a (id int)",
        "/* block; /* nested; */ still; */ select 1",
    ]


def test_a_trailing_comment_is_a_statement_of_its_own_as_the_cli_records_it():
    assert split_statements("select 1;\n-- the end\n") == ["select 1", "-- the end"]


def test_begin_atomic_bodies_and_parentheses_are_one_statement():
    sql = (
        "create function g() returns int language sql begin atomic select 1; select 2; end;"
        "create rule r as on insert to t do also (insert into u select 1; insert into u select 2);"
    )
    assert split_statements(sql) == [
        "create function g() returns int language sql begin atomic select 1; select 2; end",
        "create rule r as on insert to t do also (insert into u select 1; insert into u select 2)",
    ]


def test_a_backslash_outside_quotes_keeps_the_next_character_from_splitting():
    assert split_statements("select 1 \\; select 2;select 3") == ["select 1 \\; select 2", "select 3"]


def test_an_empty_file_has_no_statements():
    assert split_statements("\n  ;\n") == []


def test_files_are_read_in_version_order_with_their_names_and_other_files_are_left_alone(tmp_path: Path):
    (tmp_path / "20240102000000_second.sql").write_text("select 2;")
    (tmp_path / "9_first_of_all.sql").write_text("select 1;")
    (tmp_path / "README.md").write_text("not a migration")
    (tmp_path / ".gitkeep").write_text("")

    files = read_migrations(tmp_path)

    assert [(m.version, m.name, m.filename, m.statements) for m in files] == [
        ("9", "first_of_all", "9_first_of_all.sql", ("select 1",)),
        ("20240102000000", "second", "20240102000000_second.sql", ("select 2",)),
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["create_table.sql"], "'create_table.sql' has no numeric version"),
        (["2024-01-01_x.sql"], "'2024-01-01_x.sql' has no numeric version"),
        (["7_a.sql", "7_b.sql"], "'7_a.sql' and '7_b.sql' have the same version 7"),
    ],
)
def test_a_file_the_cli_could_not_order_is_refused_naming_it(tmp_path: Path, names, message):
    for name in names:
        (tmp_path / name).write_text("select 1;")

    with pytest.raises(SupabaseInputError) as err:
        read_migrations(tmp_path)

    assert err.value.field == "migrations_dir" and message in str(err.value)
