"""CreateProjectOperator in real DAG runs against the emulator: create or adopt, wait, defer, mask, link."""

from __future__ import annotations

import re
import uuid

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.projects import CreateProjectOperator, SupabaseProjectLink
from tests.conftest import set_connection
from tests.operators.masking import assert_never_leaked

IMPORTS = "from airflow_provider_supabase.operators.projects import CreateProjectOperator"


def _create(org_slug: str, name: str = "web", **extra: str) -> str:
    args = {"task_id": "create", "name": name, "organization_slug": org_slug, "db_pass": "pw-0123456789"}
    args.update({"region": "eu-west-1", "poll_interval": 0.1, "timeout": 30})
    args.update(extra)
    return f"CreateProjectOperator(**{args!r})"


def _projects(emulator) -> list[dict]:
    return list(emulator.state_snapshot()["projects"].values())


def test_creates_project_and_waits_until_active_healthy(run_tasks, emulator, org):
    result = run_tasks(_create(org["slug"]), imports=IMPORTS)

    assert result.state == "success"
    [project] = _projects(emulator)
    assert result.xcom("create") == {
        "ref": project["ref"],
        "name": "web",
        "organization_id": org["slug"],
        "region": "eu-west-1",
        "status": "ACTIVE_HEALTHY",
        "created": True,
    }
    assert project["db_pass"] == "pw-0123456789" and project["plan"] == "free"


def test_existing_project_with_same_name_is_adopted_not_duplicated(run_tasks, emulator, org, project):
    result = run_tasks(_create(org["slug"], name="acme-prod"), imports=IMPORTS)

    assert result.xcom("create")["created"] is False
    assert result.xcom("create")["ref"] == project["ref"]
    assert len(_projects(emulator)) == 1
    assert emulator.request_count("POST", "/v1/projects") == 0
    assert "already exists" in result.log and "adopting it" in result.log


def test_same_name_in_another_organization_is_a_new_project(run_tasks, emulator, org, project):
    other = emulator.seed_organization("Other")

    result = run_tasks(_create(other["slug"], name="acme-prod"), imports=IMPORTS)

    assert result.xcom("create")["created"] is True
    assert result.xcom("create")["organization_id"] == other["slug"]
    assert len(_projects(emulator)) == 2


def test_create_response_lost_after_server_created_is_adopted_by_hook_retry(run_tasks, emulator, org):
    emulator.inject_fault("POST", "/v1/projects", "drop_after")

    result = run_tasks(_create(org["slug"]), imports=IMPORTS)

    assert result.state == "success"
    assert len(_projects(emulator)) == 1
    assert result.xcom("create")["ref"] == _projects(emulator)[0]["ref"]
    assert emulator.request_count("POST", "/v1/projects") == 1


def test_task_retry_after_lost_create_response_adopts_instead_of_duplicating(run_tasks, emulator, org, monkeypatch):
    # No hook retries: the first task try fails on the dropped response; the Airflow retry must adopt.
    set_connection(monkeypatch, emulator.url, max_retries=0)
    emulator.inject_fault("POST", "/v1/projects", "drop_after")

    result = run_tasks(_create(org["slug"], retries=1, retry_delay=0), imports=IMPORTS)

    assert result.state == "success"
    assert result.try_numbers["create"] == 2
    assert len(_projects(emulator)) == 1
    assert result.xcom("create")["created"] is False
    assert emulator.request_count("POST", "/v1/projects") == 1


def test_project_of_another_organization_is_never_handed_back(run_tasks, emulator, org):
    elsewhere = emulator.seed_project("web", org["slug"])
    mine = emulator.seed_organization("Mine")
    emulator.inject_fault("POST", "/v1/projects", "drop")

    result = run_tasks(_create(mine["slug"]), imports=IMPORTS)

    assert elsewhere["ref"] not in repr(result.xcoms)


def test_lost_create_response_never_adopts_a_same_named_project_of_another_organization(run_tasks, emulator, org):
    elsewhere = emulator.seed_project("web", org["slug"])
    mine = emulator.seed_organization("Mine")
    emulator.inject_fault("POST", "/v1/projects", "drop")

    result = run_tasks(_create(mine["slug"]), imports=IMPORTS)

    assert result.state == "success"
    assert result.xcom("create")["organization_id"] == mine["slug"]
    assert result.xcom("create")["ref"] != elsewhere["ref"]


def test_init_failed_project_fails_at_once_with_its_status(run_tasks, emulator, org):
    emulator.plan_project("web", "INIT_FAILED")

    result = run_tasks(_create(org["slug"], retries=2, retry_delay=0), imports=IMPORTS)

    assert result.task_states["create"] == "failed"
    assert result.try_numbers["create"] == 1  # a retry would only adopt the same failed project
    assert "INIT_FAILED" in result.log


