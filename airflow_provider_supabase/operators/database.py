"""Run SQL on a project's database, and apply Supabase CLI migrations through the query endpoint."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.compat import AirflowException, AirflowFailException
from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.operators.types import DEFAULT_MAX_XCOM_BYTES, write_atomically
from airflow_provider_supabase.validation import LazyPattern, validate_ref

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context
    from airflow_provider_supabase.migrations import MigrationFile


def _non_negative(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SupabaseInputError(field, f"must be a whole number of 0 or more, got {value!r}")
    return value


def _output(value: Any) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise SupabaseInputError("output_path", f"must be a file path, got {value!r}")
    path = Path(value).absolute()
    if path.is_dir():
        raise SupabaseInputError("output_path", f"{str(path)!r} is a directory; name the file to write")
    if not path.parent.is_dir():
        raise SupabaseInputError("output_path", f"directory {str(path.parent)!r} does not exist")
    return path


# PostgreSQL's DETAIL quotes the data a statement tripped on ("Key (token)=(...) already exists", "Failing row
# contains (...)"), and CONTEXT and QUERY can too (a COPY line, a function's query). Rows may hold secrets, so a
# task's error keeps the database's message, the position in the SQL and the hint, and leaves these sections out.
_SECTION = LazyPattern(r"^(DETAIL|HINT|QUERY|CONTEXT):")
_QUOTES_DATA = frozenset({"DETAIL", "QUERY", "CONTEXT"})


def without_quoted_data(message: str) -> str:
    """The API's message for SQL the database refused, without the sections that may quote the data."""
    kept: list[str] = []
    section, dropped = None, False
    for line in message.splitlines():
        label = _SECTION.match(line)
        section = label.group(1) if label else section
        if section in _QUOTES_DATA:
            dropped = True
        else:
            kept.append(line)
    text = "\n".join(kept).rstrip()
    return f"{text}\n(the database's DETAIL/CONTEXT left out: it may quote row values)" if dropped else text


def _refused_sql(err: SupabaseApiError) -> SupabaseApiError:
    """``err`` with the data the database quoted taken out of its message (the same error otherwise)."""
    return SupabaseApiError(
        without_quoted_data(err.api_message), status_code=err.status_code, method=err.method, path=err.path
    )


class RunQueryOperator(SupabaseBaseOperator):
    """Run SQL on a project's database through the Management API (``POST /database/query``).

    :param project_ref: project ref (templated).
    :param sql: the SQL, or the path of a ``.sql`` file (relative to the DAG's folder or ``template_searchpath``)
        whose contents are rendered as a template (templated).
    :param parameters: values for ``$1``, ``$2``... in a single statement; the database binds them, they are never
        formatted into the SQL (templated).
    :param read_only: run through ``/database/query/read-only`` as ``supabase_read_only_user``: writes are refused.
    :param output_path: write the rows there as JSON Lines (one object per line), atomically; its directory must
        exist (templated).
    :param max_xcom_bytes: without ``output_path`` the rows go to XCom, which lives in Airflow's database: larger
        results fail the task, asking for ``output_path`` (default 64 KiB).
    :param max_rows: fail the task when the query returns more rows than this (default: no limit). The query has
        run by then: use ``read_only`` or a ``limit`` where running it matters.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    Rows may hold secrets: they are never logged, only counted, and when the database refuses the SQL, the parts
    of its error that quote row values (DETAIL, CONTEXT) are left out of the task's error. XCom: the rows (a list
    of ``{column: value}``): XCom is stored in Airflow's database and shown in its UI, so select no secret you
    would not show there, or give ``output_path``, and then XCom holds only the absolute path written.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "sql", "parameters", "output_path")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql", "parameters": "json"}

    def __init__(
        self,
        *,
        project_ref: str,
        sql: str,
        parameters: Sequence[Any] | None = None,
        read_only: bool = False,
        output_path: str | os.PathLike[str] | None = None,
        max_xcom_bytes: int = DEFAULT_MAX_XCOM_BYTES,
        max_rows: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.sql = sql
        self.parameters = parameters
        self.read_only = read_only
        self.output_path = output_path
        self.max_xcom_bytes = max_xcom_bytes
        self.max_rows = max_rows

    def execute(self, context: Context) -> list[dict[str, Any]] | str:
        ref = validate_ref(self.project_ref)
        if not isinstance(self.sql, str) or not self.sql.strip():
            raise SupabaseInputError("sql", f"must be SQL text or a .sql file, got {type(self.sql).__name__}")
        if self.parameters is not None and not isinstance(self.parameters, (list, tuple)):
            raise SupabaseInputError(
                "parameters", f"must be a list of values for $1, $2..., got {type(self.parameters).__name__}"
            )
        max_rows = _non_negative(self.max_rows, "max_rows")
        max_xcom_bytes = _non_negative(self.max_xcom_bytes, "max_xcom_bytes")
        path = _output(self.output_path)
        try:
            rows = self.hook.run_query(ref, self.sql, parameters=self.parameters, read_only=bool(self.read_only))
        except SupabaseApiError as err:
            if err.status_code != 400:
                raise
            # Not chained: the original's text is the one that quotes the data.
            raise _refused_sql(err) from None
        kind = "read-only query" if self.read_only else "query"
        if max_rows is not None and len(rows) > max_rows:
            raise AirflowFailException(
                f"The {kind} on project {ref} returned {len(rows)} rows, more than max_rows={max_rows}"
            )
        if path is None:
            size = len(json.dumps(rows, separators=(",", ":")).encode())
            if max_xcom_bytes is not None and size > max_xcom_bytes:
                raise AirflowFailException(
                    f"The {kind} on project {ref} returned {len(rows)} rows ({size} bytes as JSON), more than the "
                    f"{max_xcom_bytes} that may go to XCom (max_xcom_bytes); give output_path to write them to a file"
                )
            self.log.info("The %s on project %s returned %d rows", kind, ref, len(rows))
            return rows
        lines = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
        write_atomically(path, lines)
        self.log.info("The %s on project %s returned %d rows, written to %s", kind, ref, len(rows), path)
        return str(path)


# One request reads the ledger, even when it does not exist yet: a DO block looks the table up at run time and
# hands its rows to the SELECT through a transaction-local setting (both statements share the query's
# transaction), so a project that never saw a migration answers [] rather than an error.
READ_LEDGER = """\
do $supabase_provider$ begin
  if to_regclass('supabase_migrations.schema_migrations') is not null then
    perform set_config(
      'supabase_provider.ledger',
      (select coalesce(json_agg(to_jsonb(m) order by m.version), '[]')::text
       from supabase_migrations.schema_migrations m),
      true
    );
  end if;
