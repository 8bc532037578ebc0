"""SupabaseCustomHostnameSensor in poke, reschedule and deferrable mode, inside DAG runs against the emulator."""

from __future__ import annotations

import threading
import time

import pytest

MODES = ["poke", "reschedule", "deferrable"]
HOST = "app.example.com"
REVERIFY = "/v1/projects/{ref}/custom-hostname/reverify"


def hostname_dag(dag_id: str, mode: str, *, activate: bool = False, **sensor_kwargs) -> str:
    """A DAG waiting on the hostname of the project in ``dag_run.conf["ref"]``; optionally activating it after."""
    deferrable = mode == "deferrable"
    sensor_kwargs = {"poke_interval": 0.1, "reverify_interval": 0.2, "timeout": 30, **sensor_kwargs}
    extra = "".join(f", {key}={value!r}" for key, value in sensor_kwargs.items())
    downstream = """
    @task
    def activate(ref):
        from airflow_provider_supabase.hooks.supabase import SupabaseHook

        return SupabaseHook().activate_custom_hostname(ref)["status"]

    wait >> activate("{{ dag_run.conf['ref'] }}")
"""
    return f"""
from datetime import datetime

from airflow.sdk import DAG, task

from airflow_provider_supabase.sensors.custom_hostname import SupabaseCustomHostnameSensor

with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1)):
    wait = SupabaseCustomHostnameSensor(
        task_id="wait",
        project_ref="{{{{ dag_run.conf['ref'] }}}}",
        mode={"poke" if deferrable else mode!r},
        deferrable={deferrable}{extra},
    )
{downstream if activate else ""}
"""


def reverify_times(emulator) -> list[float]:
    return [r.time for r in emulator.requests if r.template == REVERIFY]


@pytest.fixture
def initialized(hook, project):
    hook.initialize_custom_hostname(project["ref"], HOST)
    return project


@pytest.mark.parametrize("mode", MODES)
def test_sensor_reverifies_to_origin_setup_completed_then_downstream_activates(
    deferred, run_dag, emulator, initialized, mode
):
    ref = initialized["ref"]
    source = hostname_dag(f"hostname_live_{mode}", mode, activate=True, target_status="4_origin_setup_completed")
    result = run_dag(source, f"hostname_live_{mode}", run_conf={"ref": ref})

    assert result.task_states == {"wait": "success", "activate": "success"}
    assert result.xcom("wait") == {"status": "4_origin_setup_completed", "custom_hostname": HOST}
    assert result.xcom("activate") == "5_services_reconfigured"
    assert emulator.state_snapshot()["hostnames"][ref]["status"] == "5_services_reconfigured"
    # 2 -> 3 -> 4 takes exactly two reverify calls; none once the target is reached.
    assert emulator.request_count("POST", REVERIFY) == 2
    assert deferred() == (mode == "deferrable")


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_at_once_on_an_ssl_validation_error_with_the_apis_words(run_dag, emulator, hook, project, mode):
    emulator.plan_hostname(HOST, ssl_error="CAA record for example.com does not allow letsencrypt.org")
    hook.initialize_custom_hostname(project["ref"], HOST)
    result = run_dag(hostname_dag(f"hostname_caa_{mode}", mode), f"hostname_caa_{mode}", run_conf=project)

    assert result.task_states == {"wait": "failed"}
    assert f"SSL validation failed for {HOST}: CAA record for example.com does not allow letsencrypt.org" in result.log
    assert emulator.request_count("POST", REVERIFY) == 1


@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_at_once_on_a_hostname_that_was_never_initialized(run_dag, emulator, project, mode):
    result = run_dag(hostname_dag(f"hostname_new_{mode}", mode), f"hostname_new_{mode}", run_conf=project)

    assert result.task_states == {"wait": "failed"}
    assert "Custom hostname was never initialized (1_not_started)" in result.log
    assert emulator.request_count("GET", "/v1/projects/{ref}/custom-hostname") == 1
    assert emulator.request_count("POST", REVERIFY) == 0


def test_told_to_keep_waiting_a_deferred_sensor_times_out_on_a_not_started_hostname(run_dag, emulator, project):
    source = hostname_dag("hostname_patient", "deferrable", fail_on_not_started=False, timeout=0.5)
    result = run_dag(source, "hostname_patient", run_conf=project)

    assert result.task_states == {"wait": "failed"}
    assert "Timed out waiting for 5_services_reconfigured" in result.log
    assert "is 1_not_started" in result.log
    assert emulator.request_count("GET", "/v1/projects/{ref}/custom-hostname") >= 2


def test_an_unknown_target_status_is_refused_before_any_request(run_dag, emulator, initialized):
    source = hostname_dag("hostname_typo", "poke", target_status="5_done")
    result = run_dag(source, "hostname_typo", run_conf={"ref": initialized["ref"]})

    assert result.task_states == {"wait": "failed"}
    assert "Invalid target_status: '5_done' is not one of" in result.log
    assert emulator.request_count() == 1  # the test's own initialize call


# Deferrable: the interval must outlast the hand-over from the sensor to the trigger, which a loaded machine
# stretches past a second, or the trigger may reverify at its first check with no read before it.
@pytest.mark.parametrize(("mode", "interval"), [("poke", 0.3), ("deferrable", 2.0), ("reschedule", 1.2)])
def test_sensor_never_calls_reverify_faster_than_the_interval(run_dag, emulator, initialized, mode, interval):
    # Pokes every 0.05 s, far more often than reverify may be called; in reschedule mode each poke is a fresh
    # start with no memory, and dag.test() re-polls every second, so the interval there is above 1 s.
    source = hostname_dag(
        f"hostname_throttle_{mode}",
        mode,
        target_status="4_origin_setup_completed",
        poke_interval=0.05,
        reverify_interval=interval,
    )
    result = run_dag(source, f"hostname_throttle_{mode}", run_conf={"ref": initialized["ref"]})

    assert result.xcom("wait") == {"status": "4_origin_setup_completed", "custom_hostname": HOST}
    first, second = reverify_times(emulator)
    assert second - first >= interval
    if mode != "reschedule":
        reads = [r for r in emulator.requests if r.method == "GET" and first < r.time < second]
        assert len(reads) >= 3  # it kept polling, but held reverify back


def test_a_429_in_the_middle_of_a_deferred_wait_is_waited_out(deferred, run_dag, emulator, initialized):
    def fail_the_triggers_first_reverify():
        # The sensor's own poke reverifies once before deferring; the trigger may not reverify again for
        # reverify_interval, which leaves ample time to arm the fault for it.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(r.template == REVERIFY and r.status is not None for r in emulator.requests):
                emulator.inject_fault("POST", REVERIFY, "status", status=429, retry_after="0.1")
                return
            time.sleep(0.005)

    watcher = threading.Thread(target=fail_the_triggers_first_reverify, daemon=True)
    watcher.start()
    source = hostname_dag("hostname_429", "deferrable", target_status="4_origin_setup_completed", reverify_interval=0.5)
    result = run_dag(source, "hostname_429", run_conf={"ref": initialized["ref"]})
    watcher.join(timeout=5)

    assert result.task_states == {"wait": "success"}
    assert result.xcom("wait") == {"status": "4_origin_setup_completed", "custom_hostname": HOST}
    assert [r.status for r in emulator.requests if r.template == REVERIFY] == [201, 429, 201]
    assert deferred()
