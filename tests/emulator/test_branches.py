"""Preview branches on the emulator: branching off until the first branch, a branch project that comes up, action
runs whose steps advance, merge / push / reset runs, deletes with and without force, planned failures."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from airflow_provider_supabase.emulator import Emulator
from tests.spec import SPEC_PATH

from .client import Api


def _create(api: Api, ref: str, name: str = "feature-login", **body: Any) -> dict[str, Any]:
    response = api.post(f"/v1/projects/{ref}/branches", json={"branch_name": name, **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _runs(api: Api, branch_ref: str) -> list[dict[str, Any]]:
    response = api.get(f"/v1/projects/{branch_ref}/actions")
    assert response.status_code == 200, response.text
    return list(response.json())


def _steps(run: dict[str, Any]) -> list[tuple[str, str]]:
    return [(step["name"], step["status"]) for step in run["run_steps"]]


def _required(schema_name: str) -> tuple[set[str], dict[str, Any]]:
    schema = json.loads(SPEC_PATH.read_text())["components"]["schemas"][schema_name]
    if schema.get("type") == "array":
        schema = schema["items"]
    return set(schema.get("required", [])), schema["properties"]


def _conforms(payload: dict[str, Any], schema_name: str) -> None:
    required, properties = _required(schema_name)
    assert required <= set(payload), required - set(payload)
    assert set(payload) <= set(properties), set(payload) - set(properties)
    for key, value in payload.items():
        enum = properties[key].get("enum")
        if enum is not None:
            assert value in enum, (key, value)


def test_branch_list_answers_422_until_branching_is_on(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/branches")

    assert response.status_code == 422
    assert response.json() == {"message": "Preview branching is not enabled for this project"}


def test_the_first_branch_turns_branching_on_with_a_default_branch(api: Api, ref: str) -> None:
    branch = _create(api, ref)

    listed = api.get(f"/v1/projects/{ref}/branches").json()
    assert sorted((b["name"], b["is_default"]) for b in listed) == [("feature-login", False), ("main", True)]
    default = next(b for b in listed if b["is_default"])
    assert default["project_ref"] == ref
    assert branch["parent_project_ref"] == ref and branch["project_ref"] != ref
    assert api.get(f"/v1/projects/{ref}/branches/feature-login").json()["id"] == branch["id"]


def test_branch_and_run_answers_have_the_spec_shapes(api: Api, ref: str) -> None:
    branch = _create(api, ref)
    _conforms(branch, "BranchResponse")
    _conforms(api.get(f"/v1/branches/{branch['id']}").json(), "BranchDetailResponse")
    [run] = _runs(api, branch["project_ref"])
    _conforms(run, "ActionRunResponse")
    for step in run["run_steps"]:
        assert set(step) == {"name", "status", "created_at", "updated_at"}
    merge = api.post(f"/v1/branches/{branch['id']}/merge", json={})
    assert merge.status_code == 201
    _conforms(merge.json(), "BranchUpdateResponse")
    _conforms(api.delete(f"/v1/branches/{branch['id']}").json(), "BranchDeleteResponse")


def test_a_branch_project_starts_and_its_steps_advance_over_time(emu: Emulator, api: Api, ref: str) -> None:
    emu.hold_branches()
    branch = _create(api, ref)
    branch_ref = branch["project_ref"]

    held = _runs(api, branch_ref)[0]
    assert {status for _, status in _steps(held)} == {"CREATED"}
    assert api.get(f"/v1/projects/{branch_ref}").json()["status"] == "COMING_UP"
    assert branch["status"] == "CREATING_PROJECT"

    emu.configure(project_ready_seconds=3600)  # started, but far from done: the first step runs
    emu.release_branches()
    started = _steps(_runs(api, branch_ref)[0])
    assert started[0] == ("clone", "RUNNING")
    assert {status for _, status in started[1:]} == {"CREATED"}
    assert [name for name, _ in started] == ["clone", "pull", "health", "configure", "migrate", "seed", "deploy"]

    emu.configure(project_ready_seconds=0)  # every step's time is up
    assert {status for _, status in _steps(_runs(api, branch_ref)[0])} == {"EXITED"}
    assert api.get(f"/v1/projects/{branch_ref}").json()["status"] == "ACTIVE_HEALTHY"
    assert api.get(f"/v1/projects/{ref}/branches/feature-login").json()["status"] == "FUNCTIONS_DEPLOYED"


def test_the_branch_project_is_healthy_only_once_it_is_up(emu: Emulator, api: Api, ref: str) -> None:
    emu.hold_branches()
    branch_ref = _create(api, ref)["project_ref"]

    health = api.get(f"/v1/projects/{branch_ref}/health", params={"services": "db,rest"}).json()
    assert {s["healthy"] for s in health} == {False}
    emu.release_branches()
    health = api.get(f"/v1/projects/{branch_ref}/health", params={"services": "db,rest"}).json()
    assert {s["healthy"] for s in health} == {True}


def test_a_planned_failure_ends_a_step_dead_with_its_log(emu: Emulator, api: Api, ref: str) -> None:
    emu.plan_branch_failure("feature-login", "migrate", 'ERROR: relation "users" does not exist')
    branch_ref = _create(api, ref)["project_ref"]

    [run] = _runs(api, branch_ref)
    assert _steps(run)[3:] == [("configure", "EXITED"), ("migrate", "DEAD"), ("seed", "CREATED"), ("deploy", "CREATED")]
    logs = api.get(f"/v1/projects/{branch_ref}/actions/{run['id']}/logs")
    assert logs.status_code == 200 and logs.headers["Content-Type"].startswith("text/plain")
    assert logs.text.splitlines()[-2:] == [
        '[migrate] ERROR: relation "users" does not exist',
        "[migrate] exited with an error",
    ]
    assert api.get(f"/v1/projects/{ref}/branches/feature-login").json()["status"] == "MIGRATIONS_FAILED"


def test_a_planned_failure_through_the_admin_api(emu: Emulator, api: Api, ref: str) -> None:
    planned = requests.post(
        f"{emu.url}/_emulator/plans/branches",
        json={"branch_name": "feature-login", "step": "deploy", "log": "boom", "workflow": "merge"},
        timeout=5,
    )
    assert planned.status_code == 201
    branch = _create(api, ref)
    assert {s for _, s in _steps(_runs(api, branch["project_ref"])[0])} == {"EXITED"}  # the create is unaffected

    run_id = api.post(f"/v1/branches/{branch['id']}/merge", json={}).json()["workflow_run_id"]
    run = api.get(f"/v1/projects/{branch['project_ref']}/actions/{run_id}").json()
    assert _steps(run)[-1] == ("deploy", "DEAD")
    bad = requests.post(f"{emu.url}/_emulator/plans/branches", json={"branch_name": "x", "step": "nap"}, timeout=5)
    assert bad.status_code == 400 and "not one of create's" in bad.json()["message"]


@pytest.mark.parametrize("workflow", ["merge", "push", "reset"])
def test_merge_push_and_reset_answer_a_workflow_run_listed_under_the_branch(api: Api, ref: str, workflow: str) -> None:
    branch = _create(api, ref)

    response = api.post(f"/v1/branches/{branch['project_ref']}/{workflow}", json={"migration_version": "1"})

    assert response.status_code == 201
    run_id = response.json()["workflow_run_id"]
    assert response.json()["message"] == "ok"
    runs = _runs(api, branch["project_ref"])
    assert [r["id"] for r in runs][:1] == [run_id] and len(runs) == 2
    run = api.get(f"/v1/projects/{branch['project_ref']}/actions/{run_id}").json()
    assert run["branch_id"] == branch["id"]
    assert api.get(f"/v1/projects/{ref}/actions").json() == []  # the parent has no runs of its own


def test_a_reset_empties_the_branch_database(emu: Emulator, api: Api, ref: str) -> None:
    branch_ref = _create(api, ref)["project_ref"]
    created = api.post(f"/v1/projects/{branch_ref}/database/query", json={"query": "create table t (id int)"})
    if created.status_code == 503:
        pytest.skip(created.json()["message"])
    assert created.status_code == 201, created.text

    assert api.post(f"/v1/branches/{branch_ref}/reset", json={}).status_code == 201

    found = api.post(f"/v1/projects/{branch_ref}/database/query", json={"query": "select to_regclass('t') as t"})
    assert found.json() == [{"t": None}]


def test_parent_only_calls_answer_403_for_a_branch_project(api: Api, ref: str) -> None:
    branch_ref = _create(api, ref)["project_ref"]

    for method, path in (
        ("GET", "/branches"),
        ("POST", "/branches"),
        ("GET", "/branches/feature-login"),
        ("DELETE", "/branches"),
    ):
        response = api.request(method, f"/v1/projects/{branch_ref}{path}", json={"branch_name": "x"})
        assert response.status_code == 403, (method, path)
        assert "parent project's ref" in response.json()["message"]


def test_with_data_needs_a_paid_plan(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/branches", json={"branch_name": "b", "with_data": True})

    assert response.status_code == 400
    assert "with data is not available on the free plan" in response.json()["message"]


def test_a_second_branch_of_the_same_name_is_refused(api: Api, ref: str) -> None:
    _create(api, ref)

    response = api.post(f"/v1/projects/{ref}/branches", json={"branch_name": "feature-login"})

    assert response.status_code == 409


def test_delete_without_force_waits_for_the_grace_period_and_restore_cancels_it(api: Api, ref: str) -> None:
    branch = _create(api, ref)

    assert api.delete(f"/v1/branches/{branch['id']}", params={"force": "false"}).json() == {"message": "ok"}
    scheduled = api.get(f"/v1/projects/{ref}/branches/feature-login").json()
    assert "deletion_scheduled_at" in scheduled
    assert api.post(f"/v1/branches/{branch['id']}/restore").json() == {"message": "Branch restoration initiated"}
    assert "deletion_scheduled_at" not in api.get(f"/v1/projects/{ref}/branches/feature-login").json()
    assert api.post(f"/v1/branches/{branch['id']}/restore").status_code == 400


def test_delete_with_force_removes_the_branch_and_its_project(api: Api, ref: str) -> None:
    branch = _create(api, ref)

    assert api.delete(f"/v1/branches/{branch['id']}").status_code == 200

    assert api.get(f"/v1/branches/{branch['id']}").status_code == 404
    assert api.get(f"/v1/projects/{branch['project_ref']}").status_code == 404
    assert api.delete(f"/v1/branches/{branch['id']}").status_code == 404
    assert [b["name"] for b in api.get(f"/v1/projects/{ref}/branches").json()] == ["main"]


def test_disabling_branching_drops_every_branch(api: Api, ref: str) -> None:
    branch = _create(api, ref)

    assert api.delete(f"/v1/projects/{ref}/branches").status_code == 200

    assert api.get(f"/v1/projects/{ref}/branches").status_code == 422
    assert api.get(f"/v1/projects/{branch['project_ref']}").status_code == 404


def test_the_branch_config_carries_the_database_secrets(api: Api, ref: str, emu: Emulator) -> None:
    branch = _create(api, ref)

    detail = api.get(f"/v1/branches/{branch['project_ref']}").json()

    project = emu.state_snapshot()["projects"][branch["project_ref"]]
    assert detail["db_pass"] == project["db_pass"]
    assert detail["jwt_secret"] == project["postgrest_config"]["jwt_secret"]
    assert detail["ref"] == branch["project_ref"] and detail["db_port"] == 5432


def test_update_renames_a_branch(api: Api, ref: str) -> None:
    branch = _create(api, ref)

    updated = api.patch(f"/v1/branches/{branch['id']}", json={"branch_name": "feature-signup", "persistent": True})

    assert updated.status_code == 200
    assert updated.json()["name"] == "feature-signup" and updated.json()["persistent"] is True
    assert api.get(f"/v1/projects/{ref}/branches/feature-login").status_code == 404


def test_branch_secrets_become_the_branch_projects_secrets(api: Api, ref: str) -> None:
    branch = _create(api, ref, secrets={"STRIPE_KEY": "sk_test_value"})

    names = [s["name"] for s in api.get(f"/v1/projects/{branch['project_ref']}/secrets").json()]

    assert names == ["STRIPE_KEY"]


def test_malformed_ids_are_refused_with_400(api: Api) -> None:
    assert api.get("/v1/branches/not-a-branch").status_code == 400
    assert api.get("/v1/branches/00000000-0000-0000-0000-000000000000").status_code == 404


def test_deleting_the_parent_project_deletes_its_branches(api: Api, ref: str) -> None:
    branch = _create(api, ref)

    assert api.delete(f"/v1/projects/{ref}").status_code == 200

    assert api.get(f"/v1/branches/{branch['id']}").status_code == 404
    assert api.get(f"/v1/projects/{branch['project_ref']}").status_code == 404
