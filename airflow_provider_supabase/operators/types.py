"""Generate TypeScript types for a project's database schemas, optionally written to a file atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import validate_ref

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context


def _schemas(value: Any) -> list[str] | None:
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)):
        raise SupabaseInputError("included_schemas", f"must be a list of schema names, got {value!r}")
    result = []
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise SupabaseInputError("included_schemas", f"{name!r} is not a schema name")
        result.append(name.strip())
    return result or None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so a reader (or a crash) never sees a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file 0600; keep the mode of the file being replaced, or the usual 0644.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


DEFAULT_MAX_XCOM_BYTES = 64 * 1024


class GenerateTypeScriptTypesOperator(SupabaseBaseOperator):
    """Generate the TypeScript definitions of a project's database (``supabase gen types typescript``).

    :param project_ref: project ref (templated).
    :param included_schemas: schema names, as a list or a comma-separated string; the API defaults to
        ``public`` (templated).
    :param output_path: file to write; its directory must exist. Written atomically (a temporary file in the
        same directory, then ``os.replace``) (templated).
    :param max_xcom_bytes: without ``output_path`` the types go to XCom, which lives in Airflow's database and
        is loaded by every task that pulls it: larger types fail the task, asking for ``output_path``
        (default 64 KiB).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: the absolute path written, or the types themselves when no ``output_path`` is given.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "included_schemas", "output_path")
    template_fields_renderers = {"included_schemas": "json"}

    def __init__(
        self,
        *,
        project_ref: str,
        included_schemas: Sequence[str] | str | None = None,
        output_path: str | os.PathLike[str] | None = None,
        max_xcom_bytes: int = DEFAULT_MAX_XCOM_BYTES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_xcom_bytes = max_xcom_bytes
        self.project_ref = project_ref
        self.included_schemas = included_schemas
        self.output_path = output_path

    def _output(self) -> Path | None:
        if self.output_path is None:
            return None
        if not isinstance(self.output_path, (str, os.PathLike)) or not str(self.output_path):
            raise SupabaseInputError("output_path", f"must be a file path, got {self.output_path!r}")
        path = Path(self.output_path).absolute()
        if path.is_dir():
            raise SupabaseInputError("output_path", f"{str(path)!r} is a directory; name the file to write")
        if not path.parent.is_dir():
            raise SupabaseInputError("output_path", f"directory {str(path.parent)!r} does not exist")
        return path

    def execute(self, context: Context) -> str:
        ref = validate_ref(self.project_ref)
        schemas = _schemas(self.included_schemas)
        path = self._output()
        types: str = self.hook.generate_typescript_types(ref, schemas)
        shown = ", ".join(schemas) if schemas else "the default schema"
        if path is None:
            size = len(types.encode())
            if size > self.max_xcom_bytes:
                raise SupabaseInputError(
                    "output_path",
                    f"the types of {shown} are {size} bytes, more than the {self.max_xcom_bytes} that may go to XCom "
                    "(max_xcom_bytes); give output_path to write them to a file",
                )
            self.log.info("Generated TypeScript types for %s of project %s (%d bytes)", shown, ref, size)
            return types
        write_atomically(path, types)
        self.log.info("Wrote TypeScript types for %s of project %s to %s (%d bytes)", shown, ref, path, len(types))
        return str(path)
