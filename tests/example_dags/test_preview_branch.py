"""supabase_preview_branch, run end to end against the emulator: a branch per run, migrated and checked, and
deleted by the teardown whether the check passed or not."""

from __future__ import annotations

import pytest

from tests.dagrun import run_dag_file

from .conftest import EXAMPLE_DAGS

DAG_ID = "supabase_preview_branch"
TASKS = ["create_branch", "wait_for_branch", "apply_migrations", "check_schema", "delete_branch"]
MIGRATIONS = sorted(p.name for p in (EXAMPLE_DAGS / "supabase" / "migrations").glob("*.sql"))


@pytest.fixture
def parent(examples):
    examples.emulator.reset()
    org = examples.emulator.seed_organization("Acme")
    return examples.emulator.seed_project("acme-prod", org["slug"])


def _database_available(examples, ref: str) -> bool:
    import requests

    from tests.conftest import TOKEN

    response = requests.post(
        f"{examples.emulator.url}/v1/projects/{ref}/database/query",
        json={"query": "select 1"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    return response.status_code != 503


def test_a_run_migrates_and_checks_its_own_branch_then_deletes_it(examples, parent):
    if not _database_available(examples, parent["ref"]):
        pytest.skip("the emulator has no PostgreSQL")

    result = examples.run(DAG_ID, run_conf={"project_ref": parent["ref"]})

    assert result.task_states == dict.fromkeys(TASKS, "success")
    created = result.xcom("create_branch")
    assert created["created"] is True and created["name"].startswith("ci-manual__")
    assert result.xcom("wait_for_branch")["status"] == "READY"
    branch_ref = created["project_ref"]
    assert result.xcom("apply_migrations")["applied"] == [m.split("_", 1)[0] for m in MIGRATIONS]
    assert result.xcom("check_schema") == [{"profiles": 0}]
    assert result.xcom("delete_branch")["deleted"] is True
    snapshot = examples.emulator.state_snapshot()
    assert [b for b in snapshot["branches"].values() if not b["is_default"]] == []
    assert branch_ref not in snapshot["projects"]
    # Everything ran on the branch: the parent's database was never touched by the run.
    parent_writes = [r for r in examples.emulator.requests if r.path.startswith(f"/v1/projects/{parent['ref']}/data")]
    assert len(parent_writes) == 1  # this test's own availability probe


def test_the_teardown_deletes_the_branch_when_the_check_fails(examples, parent):
    if not _database_available(examples, parent["ref"]):
        pytest.skip("the emulator has no PostgreSQL")
    # A release that forgot a migration: the check finds the column missing and fails the run.
    examples.copy_support_folders()
    (examples.dags_folder / "supabase" / "migrations" / "20240102000000_add_avatar_url.sql").unlink()

    result = _run_copied(examples, parent)

    assert result.state == "failed"
    assert result.task_states["apply_migrations"] == "success"
    assert result.task_states["check_schema"] == "failed"
    assert result.task_states["delete_branch"] == "success"
    assert result.xcom("delete_branch")["deleted"] is True
    assert _branches(examples) == []


def test_the_teardown_deletes_the_branch_when_it_never_becomes_ready(examples, parent):
    examples.emulator.plan_branch_failure("*", "migrate", 'ERROR: relation "profiles" already exists')

    result = examples.run(DAG_ID, run_conf={"project_ref": parent["ref"]})

    assert result.task_states["wait_for_branch"] == "failed"
    assert result.task_states["check_schema"] == "upstream_failed"
    assert result.task_states["delete_branch"] == "success"
    assert _branches(examples) == []


def _run_copied(examples, parent):
    """Run the DAG over the support folders already copied (and perhaps edited)."""
    source = (EXAMPLE_DAGS / f"{DAG_ID}.py").read_text()
    return run_dag_file(examples.dags_folder, source, DAG_ID, run_conf={"project_ref": parent["ref"]})


def _branches(examples) -> list[dict]:
    return [b for b in examples.emulator.state_snapshot()["branches"].values() if not b["is_default"]]
