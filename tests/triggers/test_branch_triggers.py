"""BranchReadyTrigger and WorkflowRunTrigger run directly with asyncio against the emulator."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.triggers import BranchReadyTrigger, WorkflowRunTrigger
from tests.branch_support import held_until_looked_at
from tests.triggers.support import events_of, rebuilt

REF = "abcdefghijklmnopqrst"


@pytest.mark.parametrize(
    ("trigger", "classpath"),
    [
        (
            BranchReadyTrigger(REF, "feature-login", supabase_conn_id="other", poll_interval=2, timeout=30),
            "BranchReadyTrigger",
        ),
        (WorkflowRunTrigger(REF, "run_abc", poll_interval=3, timeout=60), "WorkflowRunTrigger"),
    ],
)
def test_branch_triggers_serialize_to_their_import_path_with_primitive_kwargs(trigger, classpath):
    path, kwargs = trigger.serialize()

    assert path == f"airflow_provider_supabase.triggers.branches.{classpath}"
    assert all(isinstance(v, (str, int, float, bool, type(None))) for v in kwargs.values())
    assert rebuilt(trigger).serialize() == (path, kwargs)


def test_branch_trigger_fires_one_success_event_once_the_branch_is_ready(hook, emulator, project):
    with held_until_looked_at(emulator):
        branch = hook.create_branch(project["ref"], "feature-login")
        events = events_of(BranchReadyTrigger(project["ref"], "feature-login", poll_interval=0.05, timeout=60))

    assert events == [
        {
            "status": "success",
            "message": "Branch feature-login is ready",
            "project_ref": project["ref"],
            "branch_name": "feature-login",
            "branch_id": branch["id"],
            "branch_project_ref": branch["project_ref"],
            "branch_status": "READY",
        }
    ]
    assert emulator.request_count("GET", f"/v1/projects/{branch['project_ref']}/actions") >= 2


def test_branch_trigger_fails_on_a_dead_step_with_the_log_tail(hook, emulator, project):
    emulator.plan_branch_failure("feature-login", "seed", 'ERROR: null value in column "email"')
    hook.create_branch(project["ref"], "feature-login")

    [event] = events_of(BranchReadyTrigger(project["ref"], "feature-login", poll_interval=0.05, timeout=60))

    assert event["status"] == "error" and event["branch_status"] == "DEAD"
    assert "step seed ended DEAD; log tail:" in event["message"]
    assert event["message"].endswith('[seed] ERROR: null value in column "email"\n[seed] exited with an error')


def test_branch_trigger_waits_for_a_branch_that_does_not_exist_yet_until_its_deadline(hook, emulator, project):
    hook.create_branch(project["ref"], "other")

    [event] = events_of(BranchReadyTrigger(project["ref"], "feature-login", poll_interval=0.05, timeout=1.5))

    assert event["status"] == "timeout"
    assert "last seen: Branch feature-login does not exist (yet)" in event["message"]


def test_branch_trigger_says_branching_is_off(emulator, project):
    [event] = events_of(BranchReadyTrigger(project["ref"], "feature-login", poll_interval=0.05, timeout=10))

    assert event["status"] == "error"
    assert f"Preview branching is not enabled on project {project['ref']}" in event["message"]


def test_workflow_trigger_fires_success_once_every_step_exited(hook, emulator, project):
    branch = hook.create_branch(project["ref"], "feature-login")
    run_id = hook.reset_branch(branch["id"])["workflow_run_id"]

    [event] = events_of(WorkflowRunTrigger(branch["project_ref"], run_id, poll_interval=0.05, timeout=60))

    assert event == {
        "status": "success",
        "message": f"Workflow run {run_id}: all 7 steps EXITED",
        "project_ref": branch["project_ref"],
        "run_id": run_id,
        "run_status": "EXITED",
    }


def test_workflow_trigger_fails_on_a_dead_step(hook, emulator, project):
    emulator.plan_branch_failure("feature-login", "deploy", "function hello failed to bundle", workflow="push")
    branch = hook.create_branch(project["ref"], "feature-login")
    run_id = hook.push_branch(branch["id"])["workflow_run_id"]

    [event] = events_of(WorkflowRunTrigger(branch["project_ref"], run_id, poll_interval=0.05, timeout=60))

    assert event["status"] == "error" and event["run_status"] == "DEAD"
    assert "step deploy ended DEAD" in event["message"]
    assert "[deploy] function hello failed to bundle" in event["message"]


def test_workflow_trigger_times_out_naming_the_step_it_last_saw(hook, emulator, project):
    branch = hook.create_branch(project["ref"], "feature-login")
    run_id = hook.merge_branch(branch["id"])["workflow_run_id"]
    emulator.configure(project_ready_seconds=3600)

    [event] = events_of(WorkflowRunTrigger(branch["project_ref"], run_id, poll_interval=0.05, timeout=1.5))

    assert event["status"] == "timeout"
    assert "last seen: Workflow run" in event["message"] and "step clone:RUNNING" in event["message"]
