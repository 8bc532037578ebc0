"""Parsing example_dags/ the way a scheduler does: no import errors, no connection or Variable lookup, no network
call, nothing heavy imported; and each DAG documents itself and validates its Params."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys

import pytest

from .conftest import EXAMPLE_DAGS

DAG_IDS = {
    "supabase_provision_project",
    "supabase_provision_full",
    "supabase_rotate_secrets",
    "supabase_deploy_functions",
    "supabase_rotate_credentials",
    "supabase_preview_branch",
}


def _parse():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(EXAMPLE_DAGS))


@pytest.fixture(scope="module")
def dagbag():
    return _parse()


def test_every_example_dag_parses_without_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS


def test_parsing_looks_up_no_connection_and_no_variable(monkeypatch):
    from airflow.models.connection import Connection as ConnectionModel
    from airflow.models.variable import Variable as VariableModel
    from airflow.sdk import BaseHook, Connection, Variable

    def refuse(*args, **kwargs):
        raise AssertionError("looked up a connection or variable while parsing")

    for owner, name in [
        (BaseHook, "get_connection"),
        (Connection, "get"),
        (Variable, "get"),
        (ConnectionModel, "get_connection_from_secrets"),
        (VariableModel, "get"),
    ]:
        monkeypatch.setattr(owner, name, refuse)
    assert _parse().import_errors == {}


def test_parsing_makes_no_network_call(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("opened a network connection while parsing")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert _parse().import_errors == {}


def test_parsing_imports_neither_requests_nor_the_hook():
    code = (
        "import json, sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag({str(EXAMPLE_DAGS)!r})\n"
        "heavy = ['requests', 'airflow_provider_supabase.hooks.supabase']\n"
        "print(json.dumps({'errors': list(bag.import_errors), 'imported': [m for m in heavy if m in sys.modules]}))\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {"errors": [], "imported": []}


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_every_example_dag_documents_itself(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.doc_md and dag.doc_md.strip().startswith("###")
    assert dag.description


def _validate_conf(dag, **conf):
    params = copy.deepcopy(dag.params)
    for key, value in conf.items():
        params[key] = value
    params.validate()


def test_provisioning_refuses_an_unknown_region(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="region"):
        _validate_conf(dagbag.dags["supabase_provision_project"], region="mars-north-1")


def test_provisioning_refuses_a_hostname_that_is_not_one(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="custom_hostname"):
        _validate_conf(dagbag.dags["supabase_provision_project"], custom_hostname="not a host")


def test_full_provisioning_refuses_a_site_url_that_is_not_https(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="site_url"):
        _validate_conf(dagbag.dags["supabase_provision_full"], site_url="http://app.example.com")


def test_deploying_requires_at_least_one_project_ref(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="project_refs"):
        dagbag.dags["supabase_deploy_functions"].params.validate()


def test_rotation_runs_daily_without_catchup_in_the_api_pool(dagbag):
    dag = dagbag.dags["supabase_rotate_secrets"]
    assert (dag.schedule, dag.catchup, dag.start_date.year) == ("@daily", False, 2025)
    assert dag.get_task("sync_secrets").pool == "supabase_api"
