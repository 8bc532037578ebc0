"""Deterministic stand-in for ``supabase gen types typescript``: a plausible ``Database`` type per schema."""

from __future__ import annotations

# schema -> table -> [(column, TypeScript type of a Row value, nullable, has a default)]
Column = tuple[str, str, bool, bool]

_TABLES: dict[str, dict[str, list[Column]]] = {
    "public": {
        "profiles": [
            ("id", "string", False, False),
            ("username", "string", True, False),
            ("avatar_url", "string", True, False),
            ("updated_at", "string", True, True),
        ],
        "todos": [
            ("id", "number", False, True),
            ("user_id", "string", False, False),
            ("task", "string", False, False),
            ("is_complete", "boolean", False, True),
            ("inserted_at", "string", False, True),
        ],
    },
    "auth": {
        "users": [
            ("id", "string", False, False),
            ("email", "string", True, False),
            ("raw_user_meta_data", "Json", True, False),
            ("created_at", "string", True, True),
        ],
    },
    "storage": {
        "buckets": [
            ("id", "string", False, False),
            ("name", "string", False, False),
            ("public", "boolean", True, True),
            ("created_at", "string", True, True),
        ],
        "objects": [
            ("id", "string", False, True),
            ("bucket_id", "string", True, False),
            ("name", "string", True, False),
            ("metadata", "Json", True, False),
        ],
    },
}

_EMPTY = "{\n      [_ in never]: never\n    }"

_HEADER = (
    "export type Json =\n"
    "  | string\n"
    "  | number\n"
    "  | boolean\n"
    "  | null\n"
    "  | { [key: string]: Json | undefined }\n"
    "  | Json[]\n"
)


def _columns(columns: list[Column], mode: str) -> str:
    lines = []
    for name, ts_type, nullable, has_default in columns:
        value = f"{ts_type} | null" if nullable else ts_type
        optional = mode == "Update" or (mode == "Insert" and (nullable or has_default))
        lines.append(f"          {name}{'?' if optional else ''}: {value}")
    return "{\n" + "\n".join(lines) + "\n        }"


def _schema_block(schema: str) -> str:
    tables = _TABLES.get(schema, {})
    if tables:
        entries = []
        for table, columns in sorted(tables.items()):
            entries.append(
                f"      {table}: {{\n"
                f"        Row: {_columns(columns, 'Row')}\n"
                f"        Insert: {_columns(columns, 'Insert')}\n"
                f"        Update: {_columns(columns, 'Update')}\n"
                "        Relationships: []\n"
                "      }"
            )
        tables_text = "{\n" + "\n".join(entries) + "\n    }"
    else:
        tables_text = _EMPTY
    return (
        f"  {schema}: {{\n"
        f"    Tables: {tables_text}\n"
        f"    Views: {_EMPTY}\n"
        f"    Functions: {_EMPTY}\n"
        f"    Enums: {_EMPTY}\n"
        f"    CompositeTypes: {_EMPTY}\n"
        "  }"
    )


def generate_types(schemas: list[str]) -> str:
    """Render the TypeScript module for ``schemas`` in the given order; unknown schemas are empty."""
    blocks = "\n".join(_schema_block(s) for s in schemas)
    return f"{_HEADER}\nexport type Database = {{\n{blocks}\n}}\n"
