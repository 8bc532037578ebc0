"""SupabaseBranchSensor in poke, reschedule and deferrable mode, inside DAG runs against the emulator."""

from __future__ import annotations

import pytest

from tests.branch_support import held_until_looked_at

MODES = ["poke", "reschedule", "deferrable"]


def branch_dag(dag_id: str, mode: str, parent_ref: str, name: str = "feature-login", **sensor_kwargs) -> str:
    """A DAG whose first task creates a branch through the API and whose sensor waits for it."""
    sensor_kwargs.setdefault("timeout", 60)
    extra = "".join(f", {key}={value!r}" for key, value in sensor_kwargs.items())
    deferrable = mode == "deferrable"
    return f"""
from datetime import datetime

from airflow.sdk import DAG, task

from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor

with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def create():
        from airflow_provider_supabase.hooks.supabase import SupabaseHook

        return SupabaseHook().create_branch({parent_ref!r}, {name!r})["id"]

    create() >> SupabaseBranchSensor(
        task_id="wait",
        project_ref={parent_ref!r},
        branch_name={name!r},
        mode={"poke" if deferrable else mode!r},
        deferrable={deferrable},
        poke_interval=0.1{extra},
    )
"""


def _branch(emulator) -> dict:
    [branch] = [b for b in emulator.state_snapshot()["branches"].values() if not b["is_default"]]
    return branch


@pytest.mark.parametrize("mode", MODES)
def test_sensor_waits_until_the_branch_is_really_ready(deferred, run_dag, emulator, project, mode):
    with held_until_looked_at(emulator):
        result = run_dag(branch_dag(f"branch_ready_{mode}", mode, project["ref"]), f"branch_ready_{mode}")

    assert result.task_states == {"create": "success", "wait": "success"}
    branch = _branch(emulator)
    assert result.xcom("wait") == {
        "branch_id": branch["id"],
        "project_ref": branch["project_ref"],
        "name": "feature-login",
        "status": "READY",
    }
    assert "Branch feature-login: its project is COMING_UP" in result.log
    assert emulator.request_count("GET", f"/v1/projects/{branch['project_ref']}/actions") >= 2
    assert deferred() == (mode == "deferrable")


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_on_a_dead_step_with_its_log_tail(deferred, run_dag, emulator, project, mode):
    emulator.plan_branch_failure("feature-login", "configure", "config.toml: unknown key [auth.foo]")
    with held_until_looked_at(emulator):
        result = run_dag(branch_dag(f"branch_dead_{mode}", mode, project["ref"]), f"branch_dead_{mode}")

    assert result.task_states == {"create": "success", "wait": "failed"}
    assert "step configure ended DEAD" in result.log
    assert "[configure] config.toml: unknown key [auth.foo]" in result.log
    assert deferred() == (mode == "deferrable")


def test_a_ready_branch_returns_at_the_first_look_without_deferring(deferred, run_dag, hook, emulator, project):
    emulator.configure(project_ready_seconds=0)
    hook.create_branch(project["ref"], "feature-login")
    source = f"""
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor

with DAG("branch_done", schedule=None, start_date=datetime(2024, 1, 1)):
    SupabaseBranchSensor(task_id="wait", project_ref={project["ref"]!r}, branch_name="feature-login",
                         deferrable=True, poke_interval=0.1)
"""
    result = run_dag(source, "branch_done")

    assert result.xcom("wait")["status"] == "READY"
    assert not deferred()
    assert emulator.request_count("GET", f"/v1/projects/{_branch(emulator)['project_ref']}/actions") == 1


def test_a_bad_branch_name_is_refused_before_any_request(emulator, project):
    from airflow_provider_supabase.exceptions import SupabaseInputError
    from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor

    sensor = SupabaseBranchSensor(task_id="wait", project_ref=project["ref"], branch_name="has spaces")

    with pytest.raises(SupabaseInputError) as err:
        sensor.execute({})

    assert err.value.field == "branch_name"
    assert emulator.request_count() == 0
