"""Canonical digest of an Edge Function's sources: what the deploy operator records as having deployed.

* a multipart deploy's files: :func:`source_digest`, SHA-256 over, for every file in path order,
  ``path.encode() + b"\\0" + content + b"\\0"``;
* a function given as a JSON ``body``: :func:`body_digest`, ``sha256(body.encode()).hexdigest()``.

The API's own ``ezbr_sha256`` hashes the bundle the server builds and cannot be computed from the sources, so
these digests are compared only with the deploy record (:mod:`airflow_provider_supabase.deploy_record`).
This module must stay dependency-free (hashlib only): workers import it to decide whether a deploy is needed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotation-only, so importing this module costs nothing beyond hashlib
    from collections.abc import Mapping


def source_digest(files: Mapping[str, bytes | str]) -> str:
    """Return the hex SHA-256 of a function's files (relative path -> content); text is UTF-8 encoded."""
    digest = hashlib.sha256()
    for path in sorted(files):
        content = files[path]
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        digest.update(path.encode("utf-8"))
        digest.update(b"\0")
        digest.update(data)
        digest.update(b"\0")
    return digest.hexdigest()


def body_digest(body: str) -> str:
    """Return the hex SHA-256 of a single-body (JSON-created) function's source."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
