"""CreateOrganizationOperator in real DAG runs: create, or adopt by name."""

from __future__ import annotations

IMPORTS = "from airflow_provider_supabase.operators.organizations import CreateOrganizationOperator"


def test_creates_the_organization(run_tasks, emulator):
    result = run_tasks('CreateOrganizationOperator(task_id="org", name="Initech")', imports=IMPORTS)

    [org] = emulator.state_snapshot()["organizations"].values()
    assert result.xcom("org") == {"id": org["id"], "slug": org["slug"], "name": "Initech", "created": True}


def test_existing_organization_with_the_same_name_is_adopted(run_tasks, emulator, org):
    result = run_tasks('CreateOrganizationOperator(task_id="org", name="Acme")', imports=IMPORTS)

    assert result.xcom("org") == {"id": org["id"], "slug": org["slug"], "name": "Acme", "created": False}
    assert len(emulator.state_snapshot()["organizations"]) == 1
    assert emulator.request_count("POST") == 0
    assert "adopting it" in result.log


def test_lost_create_response_is_adopted_not_duplicated(run_tasks, emulator):
    emulator.inject_fault("POST", "/v1/organizations", "drop_after")

    result = run_tasks('CreateOrganizationOperator(task_id="org", name="Initech")', imports=IMPORTS)

    assert result.state == "success"
    assert [o["name"] for o in emulator.state_snapshot()["organizations"].values()] == ["Initech"]


def test_name_is_templated(run_tasks, emulator):
    result = run_tasks(
        'CreateOrganizationOperator(task_id="org", name="{{ params.org }}")', imports=IMPORTS, params={"org": "Hooli"}
    )

    assert result.xcom("org")["name"] == "Hooli"
    assert result.rendered[("org", -1)]["name"] == "Hooli"


def test_empty_name_is_refused_before_any_request(run_tasks, emulator):
    result = run_tasks('CreateOrganizationOperator(task_id="org", name="")', imports=IMPORTS)

    assert result.task_states["org"] == "failed"
    assert "Invalid name" in result.log
    assert emulator.request_count() == 0