end $supabase_provider$;
select coalesce(nullif(current_setting('supabase_provider.ledger', true), ''), '[]')::json as ledger"""

APPLY_FUNCTION = "supabase_migrations.apply_migration_file"

# Sent once, before the first pending file: the CLI's ledger, and a function that runs one file's statements and
# records them. A file must go in ONE request together with its ledger row, and that row's statements must be
# bound, not formatted into SQL; the query endpoint binds parameters only in a single statement, so the single
# statement is a call of this function with the file's statements as an array. One statement is one
# transaction on any server: a failing file leaves neither its changes nor its row.
PREPARE_LEDGER = f"""\
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;
create or replace function {APPLY_FUNCTION}(
  migration_version text, migration_name text, migration_statements text[]
) returns void language plpgsql as $supabase_provider$
declare
  migration_statement text;
begin
  foreach migration_statement in array coalesce(migration_statements, '{{}}') loop
    execute migration_statement;
  end loop;
  insert into supabase_migrations.schema_migrations (version, name, statements)
  values (migration_version, migration_name, migration_statements);
end
$supabase_provider$;
revoke all on function {APPLY_FUNCTION}(text, text, text[]) from public"""

APPLY_FILE = f"select {APPLY_FUNCTION}($1, $2, $3)"

_LEADING_COMMENTS = LazyPattern(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*\s*", re.DOTALL)
_TRANSACTION_CONTROL = LazyPattern(
    r"^(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b",
    re.IGNORECASE,
)


def _transaction_control(statement: str) -> bool:
    return bool(_TRANSACTION_CONTROL.match(_LEADING_COMMENTS.sub("", statement, count=1)))


class ApplyMigrationsOperator(SupabaseBaseOperator):
    """Apply pending Supabase CLI migrations (``supabase/migrations/<version>_<name>.sql``) like ``supabase db
    push``, through the Management API's query endpoint: no database password or direct connection needed.

    Each file runs in one transaction together with its row in the CLI's ledger,
    ``supabase_migrations.schema_migrations`` (version, name, statements), so ``supabase migration list`` and
    ``db push`` agree with what the task did, and the task with what they did. A failing file changes nothing:
    the task fails naming the file and the database's message, and the next run starts at that file. The first
    run that applies anything also creates the ledger (as the CLI does) and the function
    ``supabase_migrations.apply_migration_file`` that applies one file.

    Refused before anything runs: a ``.sql`` file without a numeric version, two files of one version, a file
    with its own ``BEGIN``/``COMMIT`` (each file already is one transaction), an applied file whose statements
    differ from the file on disk (drift; a ledger row without statements is not compared), and an applied
    version with no file (``db push`` refuses it too).

    Requests: one to read the ledger (all when nothing is pending, or with ``dry_run``), then one to prepare the
    ledger and one per pending file.

    :param project_ref: project ref (templated).
    :param migrations_dir: the folder of migration files, or a CLI project whose ``supabase/migrations`` holds
        them (templated).
    :param dry_run: only read the ledger and report what would be applied.
    :param target_version: apply pending files up to and including this version; later ones stay pending
        (templated).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"applied", "pending", "skipped"}``, lists of versions: applied by this run, still pending after it,
    and already applied before it.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "migrations_dir", "target_version")

    def __init__(
        self,
        *,
        project_ref: str,
        migrations_dir: str | os.PathLike[str],
        dry_run: bool = False,
        target_version: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.migrations_dir = migrations_dir
        # Not ``self.dry_run``: that would hide BaseOperator.dry_run(), which ``airflow tasks test`` calls.
        self.dry_run_only = dry_run
        self.target_version = target_version

    def _target(self) -> int | None:
        target = self.target_version
        if target is None or target == "":
            return None
        if isinstance(target, bool) or not re.fullmatch(r"[0-9]+", str(target)):
            raise SupabaseInputError("target_version", f"must be a numeric migration version, got {target!r}")
        return int(str(target))

    def _files(self) -> list[MigrationFile]:
        from airflow_provider_supabase.migrations import read_migrations

        if not isinstance(self.migrations_dir, (str, os.PathLike)) or not str(self.migrations_dir):
            raise SupabaseInputError("migrations_dir", f"must be a directory path, got {self.migrations_dir!r}")
        files = read_migrations(Path(self.migrations_dir))
        for migration in files:
            if any(_transaction_control(s) for s in migration.statements):
                raise SupabaseInputError(
                    "migrations_dir",
                    f"{migration.filename!r} has its own BEGIN/COMMIT; each file already runs in one transaction "
                    "with its ledger row, so remove them",
                )
        return files

    def _ledger(self, ref: str) -> dict[str, dict[str, Any]]:
        rows = self.hook.run_query(ref, READ_LEDGER)
        entries = rows[0]["ledger"] if rows else []
        return {str(entry["version"]): entry for entry in entries}

    def execute(self, context: Context) -> dict[str, list[str]]:
        ref = validate_ref(self.project_ref)
        target = self._target()
        files = self._files()
        ledger = self._ledger(ref)
        on_disk = {m.version for m in files}
        unknown = sorted(v for v in ledger if v not in on_disk)
        if unknown:
            raise AirflowFailException(
                f"Project {ref} has applied migration version(s) {', '.join(unknown)} with no file in "
                f"{self.migrations_dir}: restore the files (supabase migration fetch) or repair the ledger "
                "(supabase migration repair) first"
            )
        drifted = [
            m.filename
            for m in files
            if m.version in ledger
            and ledger[m.version].get("statements") is not None
            and list(ledger[m.version]["statements"]) != list(m.statements)
        ]
        if drifted:
            raise AirflowFailException(
                f"Applied migration(s) changed on disk since they ran on project {ref}: {', '.join(drifted)}. "
                "Nothing was applied; put the applied text back and write a new migration for the change"
            )
        skipped = [m.version for m in files if m.version in ledger]
        pending = [m for m in files if m.version not in ledger]
        due = [m for m in pending if target is None or int(m.version) <= target]
        if self.dry_run_only or not due:
            what = "would apply" if self.dry_run_only else "nothing to apply of"
            self.log.info(
                "Project %s: %s %d pending migration(s); %d already applied", ref, what, len(due), len(skipped)
            )
            return {"applied": [], "pending": [m.version for m in pending], "skipped": skipped}
        self.hook.run_query(ref, PREPARE_LEDGER)
        applied: list[str] = []
        for migration in due:
            try:
                self.hook.run_query(
                    ref, APPLY_FILE, parameters=[migration.version, migration.name, list(migration.statements)]
                )
            except SupabaseApiError as err:
                done = f"; applied before it: {', '.join(applied)}" if applied else ""
                cause = _refused_sql(err) if err.status_code == 400 else err
                message = f"Migration {migration.filename} failed on project {ref}{done}: {cause.api_message}"
                # The database refusing the SQL will refuse it again; only a lost or refused request is retried.
                if err.status_code is not None and 400 <= err.status_code < 500 and err.status_code != 429:
                    raise AirflowFailException(message) from cause
                raise AirflowException(message) from err
            applied.append(migration.version)
            self.log.info("Project %s: applied %s", ref, migration.filename)
        left = [m.version for m in pending if m.version not in applied]
        self.log.info("Project %s: applied %d migration(s), %d still pending", ref, len(applied), len(left))
        return {"applied": applied, "pending": left, "skipped": skipped}
