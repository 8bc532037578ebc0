"""Where the tests find the Management API's OpenAPI spec: the copy kept in the repository (spec/README.md)."""

from __future__ import annotations

from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "supabase-management-api.openapi.json"
