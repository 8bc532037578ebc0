"""GenerateTypeScriptTypesOperator in real DAG runs: XCom the types, or write them atomically to a file."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.types import GenerateTypeScriptTypesOperator

IMPORTS = "from airflow_provider_supabase.operators.types import GenerateTypeScriptTypesOperator"


def _gen(ref: str, **extra) -> str:
    return f"GenerateTypeScriptTypesOperator(**{dict(task_id='types', project_ref=ref, **extra)!r})"


def test_writes_the_types_file_and_returns_its_path(run_tasks, emulator, project, tmp_path):
    target = tmp_path / "database.types.ts"

    result = run_tasks(
        _gen(project["ref"], included_schemas=["public", "auth"], output_path=str(target)), imports=IMPORTS
    )

    assert result.xcom("types") == str(target)
    text = target.read_text()
    assert "public" in text and "auth" in text
    assert [p.name for p in tmp_path.iterdir()] == ["database.types.ts"]  # no temporary file left behind
    assert emulator.requests[-1].query["included_schemas"] == ["public,auth"]


def test_replaces_an_existing_file_keeping_its_mode(run_tasks, emulator, project, tmp_path):
    target = tmp_path / "types.ts"
    target.write_text("stale")
    target.chmod(0o640)

    run_tasks(_gen(project["ref"], output_path=str(target)), imports=IMPORTS)

    assert "stale" not in target.read_text() and "public" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o640


def test_without_output_path_the_types_are_the_xcom(run_tasks, emulator, project):
    result = run_tasks(_gen(project["ref"], included_schemas="public"), imports=IMPORTS)

    assert isinstance(result.xcom("types"), str) and "public" in result.xcom("types")


def test_types_too_large_for_xcom_fail_the_task_asking_for_output_path(run_tasks, emulator, project):
    result = run_tasks(_gen(project["ref"], max_xcom_bytes=200), imports=IMPORTS)

    assert result.task_states == {"types": "failed"}
    assert "more than the 200 that may go to XCom" in result.log and "give output_path" in result.log
    assert result.xcom("types") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"output_path": "/no/such/dir/types.ts"}, "output_path"),
        ({"output_path": "/tmp"}, "output_path"),
        ({"included_schemas": ["public", ""]}, "included_schemas"),
        ({"project_ref": "short"}, "project_ref"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, project, kwargs, field):
    op = GenerateTypeScriptTypesOperator(task_id="types", **{"project_ref": project["ref"], **kwargs})

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert emulator.request_count() == 0