def test_wait_that_times_out_fails_with_the_last_status(run_tasks, emulator, org):
    emulator.configure(project_ready_seconds=30)

    result = run_tasks(_create(org["slug"], timeout=0.3), imports=IMPORTS)

    assert result.task_states["create"] == "failed"
    assert re.search(r"is still (UNKNOWN|COMING_UP) after 0.3s", result.log)


def test_no_wait_returns_the_status_at_creation(run_tasks, emulator, org):
    result = run_tasks(_create(org["slug"], wait_for_healthy=False), imports=IMPORTS)

    assert result.xcom("create")["status"] in {"UNKNOWN", "COMING_UP"}
    assert emulator.request_count("GET", f"/v1/projects/{result.xcom('create')['ref']}") == 0


def test_deferrable_wait_runs_in_the_trigger_and_returns_the_same_xcom(run_tasks, emulator, org):
    result = run_tasks(_create(org["slug"], deferrable=True), imports=IMPORTS)

    assert result.state == "success"
    assert "Deferring the wait" in result.log
    [project] = _projects(emulator)
    assert result.xcom("create") == {
        "ref": project["ref"],
        "name": "web",
        "organization_id": org["slug"],
        "region": "eu-west-1",
        "status": "ACTIVE_HEALTHY",
        "created": True,
    }


def test_deferrable_wait_fails_with_the_trigger_message_on_init_failed(run_tasks, emulator, org):
    emulator.plan_project("web", "INIT_FAILED")

    result = run_tasks(_create(org["slug"], deferrable=True, retries=1, retry_delay=0), imports=IMPORTS)

    assert result.task_states["create"] == "failed"
    assert result.try_numbers["create"] == 1
    assert "Deferring the wait" in result.log and "INIT_FAILED" in result.log


def test_adopted_healthy_project_does_not_defer(run_tasks, emulator, org, project):
    result = run_tasks(_create(org["slug"], name="acme-prod", deferrable=True), imports=IMPORTS)

    assert result.xcom("create")["status"] == "ACTIVE_HEALTHY"
    assert "Deferring" not in result.log


def test_dashboard_link_is_stored_under_the_link_xcom_key(run_tasks, emulator, org):
    result = run_tasks(_create(org["slug"], wait_for_healthy=False), imports=IMPORTS)

    ref = result.xcom("create")["ref"]
    link = SupabaseProjectLink()
    assert link.name == "Supabase Dashboard"
    assert result.xcom("create", key=link.xcom_key) == f"https://supabase.com/dashboard/project/{ref}"


def test_db_pass_is_masked_in_rendered_fields_and_task_log(run_tasks, emulator, org, monkeypatch):
    canary = f"db-pass-canary-{uuid.uuid4().hex}"
    monkeypatch.setenv("AIRFLOW_VAR_PROJECT_DB_PASS", canary)

    result = run_tasks(_create(org["slug"], db_pass="{{ var.value.project_db_pass }}"), imports=IMPORTS)

    assert result.state == "success"
    assert _projects(emulator)[0]["db_pass"] == canary
    assert result.rendered[("create", -1)]["db_pass"] == "***"
    assert_never_leaked(result, canary)


def test_mapped_creates_one_project_per_name(run_tasks, emulator, org):
    tasks = f"""
    CreateProjectOperator.partial(
        task_id="create", organization_slug={org["slug"]!r}, db_pass="pw-0123456789", region="eu-west-1",
        wait_for_healthy=False,
    ).expand(name=["alpha", "beta"])
    """
    result = run_tasks(tasks, imports=IMPORTS)

    assert [x["name"] for x in result.mapped_xcoms("create")] == ["alpha", "beta"]
    assert sorted(p["name"] for p in _projects(emulator)) == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"region": "mars-1"}, "region"),
        ({"region": None}, "region"),
        ({"region_selection": {"type": "smartGroup", "code": "emea"}}, "region"),
        ({"organization_slug": None}, "organization_id / organization_slug"),
        ({"organization_id": "other"}, "organization_id / organization_slug"),
        ({"db_pass": ""}, "db_pass"),
        ({"name": " "}, "name"),
        ({"plan": "enterprise"}, "plan"),
        ({"desired_instance_size": "huge"}, "desired_instance_size"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, org, kwargs, field):
    args = {"name": "web", "organization_slug": org["slug"], "db_pass": "pw-0123456789", "region": "eu-west-1"}
    op = CreateProjectOperator(task_id="create", **{**args, **kwargs})

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_refused_input_fails_the_task_without_retry_or_request(run_tasks, emulator, org):
    result = run_tasks(_create(org["slug"], region="mars-1", retries=2, retry_delay=0), imports=IMPORTS)

    assert result.task_states["create"] == "failed"
    assert result.try_numbers["create"] == 1
    assert "Invalid region" in result.log
    assert emulator.request_count() == 0
