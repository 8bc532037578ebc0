"""Canonical source digest of an Edge Function, shared by the deploy operator and the emulator.

The emulator reports it as ``ezbr_sha256`` so a client can tell whether a deploy would change anything:

* a function created from a JSON ``body`` has ``sha256(body.encode()).hexdigest()`` (see :func:`body_digest`);
* a multipart deploy has :func:`source_digest` of its files: SHA-256 over, for every file in path order,
  ``path.encode() + b"\\0" + content + b"\\0"``.

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
