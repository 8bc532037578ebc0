"""SupabaseProjectStatusSensor in poke, reschedule and deferrable mode, inside DAG runs against the emulator."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest

MODES = ["poke", "reschedule", "deferrable"]


def project_dag(dag_id: str, mode: str, org_id: str, name: str, **sensor_kwargs) -> str:
    """A DAG whose first task creates a project through the API and whose sensor waits for it."""
    sensor_kwargs.setdefault("timeout", 30)
    extra = "".join(f", {key}={value!r}" for key, value in sensor_kwargs.items())
    deferrable = mode == "deferrable"
    return f"""
from datetime import datetime

from airflow.sdk import DAG, task

from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor

with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def create():
        from airflow_provider_supabase.hooks.supabase import SupabaseHook

        return SupabaseHook().create_project({name!r}, {org_id!r}, "pw-123456", "us-east-1")["ref"]

    SupabaseProjectStatusSensor(
        task_id="wait",
        project_ref=create(),
        mode={"poke" if deferrable else mode!r},
        deferrable={deferrable},
        poke_interval=0.1{extra},
    )
"""


def seeded_dag(dag_id: str, ref: str, **sensor_kwargs) -> str:
    extra = "".join(f", {key}={value!r}" for key, value in sensor_kwargs.items())
    return f"""
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor

with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1)):
    SupabaseProjectStatusSensor(task_id="wait", project_ref="{{{{ dag_run.conf['ref'] }}}}", poke_interval=0.1{extra})
"""


@contextlib.contextmanager
def coming_up_until_looked_at(emulator, looks: int = 1) -> Iterator[None]:
    """Every project created inside the block stays COMING_UP until the sensor has looked at it ``looks`` times,
    then goes on to its planned end: the first looks always find it starting, however slowly the task started
    (seconds on Airflow 3.0), and the test takes no longer than the sensor needs."""
    stop = threading.Event()

    def hold() -> None:
        held: set[str] = set()
        while not stop.is_set():
            for ref, project in emulator.state_snapshot()["projects"].items():
                if ref not in held and project["forced_status"] is None:
                    emulator.set_project_status(ref, "COMING_UP")
                    held.add(ref)
                elif ref in held and project["forced_status"] == "COMING_UP":
                    path = f"/v1/projects/{ref}"
                    seen = sum(r.method == "GET" and r.path == path and r.status is not None for r in emulator.requests)
                    if seen >= looks:
                        emulator.set_project_status(ref, project["final_status"])
            stop.wait(0.005)

    watcher = threading.Thread(target=hold, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=5)


@pytest.fixture
def slow_start(emulator):
    with coming_up_until_looked_at(emulator):
        yield emulator


@pytest.mark.parametrize("mode", MODES)
def test_sensor_waits_until_a_new_project_is_active_healthy(deferred, run_dag, slow_start, org, mode):
    result = run_dag(project_dag(f"project_ready_{mode}", mode, org["id"], "web"), f"project_ready_{mode}")

    assert result.task_states == {"create": "success", "wait": "success"}
    ref = result.xcom("create")
    assert result.xcom("wait") == {"status": "ACTIVE_HEALTHY", "ref": ref}
    assert "waiting for ACTIVE_HEALTHY" in result.log
    assert slow_start.request_count("GET", f"/v1/projects/{ref}") >= 2
    assert deferred() == (mode == "deferrable")


def test_a_rescheduled_sensor_looks_as_many_times_as_it_takes(run_dag, emulator, org):
    # Four looks find the project starting, three of them after a reschedule. On Airflow 3.0, dag.test() hands the
    # sensor its first reschedule's date as a string, which failed the third look with a TypeError until the
    # sensor parsed it.
    with coming_up_until_looked_at(emulator, looks=4):
        result = run_dag(project_dag("project_many_looks", "reschedule", org["id"], "web"), "project_many_looks")

    assert result.task_states == {"create": "success", "wait": "success"}
    ref = result.xcom("create")
    assert result.xcom("wait") == {"status": "ACTIVE_HEALTHY", "ref": ref}
    assert emulator.request_count("GET", f"/v1/projects/{ref}") >= 5
    assert result.log.count("waiting for ACTIVE_HEALTHY") >= 4


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_when_the_project_ends_in_init_failed(deferred, run_dag, slow_start, org, mode):
    slow_start.plan_project("doomed", "INIT_FAILED")
    result = run_dag(project_dag(f"project_doomed_{mode}", mode, org["id"], "doomed"), f"project_doomed_{mode}")

    assert result.task_states == {"create": "success", "wait": "failed"}
    assert "Project is INIT_FAILED, which will not become ACTIVE_HEALTHY" in result.log
    assert deferred() == (mode == "deferrable")


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_at_the_first_look_on_a_terminal_status(run_dag, emulator, org, mode):
    ref = emulator.seed_project("gone", org["slug"], status="REMOVED")["ref"]
    deferrable = mode == "deferrable"
    source = seeded_dag(f"project_gone_{mode}", ref, mode="poke" if deferrable else mode, deferrable=deferrable)
    result = run_dag(source, f"project_gone_{mode}", run_conf={"ref": ref})

    assert result.task_states == {"wait": "failed"}
    assert "Project is REMOVED" in result.log
    assert emulator.request_count("GET", f"/v1/projects/{ref}") == 1


def test_an_already_healthy_project_returns_without_deferring(deferred, run_dag, emulator, project):
    result = run_dag(seeded_dag("project_done", project["ref"], deferrable=True), "project_done", run_conf=project)

    assert result.xcom("wait") == {"status": "ACTIVE_HEALTHY", "ref": project["ref"]}
    assert result.rendered[("wait", -1)]["project_ref"] == project["ref"]
    assert not deferred()
    assert emulator.request_count("GET", f"/v1/projects/{project['ref']}") == 1


def test_sensor_can_wait_for_another_status_such_as_inactive(run_dag, emulator, project):
    emulator.set_project_status(project["ref"], "INACTIVE")
    source = seeded_dag("project_paused", project["ref"], target_status="INACTIVE")
    result = run_dag(source, "project_paused", run_conf=project)

    assert result.xcom("wait") == {"status": "INACTIVE", "ref": project["ref"]}


def test_deferred_wait_fails_with_a_timeout_naming_the_last_status(run_dag, emulator, project):
    emulator.set_project_status(project["ref"], "COMING_UP")
    source = seeded_dag("project_slow", project["ref"], deferrable=True, timeout=0.5)
    result = run_dag(source, "project_slow", run_conf=project)

    assert result.task_states == {"wait": "failed"}
    assert "Timed out waiting for ACTIVE_HEALTHY" in result.log
    assert "last seen: Project is COMING_UP" in result.log


def test_an_unknown_target_status_is_refused_before_any_request(emulator, project):
    from airflow_provider_supabase.exceptions import SupabaseInputError
    from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor

    sensor = SupabaseProjectStatusSensor(task_id="wait", project_ref=project["ref"], target_status="ACTIVE_HEALTY")

    with pytest.raises(SupabaseInputError) as err:
        sensor.execute({})

    assert err.value.field == "target_status" and "ACTIVE_HEALTHY" in str(err.value)
    assert emulator.request_count() == 0
