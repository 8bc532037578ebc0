"""Supabase CLI migrations as the CLI sees them: files named ``<version>_<name>.sql``, split into statements
the way ``supabase db push`` splits them, and the ledger it keeps (``supabase_migrations.schema_migrations``).

Nothing here sends a request: the operator and the emulator both build on it, so a file is split the same way
when it is applied, when it is compared with the ledger, and when the emulator records it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from airflow_provider_supabase.exceptions import SupabaseInputError

# The CLI's own pattern (pkg/migration/file.go): a numeric version, an underscore, any name.
FILE_RE = re.compile(r"^([0-9]+)_(.*)\.sql$")

# The CLI creates its ledger with these statements, in this order (pkg/migration/history.go); a table made by
# an older CLI gains the later columns the same way.
CREATE_LEDGER = (
    "create schema if not exists supabase_migrations",
    "create table if not exists supabase_migrations.schema_migrations (version text not null primary key)",
    "alter table supabase_migrations.schema_migrations add column if not exists statements text[]",
    "alter table supabase_migrations.schema_migrations add column if not exists name text",
)


# ---------------------------------------------------------------------------------------------- splitting
#
# A port of the CLI's tokenizer (pkg/parser): a state machine over the text that ends a statement at a ``;``
# outside quotes, dollar quotes, comments, parentheses and ``BEGIN ATOMIC ... END`` bodies. It is ported
# state for state, quirks included, because the drift check must split exactly as the CLI recorded.


class _State:
    # ``text[start:end]`` is the statement so far, ending with ``ch``: passed as indexes, not sliced, so
    # splitting stays linear in the file's length.
    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:  # None: the statement ends
        raise NotImplementedError


def _window(text: str, start: int, end: int, size: int) -> str:
    return text[max(start, end - size) : end]


class _Ready(_State):
    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        if ch == "$":
            return _Tag(end - 1)
        if ch in ("'", '"'):
            return _Quote(ch)
        if ch == "-":
            return _Comment()
        if ch == "/":
            return _Block()
        if ch == "\\":
            return _Escape()
        if ch == ";":
            return None
        if ch == "(":
            return _Atomic(self, ")")
        if ch in ("c", "C"):
            offset = end - 6
            if offset > start and text[offset:end].upper() == "ATOMIC" and text[offset - 1].isspace():
                return _Atomic(self, "END")
        return self


class _Comment(_State):
    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        if ch == "-":
            return _Dollar("\n")
        return _Ready().next(ch, text, start, end)


class _Block(_State):
    def __init__(self) -> None:
        self.depth = 0

    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        window = _window(text, start, end, 2)
        if window == "/*":
            self.depth += 1
            return self
        if self.depth == 0:
            return _Ready().next(ch, text, start, end)
        if window == "*/":
            self.depth -= 1
            if self.depth == 0:
                return _Ready()
        return self


class _Quote(_State):
    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.escape = False

    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        if self.escape:
            if ch == self.delimiter:  # a doubled quote stays inside the string
                self.escape = False
                return self
            return _Ready().next(ch, text, start, end)
        if ch == self.delimiter:
            self.escape = True
        return self


class _Dollar(_State):
    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter

    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        return _Ready() if _window(text, start, end, len(self.delimiter)) == self.delimiter else self


class _Tag(_State):
    def __init__(self, offset: int) -> None:
        self.offset = offset

    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        if ch == "$":
            return _Dollar(text[self.offset : end])
        if ch.isalpha() or unicodedata.category(ch) == "Nd" or ch == "_":
            return self
        return _Ready().next(ch, text, start, end)


class _Escape(_State):
    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        return _Ready()


class _Atomic(_State):
    def __init__(self, prev: _State, delimiter: str) -> None:
        self.prev = prev
        self.delimiter = delimiter

    def next(self, ch: str, text: str, start: int, end: int) -> _State | None:
        current = self.prev.next(ch, text, start, end)
        if current is not None:
            self.prev = current
        window = _window(text, start, end, len(self.delimiter))
        if isinstance(self.prev, _Ready) and window.upper() == self.delimiter.upper():
            return _Ready()
        return self


def split_statements(sql: str) -> list[str]:
    """The file's statements as the CLI records them: split at top-level ``;``, trailing ``;`` and surrounding
    whitespace removed, empty ones dropped; comments stay with the statement that follows them."""
    statements: list[str] = []
    state: _State = _Ready()
    start = 0
    for index, ch in enumerate(sql):
        following = state.next(ch, sql, start, index + 1)
        if following is None:
            statements.append(sql[start : index + 1])
            start = index + 1
            state = _Ready()
        else:
            state = following
    statements.append(sql[start:])
    trimmed = (s.rstrip(";").strip() for s in statements)
    return [s for s in trimmed if s]


# ---------------------------------------------------------------------------------------------- files


@dataclass(frozen=True)
class MigrationFile:
    """One ``<version>_<name>.sql`` file: its version and name as the CLI parses them, and its statements."""

    version: str
    name: str
    filename: str
    statements: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[int, str]:
        return int(self.version), self.version


def migrations_folder(directory: str | Path, field: str = "migrations_dir") -> Path:
    """The folder holding the files: the given one, or its ``supabase/migrations`` (a CLI project's root)."""
    path = Path(directory)
    if not path.is_dir():
        raise SupabaseInputError(field, f"{str(path)!r} is not a directory")
    nested = path / "supabase" / "migrations"
    if nested.is_dir() and not any(path.glob("*.sql")):
        return nested
    return path


def read_migrations(directory: str | Path, field: str = "migrations_dir") -> list[MigrationFile]:
    """Every ``.sql`` file of the folder, in version order. A ``.sql`` file the CLI would not take (no numeric
    version) and two files of one version are refused, naming them; other files (README.md, .gitkeep) are not
    migrations and are left alone, as the CLI leaves them."""
    folder = migrations_folder(directory, field)
    found: dict[str, MigrationFile] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix != ".sql":
            continue
        match = FILE_RE.match(path.name)
        if match is None:
            raise SupabaseInputError(
                field, f"{path.name!r} has no numeric version: migration files are named <version>_<name>.sql"
            )
        version, name = match.group(1), match.group(2)
        if version in found:
            raise SupabaseInputError(
                field, f"{found[version].filename!r} and {path.name!r} have the same version {version}"
            )
        statements = tuple(split_statements(path.read_text(encoding="utf-8")))
        found[version] = MigrationFile(version, name, path.name, statements)
    return sorted(found.values(), key=lambda m: m.sort_key)
