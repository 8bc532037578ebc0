"""PauseProjectOperator, RestoreProjectOperator and DeleteProjectOperator in real DAG runs against the emulator."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.projects import DeleteProjectOperator

IMPORTS = (
    "from airflow_provider_supabase.operators.projects import "
    "DeleteProjectOperator, PauseProjectOperator, RestoreProjectOperator"
)


def _op(cls: str, ref: str, **extra) -> str:
    args = {"task_id": "op", "project_ref": ref, "poll_interval": 0.1, "timeout": 30, **extra}
    return f"{cls}(**{args!r})"


def _status(emulator, ref: str) -> str:
    return emulator.state_snapshot()["projects"][ref]["status"]


@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
def test_pause_waits_until_the_project_is_inactive(run_tasks, emulator, project, deferrable):
    ref = project["ref"]

    result = run_tasks(_op("PauseProjectOperator", ref, deferrable=deferrable), imports=IMPORTS)

    assert result.xcom("op") == {"ref": ref, "status": "INACTIVE", "requested": True}
    assert _status(emulator, ref) == "INACTIVE"
    assert emulator.request_count("POST", f"/v1/projects/{ref}/pause") == 1
    assert ("Deferring the wait" in result.log) is deferrable


def test_pausing_a_paused_project_sends_nothing(run_tasks, emulator, project):
    ref = project["ref"]
    emulator.set_project_status(ref, "INACTIVE")

    result = run_tasks(_op("PauseProjectOperator", ref), imports=IMPORTS)

    assert result.xcom("op") == {"ref": ref, "status": "INACTIVE", "requested": False}
    assert emulator.request_count("POST") == 0


@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
def test_a_failed_pause_fails_the_task_at_once(run_tasks, emulator, project, deferrable):
    emulator.configure(project_ready_seconds=0.3)
    emulator.plan_pause(project["ref"], "PAUSE_FAILED")

    result = run_tasks(
        _op("PauseProjectOperator", project["ref"], deferrable=deferrable, retries=2, retry_delay=0), imports=IMPORTS
    )

    assert result.task_states["op"] == "failed"
    assert result.try_numbers["op"] == 1
    assert "PAUSE_FAILED" in result.log


def test_pause_without_waiting_returns_while_pausing(run_tasks, emulator, project):
    emulator.configure(project_ready_seconds=30)

    result = run_tasks(_op("PauseProjectOperator", project["ref"], wait_for_completion=False), imports=IMPORTS)

    assert result.xcom("op")["status"] == "PAUSING"


@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
def test_restore_waits_until_the_project_is_active_healthy(run_tasks, emulator, project, deferrable):
    ref = project["ref"]
    emulator.set_project_status(ref, "INACTIVE")

    result = run_tasks(_op("RestoreProjectOperator", ref, deferrable=deferrable), imports=IMPORTS)

    assert result.xcom("op") == {"ref": ref, "status": "ACTIVE_HEALTHY", "requested": True}
    assert emulator.request_count("POST", f"/v1/projects/{ref}/restore") == 1


@pytest.mark.parametrize("outcome", ["RESTORE_FAILED", "INACTIVE"])
@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
def test_a_restore_that_fails_or_falls_back_to_inactive_fails_at_once(
    run_tasks, emulator, project, outcome, deferrable
):
    ref = project["ref"]
    emulator.configure(project_ready_seconds=0.3)
    emulator.set_project_status(ref, "INACTIVE")
    emulator.plan_restore(ref, outcome)

    result = run_tasks(
        _op("RestoreProjectOperator", ref, deferrable=deferrable, retries=2, retry_delay=0), imports=IMPORTS
    )

    assert result.task_states["op"] == "failed"
    assert result.try_numbers["op"] == 1
    assert f"Project is {outcome}, which will not become ACTIVE_HEALTHY" in result.log


def test_restoring_a_restoring_project_only_waits(run_tasks, emulator, project):
    ref = project["ref"]
    emulator.set_project_status(ref, "RESTORING")

    result = run_tasks(_op("RestoreProjectOperator", ref, timeout=0.3), imports=IMPORTS)

    assert result.task_states["op"] == "failed"
    assert "is still RESTORING after 0.3s" in result.log
    assert emulator.request_count("POST") == 0


def test_delete_removes_the_project_whose_name_matches(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(
        f"DeleteProjectOperator(task_id='op', project_ref={ref!r}, confirm_name='acme-prod')", imports=IMPORTS
    )

    assert result.xcom("op") == {"ref": ref, "name": "acme-prod", "deleted": True}
    assert emulator.state_snapshot()["projects"] == {}


def test_delete_of_a_missing_project_succeeds_without_deleting(run_tasks, emulator, project):
    ref = project["ref"]
    emulator.reset()

    result = run_tasks(
        f"DeleteProjectOperator(task_id='op', project_ref={ref!r}, confirm_name='acme-prod')", imports=IMPORTS
    )

    assert result.xcom("op") == {"ref": ref, "name": "acme-prod", "deleted": False}
    assert emulator.request_count("DELETE") == 0


def test_delete_refuses_a_project_of_another_name_and_keeps_it(emulator, project):
    op = DeleteProjectOperator(task_id="op", project_ref=project["ref"], confirm_name="acme-staging")

    with pytest.raises(SupabaseInputError, match=r"confirm_name.*acme-staging.*acme-prod"):
        op.execute({})

    assert project["ref"] in emulator.state_snapshot()["projects"]
    assert emulator.request_count("DELETE") == 0


@pytest.mark.parametrize("confirm_name", ["", None, ["acme-prod"]])
def test_delete_without_a_name_to_confirm_is_refused_before_any_request(emulator, project, confirm_name):
    op = DeleteProjectOperator(task_id="op", project_ref=project["ref"], confirm_name=confirm_name)

    with pytest.raises(SupabaseInputError, match="confirm_name"):
        op.execute({})

    assert emulator.request_count() == 0
