"""ExportApiKeysOperator in real DAG runs: publishable keys to XCom, secret keys only into masked Variables."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.api_keys import ExportApiKeysOperator
from tests.operators.masking import assert_never_leaked

IMPORTS = "from airflow_provider_supabase.operators.api_keys import ExportApiKeysOperator"


def _keys(emulator, ref: str) -> dict[tuple[str, str], str]:
    return {(k["type"], k["name"]): k["api_key"] for k in emulator.state_snapshot()["projects"][ref]["api_keys"]}


def _variable(name: str) -> str | None:
    from airflow.models import Variable

    return Variable.get(name, default_var=None)


def test_publishable_keys_go_to_xcom(run_tasks, emulator, project):
    ref = project["ref"]
    keys = _keys(emulator, ref)

    result = run_tasks(f"ExportApiKeysOperator(task_id='keys', project_ref={ref!r})", imports=IMPORTS)

    assert result.xcom("keys")["publishable"] == {
        "anon": keys[("legacy", "anon")],
        "default": keys[("publishable", "default")],
    }


def test_secret_keys_go_only_to_variables_named_after_the_prefix(run_tasks, emulator, project):
    ref = project["ref"]
    keys = _keys(emulator, ref)

    result = run_tasks(
        f"ExportApiKeysOperator(task_id='keys', project_ref={ref!r}, variable_prefix='acme')", imports=IMPORTS
    )

    assert result.xcom("keys")["variables"] == ["acme_default", "acme_service_role"]
    assert _variable("acme_default") == keys[("secret", "default")]
    assert _variable("acme_service_role") == keys[("legacy", "service_role")]
    assert_never_leaked(result, keys[("secret", "default")], keys[("legacy", "service_role")])


def test_the_default_prefix_names_the_project(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(f"ExportApiKeysOperator(task_id='keys', project_ref={ref!r})", imports=IMPORTS)

    assert result.xcom("keys")["variables"] == [f"supabase_{ref}_default", f"supabase_{ref}_service_role"]


def test_the_keys_are_read_once_revealed(run_tasks, emulator, project):
    ref = project["ref"]

    run_tasks(f"ExportApiKeysOperator(task_id='keys', project_ref={ref!r})", imports=IMPORTS)

    [read] = [r for r in emulator.requests if r.template == "/v1/projects/{ref}/api-keys"]
    assert read.query == {"reveal": ["true"]}


@pytest.mark.parametrize("prefix", ["", "my app", ["x"]])
def test_a_bad_prefix_is_refused_before_any_request(emulator, project, prefix):
    op = ExportApiKeysOperator(task_id="keys", project_ref=project["ref"], variable_prefix=prefix)

    with pytest.raises(SupabaseInputError, match="variable_prefix"):
        op.execute({})

    assert emulator.request_count() == 0
