"""What every operator promises a DAG author: cheap import, nothing done at construction, templated ids."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

MODULES = [
    "projects",
    "functions",
    "secrets",
    "custom_hostname",
    "network",
    "types",
    "pgsodium",
    "organizations",
    "database",
    "config",
    "api_keys",
    "branches",
]
REF = "abcdefghijklmnopqrst"


def _operators():
    from airflow_provider_supabase.operators import (
        api_keys,
        branches,
        config,
        custom_hostname,
        database,
        functions,
        network,
        organizations,
        pgsodium,
        projects,
        secrets,
        types,
    )

    return [
        (organizations.CreateOrganizationOperator, {"name": "n"}),
        (
            projects.CreateProjectOperator,
            {"name": "n", "organization_slug": "o", "db_pass": "p", "region": "eu-west-1"},
        ),
        (functions.DeployFunctionOperator, {"project_ref": REF, "slug": "s", "body": "b"}),
        (functions.DeleteFunctionOperator, {"project_ref": REF, "slug": "s"}),
        (secrets.SyncSecretsOperator, {"project_ref": REF, "secrets": {"A": "b"}}),
        (types.GenerateTypeScriptTypesOperator, {"project_ref": REF}),
        (custom_hostname.InitializeCustomHostnameOperator, {"project_ref": REF, "custom_hostname": "a.example.com"}),
        (custom_hostname.ReverifyCustomHostnameOperator, {"project_ref": REF}),
        (custom_hostname.ActivateCustomHostnameOperator, {"project_ref": REF}),
        (custom_hostname.DeleteCustomHostnameOperator, {"project_ref": REF}),
        (network.ApplyNetworkRestrictionsOperator, {"project_ref": REF, "db_allowed_cidrs": ["10.0.0.0/8"]}),
        (network.RemoveNetworkBansOperator, {"project_ref": REF, "ipv4_addresses": ["10.0.0.1"]}),
        (pgsodium.UpdatePgsodiumRootKeyOperator, {"project_ref": REF, "root_key": "ab" * 32}),
        (database.RunQueryOperator, {"project_ref": REF, "sql": "select 1", "parameters": [1]}),
        (database.ApplyMigrationsOperator, {"project_ref": REF, "migrations_dir": "supabase/migrations"}),
        (config.UpdateProjectConfigOperator, {"project_ref": REF, "auth": {"site_url": "https://a.example.com"}}),
        (api_keys.ExportApiKeysOperator, {"project_ref": REF, "variable_prefix": "app"}),
        (projects.PauseProjectOperator, {"project_ref": REF}),
        (projects.RestoreProjectOperator, {"project_ref": REF}),
        (projects.DeleteProjectOperator, {"project_ref": REF, "confirm_name": "n"}),
        (branches.CreateBranchOperator, {"project_ref": REF, "branch_name": "preview", "secrets": {"A": "b"}}),
        (branches.MergeBranchOperator, {"branch_id_or_ref": REF}),
        (branches.PushBranchOperator, {"branch_id_or_ref": REF}),
        (branches.ResetBranchOperator, {"branch_id_or_ref": REF}),
        (branches.DeleteBranchOperator, {"branch_id_or_ref": REF}),
    ]


def test_importing_every_operator_module_loads_no_hook_http_client_or_trigger():
    modules = ", ".join(f"airflow_provider_supabase.operators.{m}" for m in MODULES)
    ours = (
        "airflow_provider_supabase.hooks",
        "airflow_provider_supabase.triggers",
        "airflow_provider_supabase.emulator",
    )
    code = (
        f"import sys, json; import {modules}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m == 'requests' or m.startswith({ours!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(("cls", "kwargs"), _operators(), ids=lambda v: getattr(v, "__name__", ""))
def test_construction_looks_nothing_up_and_templates_the_ids(emulator, cls, kwargs):
    op = cls(task_id="t", supabase_conn_id="not_a_connection", **kwargs)

    assert "hook" not in op.__dict__
    assert emulator.request_count() == 0
    assert "supabase_conn_id" in op.template_fields
    if "project_ref" in kwargs:
        assert "project_ref" in op.template_fields
    assert set(kwargs) <= set(op.template_fields)


def test_the_hook_uses_the_rendered_connection_id(monkeypatch, emulator):
    from airflow_provider_supabase.operators.organizations import CreateOrganizationOperator

    op = CreateOrganizationOperator(task_id="t", name="n", supabase_conn_id="{{ params.conn }}")
    op.render_template_fields({"params": {"conn": "supabase_default"}})

    assert op.hook.supabase_conn_id == "supabase_default"
