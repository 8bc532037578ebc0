"""Deploy Edge Functions from a directory, a list of files or an inline body (skipping unchanged ones), and
delete them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import require_text, validate_ref, validate_slug

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context
    from airflow_provider_supabase.deploy_record import DeploySource


def read_source_dir(source_dir: Any) -> dict[str, bytes]:
    """Every file under ``source_dir`` (recursively, symlinked directories not followed) by POSIX path
    relative to it."""
    if not isinstance(source_dir, (str, os.PathLike)) or not str(source_dir):
        raise SupabaseInputError("source_dir", f"must be a directory path, got {source_dir!r}")
    root = Path(source_dir)
    if not root.is_dir():
        raise SupabaseInputError("source_dir", f"{str(root)!r} does not exist or is not a directory")
    files: dict[str, bytes] = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for filename in filenames:
            path = Path(dirpath, filename)
            if path.is_file():
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    if not files:
        raise SupabaseInputError("source_dir", f"{str(root)!r} contains no files")
    return files


def read_files(files: Any, base_dir: Any = None) -> dict[str, bytes]:
    """Read a list of local files, keyed by their path relative to ``base_dir`` (by default the deepest
    directory containing all of them)."""
    if isinstance(files, (str, os.PathLike)) or not isinstance(files, (list, tuple)) or not files:
        raise SupabaseInputError("files", f"must be a non-empty list of file paths, got {files!r}")
    if base_dir is not None and (not isinstance(base_dir, (str, os.PathLike)) or not Path(base_dir).is_dir()):
        raise SupabaseInputError("base_dir", f"{base_dir!r} does not exist or is not a directory")
    base = Path(base_dir).absolute() if base_dir is not None else None
    paths: list[Path] = []
    for entry in files:
        if not isinstance(entry, (str, os.PathLike)) or not str(entry):
            raise SupabaseInputError("files", f"{entry!r} is not a file path")
        path = Path(entry)
        path = (base / path) if base is not None and not path.is_absolute() else path.absolute()
        if not path.is_file():
            raise SupabaseInputError("files", f"{str(entry)!r} does not exist or is not a file")
        paths.append(Path(os.path.normpath(path)))
    if base is None:
        base = Path(os.path.commonpath([str(p.parent) for p in paths]))
    result: dict[str, bytes] = {}
    for path in paths:
        relative = os.path.relpath(path, base)
        if relative.startswith(".."):
            raise SupabaseInputError("files", f"{str(path)!r} is outside base_dir {str(base)!r}")
        result[Path(relative).as_posix()] = path.read_bytes()
    return result


class DeployFunctionOperator(SupabaseBaseOperator):
    """Deploy an Edge Function, or do nothing when the deployed one is already the same.

    Give exactly one source:

    * ``source_dir``: every file under the directory (recursively, including dot-files), deployed with its
      path relative to the directory. ``entrypoint_path`` (default ``index.ts``) and ``import_map_path`` are
      relative to it too.
    * ``files``: a list of local file paths. Each is deployed with its path relative to ``base_dir``; without
      ``base_dir`` the base is the deepest directory that contains all of them, so
      ``["/src/fn/index.ts", "/src/fn/lib/db.ts"]`` deploys ``index.ts`` and ``lib/db.ts``. Relative entries
      are resolved against ``base_dir`` (or the worker's current directory: prefer absolute paths).
    * ``body``: the source of a single-file function, sent as JSON (create, or update when the slug exists).
      It is a template field: escape any ``{{``/``{%``/``{#`` in the source with ``{% raw %}``.

    Directory and file sources go through the multipart deploy endpoint. ``verify_jwt`` is always sent,
    because the API turns JWT verification back on when an update leaves it out.

    Skipping: after each deploy the operator stores a deploy record in the Airflow Variable
    ``supabase_deploy__<project_ref>__<slug>`` (JSON: the SHA-256 of the sources, ``verify_jwt``, ``name``, the
    entrypoint and import map, and the ``version`` and ``updated_at`` the API returned). The next run skips the
    deploy only when its sources and settings equal the record and the live function (one GET) still has the
    recorded ``version`` and ``updated_at``: a deploy by anyone else (CLI, dashboard, another DAG with other
    sources) changes those, so the run after it deploys. The API's own ``ezbr_sha256`` hashes the bundle the
    server builds and cannot be compared with local sources. Every DAG deploying the same function shares the
    record. Delete the Variable, or pass ``force=True``, to deploy regardless.

    :param project_ref: project ref (templated).
    :param slug: function slug, ``^[A-Za-z0-9_-]+$`` (templated).
    :param name: display name; defaults to the slug on create, and is left as is on update (templated).
    :param verify_jwt: require a valid JWT on invocation.
    :param source_dir: directory source (templated).
    :param files: list of file paths (templated).
    :param base_dir: base directory for ``files`` (templated).
    :param body: inline source (templated).
    :param entrypoint_path: entrypoint relative to the sources (templated).
    :param import_map_path: import map relative to the sources, if any (templated).
    :param force: deploy even when the deploy record says nothing changed (a new record is written).
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"slug", "id", "version", "status", "deployed"}``; ``deployed`` is false when it was skipped.
    """

    template_fields: Sequence[str] = (
        "supabase_conn_id",
        "project_ref",
        "slug",
        "name",
        "source_dir",
        "files",
        "base_dir",
        "body",
        "entrypoint_path",
        "import_map_path",
    )
    template_fields_renderers = {"files": "json"}
    ui_color = "#3ecf8e"

    def __init__(
        self,
        *,
        project_ref: str,
        slug: str,
        name: str | None = None,
        verify_jwt: bool = True,
        source_dir: str | os.PathLike[str] | None = None,
        files: Sequence[str | os.PathLike[str]] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        body: str | None = None,
        entrypoint_path: str = "index.ts",
        import_map_path: str | None = None,
        force: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.slug = slug
        self.name = name
        self.force = force
        self.verify_jwt = verify_jwt
        self.source_dir = source_dir
        self.files = files
        self.base_dir = base_dir
        self.body = body
        self.entrypoint_path = entrypoint_path
        self.import_map_path = import_map_path

    def _sources(self) -> dict[str, bytes] | None:
        """The files to deploy, or None for an inline body; refuses any bad input."""
        given = [n for n in ("source_dir", "files", "body") if getattr(self, n) is not None]
        if len(given) != 1:
            shown = ", ".join(given) if given else "none"
            raise SupabaseInputError("source_dir / files / body", f"give exactly one source (got {shown})")
        if self.body is not None:
            if not isinstance(self.body, str) or not self.body.strip():
                raise SupabaseInputError("body", "must be a non-empty string of function source")
            return None
        if self.base_dir is not None and self.files is None:
            raise SupabaseInputError("base_dir", "only applies to files")
        sources = (
            read_source_dir(self.source_dir) if self.source_dir is not None else read_files(self.files, self.base_dir)
        )
        for field in ("entrypoint_path", "import_map_path"):
            path = getattr(self, field)
            if path is None and field == "import_map_path":
                continue
            if not isinstance(path, str) or path.removeprefix("./") not in sources:
                listed = ", ".join(sorted(sources)[:20])
                raise SupabaseInputError(field, f"{path!r} is not among the files to deploy ({listed})")
        return sources

    def _deploy_source(self, sources: Mapping[str, bytes] | None) -> DeploySource:
        from airflow_provider_supabase.deploy_record import DeploySource
        from airflow_provider_supabase.digest import body_digest, source_digest

        if sources is None:
            return DeploySource("body", body_digest(str(self.body)), self.verify_jwt, self.name, None, None)
        return DeploySource(
            "files",
            source_digest(sources),
            self.verify_jwt,
            self.name,
            str(self.entrypoint_path).removeprefix("./"),
            self.import_map_path.removeprefix("./") if self.import_map_path else None,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        ref = validate_ref(self.project_ref)
        slug = validate_slug(self.slug)
        if self.name is not None:
            require_text(self.name, "name")
        for flag in ("verify_jwt", "force"):
            if not isinstance(getattr(self, flag), bool):
                raise SupabaseInputError(flag, f"must be true or false, got {getattr(self, flag)!r}")
        sources = self._sources()
        source = self._deploy_source(sources)

        try:
            live = self.hook.get_function(ref, slug)
        except SupabaseApiError as err:
            if err.status_code != 404:
                raise
            live = None

        reason = self._why_deploy(ref, slug, source, live)
        if reason is None:
            assert live is not None
            self.log.info(
                "Function %s in project %s is unchanged since this provider deployed version %s (sha256 %s); "
                "skipping the deploy",
                slug,
                ref,
                live.get("version"),
                source.source_digest[:12],
            )
            return self._xcom(live, deployed=False)
        self.log.info("Deploying function %s to project %s: %s", slug, ref, reason)

        if sources is not None:
            result = self.hook.deploy_function(
                ref,
                slug,
                files=sources,
                entrypoint_path=str(source.entrypoint_path),
                import_map_path=source.import_map_path,
                verify_jwt=self.verify_jwt,
                name=self.name,
            )
            how = f"{len(sources)} file(s)"
        elif live is None:
            result = self.hook.create_function(ref, slug, self.name or slug, str(self.body), verify_jwt=self.verify_jwt)
            how = "inline body (created)"
        else:
            fields: dict[str, Any] = {"body": self.body, "verify_jwt": self.verify_jwt}
            if self.name is not None:
                fields["name"] = self.name
            result = self.hook.update_function(ref, slug, **fields)
            how = "inline body (updated)"
        self.log.info("Deployed function %s to project %s from %s: version %s", slug, ref, how, result.get("version"))
        self._record(ref, slug, source, result, context)
        return self._xcom(result, deployed=True)

    def _why_deploy(self, ref: str, slug: str, source: DeploySource, live: Mapping[str, Any] | None) -> str | None:
        """None when the deploy can be skipped, otherwise why it cannot (for the log)."""
        from airflow_provider_supabase.deploy_record import read_record, record_key

        if self.force:
            return "force=True"
        if live is None:
            return "the function does not exist yet"
        record = read_record(ref, slug, self.log)
        if record is None:
            return f"no deploy record (Variable {record_key(ref, slug)}) for it yet"
        return record.why_not_live(source, live)

    def _record(self, ref: str, slug: str, source: DeploySource, result: Mapping[str, Any], context: Context) -> None:
        from airflow_provider_supabase.deploy_record import DeployRecord, now_iso, record_key, write_record

        version, updated_at = result.get("version"), result.get("updated_at")
        if updated_at is None and isinstance(version, int):
            # The deploy endpoint is not obliged to return updated_at: read it back, but only from the version this
            # deploy produced, so a deploy by someone else in between is never recorded as ours.
            try:
                current = self.hook.get_function(ref, slug)
            except SupabaseApiError as err:
                self.log.warning("Could not read back the deployed function, so no deploy record: %s", err)
                return
            if current.get("version") == version:
                updated_at = current.get("updated_at")
        if not isinstance(version, int) or updated_at is None:
            self.log.warning(
                "Could not learn the version and updated_at this deploy produced (the API left them out, or the "
                "function changed again at once), so no deploy record is kept and the next run deploys again"
            )
            return
        ti = context.get("ti") if hasattr(context, "get") else None
        deployed_by = ""
        if ti is not None:
            deployed_by = f"{ti.dag_id}.{ti.task_id} {ti.run_id}"
            if getattr(ti, "map_index", -1) >= 0:
                deployed_by += f" map_index={ti.map_index}"
        record = DeployRecord(ref, slug, source, version, updated_at, deployed_by, now_iso())
        if write_record(record, self.log):
            self.log.info("Recorded the deploy in the Variable %s", record_key(ref, slug))

    def _xcom(self, function: Mapping[str, Any], *, deployed: bool) -> dict[str, Any]:
        return {
            "slug": function.get("slug", self.slug),
            "id": function.get("id"),
            "version": function.get("version"),
            "status": function.get("status"),
            "deployed": deployed,
        }


class DeleteFunctionOperator(SupabaseBaseOperator):
    """Delete an Edge Function. A function that does not exist is not an error unless ``missing_ok=False``.

    :param project_ref: project ref (templated).
    :param slug: function slug (templated).
    :param missing_ok: succeed (``deleted: false``) when there is no such function.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"slug", "deleted"}``.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "slug")
    ui_color = "#f28b82"

    def __init__(self, *, project_ref: str, slug: str, missing_ok: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.slug = slug
        self.missing_ok = missing_ok

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_supabase.deploy_record import delete_record

        ref = validate_ref(self.project_ref)
        slug = validate_slug(self.slug)
        try:
            self.hook.delete_function(ref, slug)
        except SupabaseApiError as err:
            if err.status_code != 404 or not self.missing_ok:
                raise
            self.log.info("Function %s does not exist in project %s; nothing to delete", slug, ref)
            delete_record(ref, slug, self.log)
            return {"slug": slug, "deleted": False}
        self.log.info("Deleted function %s from project %s", slug, ref)
        delete_record(ref, slug, self.log)
        return {"slug": slug, "deleted": True}
