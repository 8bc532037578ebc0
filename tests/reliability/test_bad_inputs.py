"""Bad inputs across operators, sensors, hook methods and the connection: each is refused with a message naming the
field, and not one request reaches the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.supabase import SupabaseHook
from airflow_provider_supabase.operators.api_keys import ExportApiKeysOperator
from airflow_provider_supabase.operators.branches import (
    CreateBranchOperator,
    DeleteBranchOperator,
    MergeBranchOperator,
)
from airflow_provider_supabase.operators.config import UpdateProjectConfigOperator
from airflow_provider_supabase.operators.custom_hostname import (
    ActivateCustomHostnameOperator,
    InitializeCustomHostnameOperator,
)
from airflow_provider_supabase.operators.database import ApplyMigrationsOperator, RunQueryOperator
from airflow_provider_supabase.operators.functions import DeleteFunctionOperator, DeployFunctionOperator
from airflow_provider_supabase.operators.network import ApplyNetworkRestrictionsOperator, RemoveNetworkBansOperator
from airflow_provider_supabase.operators.organizations import CreateOrganizationOperator
from airflow_provider_supabase.operators.pgsodium import UpdatePgsodiumRootKeyOperator
from airflow_provider_supabase.operators.projects import (
    CreateProjectOperator,
    DeleteProjectOperator,
    PauseProjectOperator,
    RestoreProjectOperator,
)
from airflow_provider_supabase.operators.rotation import (
    FunctionSecretsSink,
    RotateApiKeyOperator,
    RotateDatabasePasswordOperator,
    RotateSigningKeyOperator,
    VariableSink,
)
from airflow_provider_supabase.operators.secrets import SyncSecretsOperator
from airflow_provider_supabase.operators.types import GenerateTypeScriptTypesOperator
from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor
from airflow_provider_supabase.sensors.custom_hostname import SupabaseCustomHostnameSensor
from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor
from tests.reliability._support import record

REF = "abcdefghijklmnopqrst"
GOOD_KEY = "0f" * 32


def _run(operator_class: type, **kwargs: Any) -> Callable[[SupabaseHook, Path], Any]:
    """Execute an operator (outside a DAG run: validation must not need one)."""
    return lambda hook, tmp: operator_class(task_id="t", **kwargs).execute({})


def _deploy(**kwargs: Any) -> Callable[[SupabaseHook, Path], Any]:
    def run(hook: SupabaseHook, tmp: Path) -> Any:
        source = tmp / "fn"
        source.mkdir()
        (source / "main.ts").write_text("Deno.serve(() => 1)")
        (tmp / "empty").mkdir()
        resolved: dict[str, Any] = {
            k: v.replace("{tmp}", str(tmp)) if isinstance(v, str) else v for k, v in kwargs.items()
        }
        return DeployFunctionOperator(task_id="t", project_ref=REF, slug="hello", **resolved).execute({})

    return run


def _migrate(*names: str) -> Callable[[SupabaseHook, Path], Any]:
    def run(hook: SupabaseHook, tmp: Path) -> Any:
        for name in names:
            (tmp / name).write_text("select 1;")
        return ApplyMigrationsOperator(task_id="t", project_ref=REF, migrations_dir=str(tmp)).execute({})

    return run


def _project(**changes: Any) -> Callable[[SupabaseHook, Path], Any]:
    args = {"name": "web", "organization_slug": "acme", "db_pass": "pw-0123456789", "region": "eu-west-1"}
    return _run(CreateProjectOperator, **{**args, **changes})


# case -> (the call, given the hook and a scratch directory; the field the refusal must name)
BAD_INPUTS: dict[str, tuple[Callable[[SupabaseHook, Path], Any], str]] = {
    # SyncSecretsOperator
    "sync: project name instead of ref": (
        _run(SyncSecretsOperator, project_ref="acme-prod", secrets={}),
        "project_ref",
    ),
    "sync: reserved SUPABASE_ name": (
        _run(SyncSecretsOperator, project_ref=REF, secrets={"SUPABASE_ANON_KEY": "x"}),
        "secrets name",
    ),
    "sync: integer value": (_run(SyncSecretsOperator, project_ref=REF, secrets={"PORT": 5432}), "secrets['PORT']"),
    "sync: None value": (_run(SyncSecretsOperator, project_ref=REF, secrets={"TOKEN": None}), "secrets['TOKEN']"),
    "sync: list entry without value": (
        _run(SyncSecretsOperator, project_ref=REF, secrets=[{"name": "A"}]),
        "secrets[0]",
    ),
    "sync: name given twice": (
        _run(SyncSecretsOperator, project_ref=REF, secrets=[{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]),
        "secrets name",
    ),
    "sync: secrets as a string": (_run(SyncSecretsOperator, project_ref=REF, secrets="A=1"), "secrets"),
    "sync: keep as a string": (_run(SyncSecretsOperator, project_ref=REF, secrets={}, keep="SITE_URL"), "keep"),
    # DeployFunctionOperator / DeleteFunctionOperator
    "deploy: directory that does not exist": (_deploy(source_dir="{tmp}/missing"), "source_dir"),
    "deploy: entrypoint missing from the directory": (_deploy(source_dir="{tmp}/fn"), "entrypoint_path"),
    "deploy: empty directory": (_deploy(source_dir="{tmp}/empty"), "source_dir"),
    "deploy: import map missing from the directory": (
        _deploy(source_dir="{tmp}/fn", entrypoint_path="main.ts", import_map_path="import_map.json"),
        "import_map_path",
    ),
    "deploy: file that does not exist": (_deploy(files=["{tmp}/nowhere/index.ts"]), "files"),
    "deploy: no source at all": (_deploy(), "source_dir / files / body"),
    "deploy: base_dir with a directory source": (_deploy(source_dir="{tmp}/fn", base_dir="{tmp}"), "base_dir"),
    "deploy: verify_jwt as a string": (_deploy(body="x", verify_jwt="false"), "verify_jwt"),
    "deploy: slug with a space": (_run(DeployFunctionOperator, project_ref=REF, slug="hello world", body="x"), "slug"),
    "delete function: path-like slug": (_run(DeleteFunctionOperator, project_ref=REF, slug="../etc"), "slug"),
    # Network
    "network: CIDR with host bits": (
        _run(ApplyNetworkRestrictionsOperator, project_ref=REF, db_allowed_cidrs=["10.0.0.1/8"]),
        "db_allowed_cidrs",
    ),
    "network: CIDRs as one string": (
        _run(ApplyNetworkRestrictionsOperator, project_ref=REF, db_allowed_cidrs="10.0.0.0/8"),
        "db_allowed_cidrs",
    ),
    "network: IPv4 CIDR in the IPv6 list": (
        _run(
            ApplyNetworkRestrictionsOperator, project_ref=REF, db_allowed_cidrs=[], db_allowed_cidrs_v6=["10.0.0.0/8"]
        ),
        "db_allowed_cidrs_v6",
    ),
    "bans: IPv6 address": (_run(RemoveNetworkBansOperator, project_ref=REF, ipv4_addresses=["::1"]), "ipv4_addresses"),
    "bans: empty list": (_run(RemoveNetworkBansOperator, project_ref=REF, ipv4_addresses=[]), "ipv4_addresses"),
    # pgsodium
    "root key: 63 characters": (
        _run(UpdatePgsodiumRootKeyOperator, project_ref=REF, root_key=GOOD_KEY[:63], i_understand_data_loss=True),
        "root_key",
    ),
    "root key: not hexadecimal": (
        _run(UpdatePgsodiumRootKeyOperator, project_ref=REF, root_key="g" * 64, i_understand_data_loss=True),
        "root_key",
    ),
    "root key: not a string": (
        _run(UpdatePgsodiumRootKeyOperator, project_ref=REF, root_key=1234, i_understand_data_loss=True),
        "root_key",
    ),
    "root key: data loss not acknowledged": (
        _run(UpdatePgsodiumRootKeyOperator, project_ref=REF, root_key=GOOD_KEY),
        "i_understand_data_loss",
    ),
    # Custom hostname
    "hostname: a URL": (
        _run(InitializeCustomHostnameOperator, project_ref=REF, custom_hostname="https://api.example.com"),
        "custom_hostname",
    ),
    "hostname: single label": (
        _run(InitializeCustomHostnameOperator, project_ref=REF, custom_hostname="localhost"),
        "custom_hostname",
    ),
    "hostname: label starting with a dash": (
        _run(InitializeCustomHostnameOperator, project_ref=REF, custom_hostname="-api.example.com"),
        "custom_hostname",
    ),
    "hostname: activate with empty ref": (_run(ActivateCustomHostnameOperator, project_ref=""), "project_ref"),
    "hostname sensor: unknown target status": (
        _run(SupabaseCustomHostnameSensor, project_ref=REF, target_status="active"),
        "target_status",
    ),
    "project sensor: uppercase ref": (
        _run(SupabaseProjectStatusSensor, project_ref=REF.upper(), poke_interval=0.01, timeout=1),
        "project_ref",
    ),
    # Projects and organizations
    "project: region in capitals": (_project(region="US-EAST-1"), "region"),
    "project: db_pass not a string": (_project(db_pass=12345678), "db_pass"),
    "project: unknown smart region group": (
        _project(region=None, region_selection={"type": "smartGroup", "code": "mars"}),
        "region_selection.code",
    ),
    "project: plan in capitals": (_project(plan="Pro"), "plan"),
    "organization: empty name": (_run(CreateOrganizationOperator, name=""), "name"),
    "delete project: no name to confirm": (
        _run(DeleteProjectOperator, project_ref=REF, confirm_name=""),
        "confirm_name",
    ),
    "pause: ref in capitals": (_run(PauseProjectOperator, project_ref=REF.upper()), "project_ref"),
    "restore: zero timeout": (_run(RestoreProjectOperator, project_ref=REF, timeout=0), "timeout"),
    # Config as code and API keys
    "config: auth setting misspelt": (
        _run(UpdateProjectConfigOperator, project_ref=REF, auth={"smtp_passwd": "x"}),
        "auth.smtp_passwd",
    ),
    "config: PostgREST setting under postgres": (
        _run(UpdateProjectConfigOperator, project_ref=REF, postgres={"db_schema": "public"}),
        "postgres.db_schema",
    ),
    "config: section rendered as a string": (
        _run(UpdateProjectConfigOperator, project_ref=REF, postgrest="max_rows=10"),
        "postgrest",
    ),
    "api keys: prefix with a space": (
        _run(ExportApiKeysOperator, project_ref=REF, variable_prefix="my app"),
        "variable_prefix",
    ),
    # Types
    "rotate key: empty prefix": (
        _run(RotateApiKeyOperator, project_ref=REF, name_prefix="", sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "rotate key: prefix outside the API's name pattern": (
        _run(RotateApiKeyOperator, project_ref=REF, name_prefix="Backend-Key", sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "rotate key: prefix too long for a 64-character name": (
        _run(RotateApiKeyOperator, project_ref=REF, name_prefix="b" * 52, sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "rotate key: zero grace period": (
        _run(
            RotateApiKeyOperator,
            project_ref=REF,
            name_prefix="svc",
            sinks=[VariableSink("k")],
            grace_period=timedelta(0),
        ),
        "grace_period",
    ),
    "rotate key: grace period as a number": (
        _run(RotateApiKeyOperator, project_ref=REF, name_prefix="svc", sinks=[VariableSink("k")], grace_period=3600),
        "grace_period",
    ),
    "rotate key: reserved function secret name": (
        _run(
            RotateApiKeyOperator, project_ref=REF, name_prefix="svc", sinks=[FunctionSecretsSink("SUPABASE_KEY", [REF])]
        ),
        "FunctionSecretsSink.name",
    ),
    "rotate key: a sink that is not one": (
        _run(RotateApiKeyOperator, project_ref=REF, name_prefix="svc", sinks=["supabase_key"]),
        "sinks",
    ),
    "signing keys: unknown algorithm": (
        _run(RotateSigningKeyOperator, project_ref=REF, algorithm="ES512"),
        "algorithm",
    ),
    "signing keys: algorithm in lower case": (
        _run(RotateSigningKeyOperator, project_ref=REF, algorithm="es256"),
        "algorithm",
    ),
    "password: below the length floor": (
        _run(RotateDatabasePasswordOperator, project_ref=REF, sinks=[VariableSink("k")], length=15),
        "length",
    ),
    "password: length as a string": (
        _run(RotateDatabasePasswordOperator, project_ref=REF, sinks=[VariableSink("k")], length="32"),
        "length",
    ),
    "hook: API key name with a dash": (lambda h, t: h.create_api_key(REF, "secret", "my-key"), "name"),
    "hook: password too short": (lambda h, t: h.update_database_password(REF, "pw"), "password"),
    "hook: signing key status unknown": (
        lambda h, t: h.update_signing_key(REF, "22222222-2222-4222-8222-222222222222", "active"),
        "status",
    ),
    "types: output directory does not exist": (
        _run(GenerateTypeScriptTypesOperator, project_ref=REF, output_path="/nonexistent-dir/types.ts"),
        "output_path",
    ),
    "types: empty schema name": (
        _run(GenerateTypeScriptTypesOperator, project_ref=REF, included_schemas=["public", ""]),
        "included_schemas",
    ),
    # Hook methods
    "hook: bytes secret value": (
        lambda h, t: h.create_secrets(REF, {"A": b"bytes"}),  # type: ignore[arg-type]
        "secrets['A']",
    ),
    "hook: non-text file content": (
        lambda h, t: h.deploy_function(REF, "f", {"index.ts": 42}),  # type: ignore[arg-type]
        "files",
    ),
    "hook: absolute file path": (
        lambda h, t: h.deploy_function(REF, "f", {"/abs/index.ts": "x"}, "/abs/index.ts"),
        "files",
    ),
    "hook: verify_jwt as a string": (
        lambda h, t: h.update_function(REF, "f", body="x", verify_jwt="false"),
        "verify_jwt",
    ),
    "hook: ref is None": (lambda h, t: h.get_project(None), "project_ref"),  # type: ignore[arg-type]
    "hook: unknown region selection type": (
        lambda h, t: h.create_project("p", organization_slug="o", db_pass="pw", region_selection={"type": "x"}),
        "region_selection.type",
    ),
    "hook: unknown instance size": (
        lambda h, t: h.create_project("p", "o", "pw", "us-east-1", desired_instance_size="huge"),
        "desired_instance_size",
    ),
    "hook: secret names as one string": (lambda h, t: h.delete_secrets(REF, "API_KEY"), "names"),
    "hook: no health service": (lambda h, t: h.get_project_health(REF, ""), "services"),
    "hook: empty function body": (lambda h, t: h.create_function(REF, "f", "F", ""), "body"),
    "hook: CIDRs as one string": (lambda h, t: h.apply_network_restrictions(REF, "0.0.0.0/0"), "db_allowed_cidrs"),
    "hook: hostname label over 63 characters": (
        lambda h, t: h.initialize_custom_hostname(REF, "a" * 64 + ".example.com"),
        "custom_hostname",
    ),
    # ApplyMigrationsOperator, RunQueryOperator and the SQL hook methods
    "migrations: file name without a numeric version": (_migrate("add_users.sql"), "migrations_dir"),
    "migrations: two files with one version": (_migrate("1_users.sql", "1_orders.sql"), "migrations_dir"),
    "query: SQL that is not a string": (_run(RunQueryOperator, project_ref=REF, sql=["select 1"]), "sql"),
    "query: negative max_rows": (_run(RunQueryOperator, project_ref=REF, sql="select 1", max_rows=-1), "max_rows"),
    "hook: query parameters as one string": (lambda h, t: h.run_query(REF, "select $1", parameters="x"), "parameters"),
    "hook: empty migration": (lambda h, t: h.apply_migration(REF, ""), "query"),
    # Preview branches
    "branch: empty name": (_run(CreateBranchOperator, project_ref=REF, branch_name=""), "branch_name"),
    "branch: run id as the name": (
        _run(CreateBranchOperator, project_ref=REF, branch_name="manual__2024-01-01T00:00:00+00:00"),
        "branch_name",
    ),
    "branch: with_data as a string": (
        _run(CreateBranchOperator, project_ref=REF, branch_name="b", with_data="true"),
        "with_data",
    ),
    "branch: reserved secret name": (
        _run(CreateBranchOperator, project_ref=REF, branch_name="b", secrets={"SUPABASE_URL": "x"}),
        "secrets name",
    ),
    "branch: id that is neither a UUID nor a ref": (
        _run(MergeBranchOperator, branch_id_or_ref="feature-login"),
        "branch_id_or_ref",
    ),
    "branch: delete with no branch named": (_run(DeleteBranchOperator), "branch_id_or_ref"),
    "branch: sensor on a path-like name": (
        _run(SupabaseBranchSensor, project_ref=REF, branch_name="../main"),
        "branch_name",
    ),
    "hook: branch id with a trailing slash": (lambda h, t: h.get_branch_config(REF + "/"), "branch_id_or_ref"),
    "hook: migration version that is not a number": (
        lambda h, t: h.reset_branch(REF, migration_version="latest"),
        "migration_version",
    ),
}

# case -> (connection changes, the field the refusal must name)
BAD_CONNECTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "empty token": ({"token": ""}, "password (access token)"),
    "host that is not http(s)": ({"url": "ftp://127.0.0.1:21"}, "host"),
    "plain http to a remote host": ({"url": "http://api.supabase.com"}, "host"),
    "http scheme without a host": ({"url": "http://"}, "host"),
    "negative timeout": ({"timeout": -1}, "timeout"),
    "max_retries that is not a number": ({"max_retries": "many"}, "max_retries"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_naming_the_field_before_any_request(request, api, tmp_path, case):
    call, field = BAD_INPUTS[case]
    hook = SupabaseHook()

    with pytest.raises(SupabaseInputError) as refused:
        call(hook, tmp_path)

    record(request, refused=1)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"Invalid {field}: ")
    assert api.request_count() == 0


@pytest.mark.parametrize("case", list(BAD_CONNECTIONS))
def test_bad_connection_is_refused_naming_the_field_before_any_request(request, api, monkeypatch, case):
    from tests.conftest import set_connection

    changes, field = BAD_CONNECTIONS[case]
    changes = dict(changes)
    set_connection(monkeypatch, changes.pop("url", api.url), token=changes.pop("token", "sbp_" + "a" * 40), **changes)

    with pytest.raises(SupabaseInputError) as refused:
        SupabaseHook().list_projects()

    record(request, refused=1)
    assert refused.value.field == field
    assert api.request_count() == 0


def test_bad_input_fails_the_task_at_once_without_airflow_retries(api, run_tasks):
    result = run_tasks(
        'SyncSecretsOperator(task_id="sync", project_ref="acme-prod", secrets={"A": "1"}, retries=3, '
        "retry_delay=timedelta(0))",
        imports="from airflow_provider_supabase.operators.secrets import SyncSecretsOperator",
    )

    assert result.task_states["sync"] == "failed"
    assert result.try_numbers["sync"] == 1
    assert "Invalid project_ref" in result.log
    assert api.request_count() == 0
