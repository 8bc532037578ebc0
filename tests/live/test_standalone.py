"""The three example DAGs under a real scheduler: `airflow standalone` on a scratch home, pointed at the
emulator, each DAG unpaused and started with `airflow dags trigger`, the deferrable waits handed to the
triggerer, and the emulator's end state checked. `make test-live` runs it; the plain `make test` does not."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_supabase.emulator import Emulator
from scripts.example_deployment import (
    DEPLOY_DAG,
    POOL,
    POOL_SLOTS,
    PROVISION_DAG,
    ROTATION_DAG,
    ROTATION_PROJECTS_VARIABLE,
    deployment_env,
    run_result,
)
from tests.live.standalone import Deferral, Standalone

# The whole run (start-up, three DAGs, end state) must fit in this. Every Airflow process (component, worker,
# CLI call) starts a whole interpreter: on a two-core machine busy with other test runs it took 8 to 10 min.
DEADLINE_SECONDS = 15 * 60
pytestmark = [pytest.mark.live, pytest.mark.timeout(DEADLINE_SECONDS + 120)]

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
PROJECT_TRIGGER = "airflow_provider_supabase.triggers.supabase.ProjectStatusTrigger"
HOSTNAME_TRIGGER = "airflow_provider_supabase.triggers.supabase.CustomHostnameTrigger"
RUN_IDS = {PROVISION_DAG: "live__provision", ROTATION_DAG: "live__rotate", DEPLOY_DAG: "live__deploy"}
SLUGS = ["hello-world", "send-welcome-email"]


@dataclass
class LiveRun:
    runs: dict[str, dict[str, str]]
    task_states: dict[str, dict[str, str]]
    deferrals: set[Deferral]
    state: dict[str, Any]
    variables: dict[str, str]
    types_path: Path
    ref: str
    xcoms: dict[tuple[str, str], Any]
    # Shown with any failed test (tests/live/conftest.py): the run is over by then, its logs are not.
    diagnostics: str


class Watcher:
    """Polled while the provisioning DAG runs: notes every deferred task and its trigger, and lets the new
    project become healthy only once its wait is deferred to the triggerer, so it cannot end at its first poke."""

    def __init__(self, airflow: Standalone, emulator: Emulator) -> None:
        self.airflow, self.emulator = airflow, emulator
        self.seen: set[Deferral] = set()
        self.released = False

    def poll(self) -> None:
        self.seen |= self.airflow.deferrals()
        if not self.released and any(
            d.task_id == "wait_for_project" and d.runner_job_type == "TriggererJob" for d in self.seen
        ):
            for ref in self.emulator.state_snapshot()["projects"]:
                self.emulator.set_project_status(ref, "ACTIVE_HEALTHY")
            self.released = True


@pytest.fixture(scope="module")
def live() -> Iterator[LiveRun]:
    # Not pytest's tmp_path: other pytest sessions on the machine prune its directories, even mid-run.
    home = Path(tempfile.mkdtemp(prefix="supabase-live-"))
    dags_folder = home / "dags"
    shutil.copytree(EXAMPLE_DAGS, dags_folder, ignore=shutil.ignore_patterns("__pycache__"))
    # A new project stays pending (UNKNOWN) until the watcher sees its wait deferred.
    emulator = Emulator(project_ready_seconds=24 * 3600).start()
    secrets_env = deployment_env(emulator.url)
    airflow = Standalone(home, dags_folder, secrets_env, deadline=time.monotonic() + DEADLINE_SECONDS)
    keep_home = True
    try:
        airflow.start()
        run = _run_the_example_dags(airflow, emulator, secrets_env, home)
        airflow.progress("all runs finished")
        airflow.stop()
        airflow.progress("airflow standalone stopped")
        yield run
        keep_home = False
    except BaseException:
        print(_diagnostics(airflow))
        raise
    finally:
        airflow.stop()
        emulator.stop()
        if keep_home:
            print(f"Live run files kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def _run_the_example_dags(airflow: Standalone, emulator: Emulator, secrets_env: dict, home: Path) -> LiveRun:
    watcher = Watcher(airflow, emulator)
    dag_ids = set(RUN_IDS)
    airflow.wait_for("the DAGs to be parsed", lambda: airflow.import_errors() or dag_ids <= airflow.parsed_dags())
    assert not airflow.import_errors(), airflow.import_errors()
    airflow.wait_for("the api-server", airflow.api_ready)

    types_path = home / "database.types.ts"
    airflow.unpause(PROVISION_DAG)
    airflow.airflow(
        *("dags", "trigger", PROVISION_DAG, "-r", RUN_IDS[PROVISION_DAG]),
        *("-c", json.dumps({"types_output_path": str(types_path)})),
    )

    def provision_finished() -> Any:
        watcher.poll()
        return airflow.runs_finished(PROVISION_DAG)

    airflow.wait_for(f"{PROVISION_DAG} to finish", provision_finished, interval=0.5)
    [ref] = emulator.state_snapshot()["projects"]

    # What `make demo` does between its two runs, and what the rotation DAG's doc_md asks for.
    airflow.set_pool(POOL, POOL_SLOTS, "Supabase Management API calls")
    airflow.set_variable(ROTATION_PROJECTS_VARIABLE, [ref])
    airflow.unpause(DEPLOY_DAG)
    airflow.airflow_parallel(
        ("dags", "trigger", DEPLOY_DAG, "-r", RUN_IDS[DEPLOY_DAG], "-c", json.dumps({"project_refs": [ref]})),
        ("dags", "trigger", ROTATION_DAG, "-r", RUN_IDS[ROTATION_DAG]),
    )
    # Unpausing the daily DAG also starts its latest scheduled run (catchup=False) beside the triggered one:
    # both must succeed, and the end state is read once both are over.
    airflow.unpause(ROTATION_DAG)
    airflow.wait_for(
        "the deploy run and both rotation runs to finish",
        lambda: airflow.runs_finished(DEPLOY_DAG) and airflow.runs_finished(ROTATION_DAG, count=2),
    )

    runs = {dag_id: airflow.runs(dag_id) for dag_id in RUN_IDS}
    airflow.progress(f"runs: {runs}")
    task_states = {
        f"{dag_id}/{run_id}": run_result(airflow.db_path, dag_id, run_id)[0]
        for dag_id, dag_runs in runs.items()
        for run_id in dag_runs
    }
    xcoms = {
        (dag_id, task_id): airflow.xcom(dag_id, RUN_IDS[dag_id], task_id)
        for dag_id, task_id in [(DEPLOY_DAG, "list_live_functions"), (ROTATION_DAG, "report")]
    }
    variables = {
        key.removeprefix("AIRFLOW_VAR_").lower(): value
        for key, value in secrets_env.items()
        if key.startswith("AIRFLOW_VAR_")
    }
    variables["smtp_password"] = json.loads(secrets_env["AIRFLOW_CONN_SMTP_DEFAULT"])["password"]
    state = emulator.state_snapshot()
    return LiveRun(runs, task_states, watcher.seen, state, variables, types_path, ref, xcoms, _diagnostics(airflow))


def _diagnostics(airflow: Standalone) -> str:
    return (
        f"\n===== airflow standalone (last lines of {airflow.log_path}) =====\n{airflow.log_tail()}"
        f"\n===== task logs with errors =====\n{airflow.failed_task_logs()}"
    )


# ---------------------------------------------------------------------------------------------- the runs


def test_the_triggered_run_of_every_example_dag_succeeds(live):
    assert {dag_id: live.runs[dag_id].get(run_id) for dag_id, run_id in RUN_IDS.items()} == dict.fromkeys(
        RUN_IDS, "success"
    )


def test_every_task_of_every_run_succeeds(live):
    failed = {run: {t: s for t, s in states.items() if s != "success"} for run, states in live.task_states.items()}
    assert {run: tasks for run, tasks in failed.items() if tasks} == {}
    assert all(live.task_states.values())


def test_the_project_wait_is_deferred_to_the_triggerer(live):
    assert Deferral(PROVISION_DAG, "wait_for_project", PROJECT_TRIGGER, "TriggererJob") in live.deferrals


def test_the_custom_hostname_wait_is_deferred_to_the_triggerer(live):
    assert Deferral(PROVISION_DAG, "wait_for_custom_hostname", HOSTNAME_TRIGGER, "TriggererJob") in live.deferrals


# ---------------------------------------------------------------------------------------------- the emulator


def test_provisioning_creates_the_organization_and_a_healthy_project(live):
    [org] = live.state["organizations"].values()
    project = live.state["projects"][live.ref]
    assert org["name"] == "Acme Corp"
    assert (project["name"], project["organization_slug"], project["region"], project["plan"]) == (
        "acme-prod",
        org["slug"],
        "us-east-1",
        "pro",
    )
    assert project["status"] == "ACTIVE_HEALTHY"
    assert project["db_pass"] == live.variables["supabase_db_password"]


def test_provisioning_lets_only_the_configured_networks_reach_the_database(live):
    config = live.state["network_restrictions"][live.ref]["config"]
    assert config == {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}


def test_provisioning_brings_the_custom_hostname_live(live):
    hostname = live.state["hostnames"][live.ref]
    assert (hostname["custom_hostname"], hostname["status"]) == ("api.example.com", "5_services_reconfigured")


def test_provisioning_writes_the_typescript_types_on_the_worker(live):
    assert "export type Database" in live.types_path.read_text()


def test_rotation_leaves_exactly_the_desired_secrets_and_the_kept_one(live):
    secrets = {name: s["value"] for name, s in live.state["secrets"][live.ref].items()}
    assert sorted(secrets) == ["CRON_SECRET", "INTERNAL_API_KEY", "SITE_URL", "SMTP_PASSWORD", "STRIPE_SECRET_KEY"]
    assert secrets["SITE_URL"] == "https://api.example.com"
    assert secrets["STRIPE_SECRET_KEY"] == live.variables["stripe_secret_key"]
    assert secrets["SMTP_PASSWORD"] == live.variables["smtp_password"]


def test_rotation_generates_a_distinct_key_per_name(live):
    secrets = {name: s["value"] for name, s in live.state["secrets"][live.ref].items()}
    generated = [secrets["INTERNAL_API_KEY"], secrets["CRON_SECRET"]]
    assert all(len(key) == 64 and set(key) <= set("0123456789abcdef") for key in generated)
    assert generated[0] != generated[1]


def test_rotation_reports_the_project_it_synced(live):
    assert list(live.xcoms[(ROTATION_DAG, "report")]) == [live.ref]


def test_deploy_adds_the_new_function_and_skips_the_one_provisioning_deployed(live):
    functions = live.state["functions"][live.ref]
    assert {slug: (f["version"], f["verify_jwt"]) for slug, f in functions.items()} == {
        "hello-world": (1, True),
        "send-welcome-email": (1, True),
    }
    local = {p.name: p.read_text() for p in (EXAMPLE_DAGS / "functions" / "send-welcome-email").iterdir()}
    assert functions["send-welcome-email"]["files"] == local


def test_deploy_lists_what_is_live(live):
    assert live.xcoms[(DEPLOY_DAG, "list_live_functions")] == {
        live.ref: [{"slug": slug, "version": 1, "status": "ACTIVE"} for slug in SLUGS]
    }
