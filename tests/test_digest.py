"""The client-side source digest the deploy record keeps."""

from __future__ import annotations

import re

from airflow_provider_supabase.digest import source_digest


def test_source_digest_is_order_independent_and_path_sensitive() -> None:
    files = {"b.ts": b"two", "a.ts": b"one"}
    assert source_digest(files) == source_digest(dict(sorted(files.items())))
    assert source_digest(files) == source_digest({"a.ts": "one", "b.ts": "two"})
    assert source_digest(files) != source_digest({"a.ts": b"one", "c.ts": b"two"})
    assert re.fullmatch(r"[0-9a-f]{64}", source_digest({}))
