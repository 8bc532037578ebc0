"""The preview-branch and action-run endpoint methods against the emulator over real HTTP, both hooks."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks.endpoints.branches import BranchingDisabledError
from tests.airflow_compat import redact

REF = "abcdefghijklmnopqrst"
BRANCH_ID = "0b3c52e5-0f04-4c2e-9c58-8f7f2c1e1a11"


@pytest.fixture
def branch(hook, project):
    return hook.create_branch(project["ref"], "feature-login")


def _branches(emulator) -> list[dict]:
    return [b for b in emulator.state_snapshot()["branches"].values() if not b["is_default"]]


def test_a_project_without_branching_says_so(hook, project):
    with pytest.raises(BranchingDisabledError) as err:
        hook.list_branches(project["ref"])

    assert err.value.status_code == 422
    assert f"Preview branching is not enabled on project {project['ref']}" in str(err.value)


def test_create_branch_answers_the_branch_and_its_own_project(hook, emulator, project, branch):
    assert branch["name"] == "feature-login"
    assert branch["parent_project_ref"] == project["ref"]
    assert len(branch["project_ref"]) == 20 and branch["project_ref"] != project["ref"]
    assert emulator.requests[-1].json == {"branch_name": "feature-login"}
    assert sorted(b["name"] for b in hook.list_branches(project["ref"])) == ["feature-login", "main"]
    assert hook.get_branch(project["ref"], "feature-login")["id"] == branch["id"]


def test_create_branch_sends_the_fields_it_is_given(hook, emulator, project):
    hook.create_branch(project["ref"], "b1", persistent=True, git_branch="feat/x", secrets={"API_KEY": "value-1"})

    assert emulator.requests[-1].json == {
        "branch_name": "b1",
        "persistent": True,
        "git_branch": "feat/x",
        "secrets": {"API_KEY": "value-1"},
    }


def test_get_or_create_branch_adopts_a_branch_of_the_same_name(hook, emulator, project, branch):
    adopted, created = hook.get_or_create_branch(project["ref"], "feature-login")

    assert created is False and adopted["id"] == branch["id"]
    assert emulator.request_count("POST", f"/v1/projects/{project['ref']}/branches") == 1


def test_get_or_create_branch_on_a_project_without_branching_creates_it(hook, emulator, project):
    created_branch, created = hook.get_or_create_branch(project["ref"], "first")

    assert created is True and created_branch["name"] == "first"
    assert len(_branches(emulator)) == 1


def test_a_lost_create_answer_is_recognised_not_sent_again(hook, emulator, project):
    hook.create_branch(project["ref"], "other")
    emulator.inject_fault("POST", f"/v1/projects/{project['ref']}/branches", "drop_after")

    branch = hook.create_branch(project["ref"], "feature-login")

    assert branch["name"] == "feature-login"
    assert sorted(b["name"] for b in _branches(emulator)) == ["feature-login", "other"]
    assert emulator.request_count("POST", f"/v1/projects/{project['ref']}/branches") == 2


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("list_branches", ()),
        ("get_branch", ("feature-login",)),
        ("create_branch", ("nested",)),
        ("disable_branching", ()),
    ],
)
def test_parent_only_calls_with_a_branch_projects_ref_name_the_field(hook, branch, method, args):
    with pytest.raises(SupabaseInputError) as err:
        getattr(hook, method)(branch["project_ref"], *args)

    assert err.value.field == "project_ref"
    assert "is the project of a preview branch; branch calls take the parent project's ref" in str(err.value)


def test_a_403_for_a_project_that_is_no_branch_stays_the_apis_403(hook, emulator, project):
    emulator.inject_fault("GET", f"/v1/projects/{project['ref']}/branches", "status", status=403, message="no")

    with pytest.raises(SupabaseApiError) as err:
        hook.list_branches(project["ref"])

    assert err.value.status_code == 403 and not isinstance(err.value, SupabaseInputError)


def test_with_data_on_a_plan_that_lacks_it_names_the_field_with_the_apis_message(hook, project):
    with pytest.raises(SupabaseInputError) as err:
        hook.create_branch(project["ref"], "with-data", with_data=True)

    assert err.value.field == "with_data"
    assert "Branching with data is not available on the free plan" in str(err.value)


def test_the_branch_config_secrets_are_masked_as_they_arrive(hook, emulator, branch):
    detail = hook.get_branch_config(branch["id"])

    project = emulator.state_snapshot()["projects"][branch["project_ref"]]
    assert detail["db_pass"] == project["db_pass"]
    assert redact(detail["db_pass"]) == "***"
    assert redact(detail["jwt_secret"]) == "***"


def test_branch_project_ref_resolves_an_id_and_takes_a_ref_as_is(hook, emulator, branch):
    assert hook.branch_project_ref(branch["id"]) == branch["project_ref"]
    before = emulator.request_count()

    assert hook.branch_project_ref(branch["project_ref"]) == branch["project_ref"]
    assert emulator.request_count() == before


@pytest.mark.parametrize("workflow", ["merge", "push", "reset"])
def test_workflows_answer_a_run_that_the_action_run_calls_read(hook, emulator, branch, workflow):
    answer = getattr(hook, f"{workflow}_branch")(branch["id"], "20250101000000")

    run_id = answer["workflow_run_id"]
    assert emulator.requests[-1].json == {"migration_version": "20250101000000"}
    assert hook.list_action_runs(branch["project_ref"])[0]["id"] == run_id
    run = hook.get_action_run(branch["project_ref"], run_id)
    assert run["branch_id"] == branch["id"] and run["run_steps"][0]["name"] == "clone"
    assert isinstance(hook.get_action_run_logs(branch["project_ref"], run_id), str)


def test_a_lost_merge_answer_finds_the_run_it_started_instead_of_merging_twice(hook, emulator, branch):
    emulator.inject_fault("POST", f"/v1/branches/{branch['id']}/merge", "drop_after")

    answer = hook.merge_branch(branch["id"])

    assert emulator.request_count("POST", f"/v1/branches/{branch['id']}/merge") == 1
    runs = hook.list_action_runs(branch["project_ref"])
    assert len(runs) == 2 and answer == {"workflow_run_id": runs[0]["id"], "message": "ok"}


def test_a_lost_create_answer_on_a_project_without_branching_is_sent_again(hook, emulator, project):
    emulator.inject_fault("POST", f"/v1/projects/{project['ref']}/branches", "drop")

    branch = hook.create_branch(project["ref"], "first")

    assert [b["name"] for b in _branches(emulator)] == ["first"] and branch["name"] == "first"
    assert emulator.request_count("POST", f"/v1/projects/{project['ref']}/branches") == 2


def test_delete_without_force_is_scheduled_and_restore_cancels_it(hook, emulator, project, branch):
    assert hook.delete_branch(branch["id"], force=False) == {"message": "ok"}
    assert emulator.requests[-1].query == {"force": ["false"]}
    assert "deletion_scheduled_at" in hook.get_branch(project["ref"], "feature-login")

    assert hook.restore_branch(branch["id"]) == {"message": "Branch restoration initiated"}
    assert "deletion_scheduled_at" not in hook.get_branch(project["ref"], "feature-login")


def test_delete_with_force_removes_the_branch(hook, emulator, branch):
    hook.delete_branch(branch["project_ref"])

    assert _branches(emulator) == []
    with pytest.raises(SupabaseApiError) as err:
        hook.delete_branch(branch["id"])
    assert err.value.status_code == 404


def test_update_branch_renames_it(hook, project, branch):
    updated = hook.update_branch(branch["id"], {"branch_name": "feature-signup", "persistent": True})

    assert updated["name"] == "feature-signup" and updated["persistent"] is True


def test_diff_branch_answers_text(hook, emulator, branch):
    diff = hook.diff_branch(branch["id"], ["public", "auth"])

    assert isinstance(diff, str)
    assert emulator.requests[-1].query == {"included_schemas": ["public,auth"]}


def test_disable_branching_drops_the_branches(hook, emulator, project, branch):
    hook.disable_branching(project["ref"])

    assert _branches(emulator) == []
    with pytest.raises(BranchingDisabledError):
        hook.list_branches(project["ref"])


def test_the_async_hook_runs_the_same_branch_calls(emulator, project):
    from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook

    async def main():
        async with SupabaseAsyncHook() as hook:
            branch, created = await hook.get_or_create_branch(project["ref"], "async-branch")
            ref = await hook.branch_project_ref(branch["id"])
            runs = await hook.list_action_runs(ref)
            return branch, created, ref, runs

    branch, created, ref, runs = asyncio.run(main())

    assert created is True and ref == branch["project_ref"]
    assert runs[0]["branch_id"] == branch["id"]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "field"),
    [
        ("create_branch", (REF, ""), {}, "branch_name"),
        ("create_branch", (REF, "has space"), {}, "branch_name"),
        ("create_branch", (REF, "feat/x"), {}, "branch_name"),
        ("create_branch", (REF, "-leading-dash"), {}, "branch_name"),
        ("create_branch", (REF, "x" * 101), {}, "branch_name"),
        ("create_branch", (REF, None), {}, "branch_name"),
        ("create_branch", ("NOT-A-REF", "ok"), {}, "project_ref"),
        ("create_branch", (REF, "ok"), {"with_data": "yes"}, "with_data"),
        ("create_branch", (REF, "ok"), {"colour": "red"}, "colour"),
        ("create_branch", (REF, "ok"), {"secrets": {"K": 1}}, "secrets['K']"),
        ("create_branch", (REF, "ok"), {"region": "mars-1"}, "region"),
        ("get_or_create_branch", (REF, ""), {}, "branch_name"),
        ("get_branch", (REF, "a/b"), {}, "name"),
        ("get_branch_config", ("not-a-uuid",), {}, "branch_id_or_ref"),
        ("get_branch_config", ("ABCDEFGHIJKLMNOPQRST",), {}, "branch_id_or_ref"),
        ("get_branch_config", (12,), {}, "branch_id_or_ref"),
        ("branch_project_ref", ("nope",), {}, "branch_id_or_ref"),
        ("update_branch", (BRANCH_ID, {}), {}, "fields"),
        ("update_branch", (BRANCH_ID, {"branch_name": "a b"}), {}, "branch_name"),
        ("update_branch", ("x", {"persistent": True}), {}, "branch_id_or_ref"),
        ("delete_branch", ("1234",), {}, "branch_id_or_ref"),
        ("delete_branch", (BRANCH_ID,), {"force": "no"}, "force"),
        ("merge_branch", ("bad id",), {}, "branch_id_or_ref"),
        ("merge_branch", (BRANCH_ID, "v1"), {}, "migration_version"),
        ("push_branch", ("../projects",), {}, "branch_id_or_ref"),
        ("reset_branch", ("",), {}, "branch_id_or_ref"),
        ("restore_branch", (None,), {}, "branch_id_or_ref"),
        ("diff_branch", (BRANCH_ID, 5), {}, "included_schemas"),
        ("list_branches", ("short",), {}, "project_ref"),
        ("disable_branching", ("",), {}, "project_ref"),
        ("list_action_runs", ("x",), {}, "project_ref"),
        ("get_action_run", (REF, "run/../x"), {}, "run_id"),
        ("get_action_run_logs", (REF, ""), {}, "run_id"),
    ],
)
def test_bad_input_is_refused_before_any_request(hook, emulator, method, args, kwargs, field):
    with pytest.raises(SupabaseInputError) as err:
        getattr(hook, method)(*args, **kwargs)

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_a_uuid_is_accepted_in_any_case(hook, emulator, project, branch):
    assert hook.get_branch_config(branch["id"].upper())["ref"] == branch["project_ref"]
    assert str(uuid.UUID(branch["id"])) == branch["id"]
