"""supabase_provision_project, run end to end twice against the emulator: what the first run builds, and that
the second adopts all of it and changes nothing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import DB_PASSWORD, EXAMPLE_DAGS, STRIPE_SECRET_KEY

DAG_ID = "supabase_provision_project"


@pytest.fixture(scope="module")
def provisioned(examples, tmp_path_factory):
    types_path = tmp_path_factory.mktemp("types") / "database.types.ts"
    conf = {
        "organization_name": "Initech",
        "project_name": "initech-staging",
        "region": "eu-west-2",
        "custom_hostname": "api.initech.example",
        "types_output_path": str(types_path),
    }
    first = examples.run(DAG_ID, run_conf=conf)
    after_first = examples.emulator.state_snapshot()
    mark = len(examples.emulator.requests)
    second = examples.run(DAG_ID, run_conf=conf)
    return SimpleNamespace(
        first=first,
        second=second,
        state=after_first,
        again=examples.emulator.state_snapshot(),
        second_mutations=examples.mutations_since(mark),
        types_path=types_path,
        ref=first.xcom("create_project")["ref"],
    )


def test_every_task_succeeds(provisioned):
    assert provisioned.first.state == "success"
    assert provisioned.first.task_states == dict.fromkeys(
        [
            "create_organization",
            "create_project",
            "wait_for_project",
            "apply_network_restrictions",
            "sync_initial_secrets",
            "deploy_hello_world",
            "generate_types",
            "initialize_custom_hostname",
            "wait_for_custom_hostname",
            "activate_custom_hostname",
        ],
        "success",
    )


def test_creates_the_named_organization_and_a_healthy_project_in_the_chosen_region(provisioned):
    [org] = provisioned.state["organizations"].values()
    project = provisioned.state["projects"][provisioned.ref]
    assert org["name"] == "Initech"
    assert (project["name"], project["organization_slug"], project["region"]) == (
        "initech-staging",
        org["slug"],
        "eu-west-2",
    )
    assert project["status"] == "ACTIVE_HEALTHY"
    assert project["db_pass"] == DB_PASSWORD
    assert project["plan"] == "pro"


def test_the_wait_for_the_project_is_deferrable(provisioned):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(str(EXAMPLE_DAGS / f"{DAG_ID}.py")).get_dag(DAG_ID)
    assert dag.get_task("wait_for_project").deferrable
    assert dag.get_task("wait_for_custom_hostname").deferrable
    assert provisioned.first.xcom("wait_for_project")["status"] == "ACTIVE_HEALTHY"


def test_only_the_configured_networks_reach_the_database(provisioned):
    config = provisioned.state["network_restrictions"][provisioned.ref]["config"]
    assert config == {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}


def test_initial_secrets_come_from_params_and_variables(provisioned):
    secrets = provisioned.state["secrets"][provisioned.ref]
    assert {name: s["value"] for name, s in secrets.items()} == {
        "SITE_URL": "https://api.initech.example",
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
    }


def test_the_function_beside_the_dag_is_deployed(provisioned):
    function = provisioned.state["functions"][provisioned.ref]["hello-world"]
    local = (EXAMPLE_DAGS / "functions" / "hello-world" / "index.ts").read_text()
    assert (function["version"], function["verify_jwt"], function["files"]) == (1, True, {"index.ts": local})


def test_typescript_types_are_written_to_the_requested_file(provisioned):
    assert provisioned.first.xcom("generate_types") == str(provisioned.types_path)
    assert "export type Database" in Path(provisioned.types_path).read_text()


def test_the_custom_hostname_ends_active(provisioned):
    hostname = provisioned.state["hostnames"][provisioned.ref]
    assert (hostname["custom_hostname"], hostname["status"]) == ("api.initech.example", "5_services_reconfigured")


def test_a_second_run_adopts_everything_and_changes_nothing(provisioned):
    assert provisioned.second.state == "success"
    assert provisioned.second.xcom("create_organization")["created"] is False
    assert provisioned.second.xcom("create_project")["created"] is False
    assert provisioned.second.xcom("deploy_hello_world")["deployed"] is False
    assert provisioned.second_mutations == []
    assert provisioned.again["projects"].keys() == provisioned.state["projects"].keys()
    assert provisioned.again["functions"] == provisioned.state["functions"]
    assert provisioned.again["secrets"] == provisioned.state["secrets"]
