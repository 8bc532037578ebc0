"""The fault matrix at operator level: real DAG runs whose operators meet several faults in one run, and runs that
an outage interrupts halfway. Each must end in exactly the intended state, with no duplicate."""

from __future__ import annotations

import hashlib

from airflow_provider_supabase.hooks.supabase import SupabaseHook
from tests.reliability._support import names, record, wait_for_in_flight

SECRETS_IMPORT = "from airflow_provider_supabase.operators.secrets import SyncSecretsOperator"


def _digests(api, ref: str) -> dict[str, str]:
    return {name: s["digest"] for name, s in api.state_snapshot()["secrets"][ref].items()}


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _project(api) -> tuple[str, str]:
    org = api.seed_organization("Acme")["slug"]
    return org, api.seed_project("acme-prod", org)["ref"]


def test_secret_sync_survives_503s_a_lost_upsert_response_and_a_429(request, api, run_tasks):
    record(request, faults=4, outcome="survived")
    _, ref = _project(api)
    SupabaseHook().create_secrets(ref, {"KEEP_ME": "kept-value", "STALE": "stale-value", "ROTATED": "old-value"})
    api.inject_fault("GET", "/v1/projects/{ref}/secrets", "status", status=503, times=2)
    api.inject_fault("POST", "/v1/projects/{ref}/secrets", "drop_after")
    api.inject_fault("DELETE", "/v1/projects/{ref}/secrets", "status", status=429)

    result = run_tasks(
        f'SyncSecretsOperator(task_id="sync", project_ref="{ref}", secrets={{"ROTATED": "new-value", '
        '"ADDED": "added-value"}, prune=True, keep=["KEEP_ME"])',
        imports=SECRETS_IMPORT,
    )

    assert result.state == "success"
    assert result.xcom("sync") == {"created": ["ADDED"], "updated": ["ROTATED"], "deleted": ["STALE"], "unchanged": []}
    assert _digests(api, ref) == {
        "KEEP_ME": _sha("kept-value"),
        "ROTATED": _sha("new-value"),
        "ADDED": _sha("added-value"),
    }


def test_secret_sync_cut_off_between_upsert_and_delete_converges_on_the_task_retry(request, api, connect, run_tasks):
    record(request, faults=1, outcome="survived")
    _, ref = _project(api)
    SupabaseHook().create_secrets(ref, {"STALE": "stale-value"})
    connect(max_retries=1)
    # An outage that outlasts the first try's hook retries, right after its upsert went through.
    api.inject_fault("DELETE", "/v1/projects/{ref}/secrets", "status", status=503, times=2)

    result = run_tasks(
        f'SyncSecretsOperator(task_id="sync", project_ref="{ref}", secrets={{"NEW": "new-value"}}, prune=True, '
        "retries=1, retry_delay=timedelta(0))",
        imports=SECRETS_IMPORT,
    )

    assert result.state == "success" and result.try_numbers["sync"] == 2
    assert result.xcom("sync")["deleted"] == ["STALE"] and result.xcom("sync")["unchanged"] == ["NEW"]
    assert _digests(api, ref) == {"NEW": _sha("new-value")}


def test_project_creation_survives_a_429_a_lost_create_response_and_a_502(request, api, run_tasks):
    record(request, faults=3, outcome="survived")
    org = api.seed_organization("Acme")["slug"]
    api.inject_fault("GET", "/v1/projects", "status", status=429)
    api.inject_fault("POST", "/v1/projects", "drop_after")
    api.inject_fault("GET", "/v1/projects/{ref}", "status", status=502)

    result = run_tasks(
        f'CreateProjectOperator(task_id="create", name="web", organization_slug="{org}", db_pass="pw-0123456789", '
        'region="eu-west-1", poll_interval=0.1, timeout=30)',
        imports="from airflow_provider_supabase.operators.projects import CreateProjectOperator",
    )

    assert result.state == "success"
    assert names(api.state_snapshot(), "projects") == ["web"]
    assert result.xcom("create")["status"] == "ACTIVE_HEALTHY"
    assert api.request_count("POST", "/v1/projects") == 1


def test_function_deploy_survives_a_malformed_answer_and_a_timeout(request, api, connect, run_tasks, tmp_path):
    record(request, faults=2, outcome="survived")
    _, ref = _project(api)
    (tmp_path / "index.ts").write_text("Deno.serve(() => new Response('hi'))\n")
    connect(timeout=0.3)
    api.inject_fault("GET", "/v1/projects/{ref}/functions/{function_slug}", "malformed")
    api.inject_fault("POST", "/v1/projects/{ref}/functions/deploy", "delay", delay=0.45)

    result = run_tasks(
        f'DeployFunctionOperator(task_id="deploy", project_ref="{ref}", slug="hello", source_dir="{tmp_path}")',
        imports="from airflow_provider_supabase.operators.functions import DeployFunctionOperator",
    )
    wait_for_in_flight(api)

    assert result.state == "success" and result.xcom("deploy")["deployed"] is True
    [function] = api.state_snapshot()["functions"][ref].values()
    assert function["slug"] == "hello" and function["files"] == {"index.ts": (tmp_path / "index.ts").read_text()}


def test_network_restrictions_survive_a_504_and_a_malformed_answer(request, api, run_tasks):
    record(request, faults=2, outcome="survived")
    _, ref = _project(api)
    api.inject_fault("GET", "/v1/projects/{ref}/network-restrictions", "status", status=504)
    api.inject_fault("POST", "/v1/projects/{ref}/network-restrictions/apply", "malformed")

    result = run_tasks(
        f'ApplyNetworkRestrictionsOperator(task_id="apply", project_ref="{ref}", db_allowed_cidrs=["203.0.113.0/24"], '
        "db_allowed_cidrs_v6=[])",
        imports="from airflow_provider_supabase.operators.network import ApplyNetworkRestrictionsOperator",
    )

    assert result.state == "success" and result.xcom("apply")["applied"] is True
    config = api.state_snapshot()["network_restrictions"][ref]["config"]
    assert config == {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}


def test_hostname_activation_whose_response_is_lost_succeeds_without_a_second_activate(request, api, run_tasks):
    record(request, faults=1, outcome="survived")
    _, ref = _project(api)
    hook = SupabaseHook()
    hook.initialize_custom_hostname(ref, "api.example.com")
    hook.reverify_custom_hostname(ref)
    hook.reverify_custom_hostname(ref)
    api.inject_fault("POST", "/v1/projects/{ref}/custom-hostname/activate", "drop_after")

    result = run_tasks(
        f'ActivateCustomHostnameOperator(task_id="activate", project_ref="{ref}", retries=1, retry_delay=timedelta(0))',
        imports="from airflow_provider_supabase.operators.custom_hostname import ActivateCustomHostnameOperator",
    )

    # The hook looks before activating again (a second activate is refused once active), finds the hostname
    # active and succeeds in the first try.
    assert result.state == "success" and result.try_numbers["activate"] == 1
    assert api.state_snapshot()["hostnames"][ref]["status"] == "5_services_reconfigured"
    assert api.request_count("POST", "/v1/projects/{ref}/custom-hostname/activate") == 1


ROTATION_IMPORT = (
    "from airflow_provider_supabase.operators.rotation import RotateApiKeyOperator, RotateDatabasePasswordOperator, "
    "VariableSink"
)


def _variable(name: str) -> str | None:
    from airflow.models import Variable

    return Variable.get(name, default_var=None)


def _clear_variables(*names: str) -> None:
    from airflow.models import Variable

    for name in names:
        Variable.delete(name)


def test_key_rotation_whose_create_answer_is_lost_makes_one_key_on_the_task_retry(request, api, connect, run_tasks):
    record(request, faults=1, outcome="survived")
    _, ref = _project(api)
    _clear_variables("fault_svc_key")
    connect(max_retries=0)
    api.inject_fault("POST", "/v1/projects/{ref}/api-keys", "drop_after")

    result = run_tasks(
        f'RotateApiKeyOperator(task_id="rotate", project_ref="{ref}", name_prefix="svc", '
        'sinks=[VariableSink("fault_svc_key")], retries=1, retry_delay=timedelta(0))',
        imports=ROTATION_IMPORT,
    )

    assert result.state == "success" and result.try_numbers["rotate"] == 2
    keys = [k for k in api.state_snapshot()["projects"][ref]["api_keys"] if k["name"].startswith("svc_")]
    assert len(keys) == 1 and result.xcom("rotate")["step"] == "kept"
    assert _variable("fault_svc_key") == keys[0]["api_key"]


def test_key_rotation_cut_off_between_create_and_delete_deletes_on_the_task_retry(request, api, connect, run_tasks):
    record(request, faults=1, outcome="survived")
    _, ref = _project(api)
    _clear_variables("fault_svc_key")
    hook = SupabaseHook()
    for name, age in (("svc_202401010000", 20), ("svc_202401080000", 10)):
        api.age_api_key(ref, hook.create_api_key(ref, "secret", name)["id"], age * 86400)
    connect(max_retries=1)
    # The new key is made and handed over, then an outage outlasts the first try's retries of the delete.
    api.inject_fault("DELETE", "/v1/projects/{ref}/api-keys/{id}", "status", status=503, times=2)

    result = run_tasks(
        f'RotateApiKeyOperator(task_id="rotate", project_ref="{ref}", name_prefix="svc", '
        'sinks=[VariableSink("fault_svc_key")], retries=1, retry_delay=timedelta(0))',
        imports=ROTATION_IMPORT,
    )

    assert result.state == "success" and result.try_numbers["rotate"] == 2
    keys = {k["name"]: k for k in api.state_snapshot()["projects"][ref]["api_keys"] if k["name"].startswith("svc_")}
    # One new key; the oldest, replaced ten days ago, deleted; the one replaced just now within its grace.
    assert sorted(keys) == ["svc_202401080000", result.xcom("rotate")["key"]]
    assert result.xcom("rotate")["deleted"] == ["svc_202401010000"]
    assert _variable("fault_svc_key") == keys[result.xcom("rotate")["key"]]["api_key"]


def test_password_change_whose_answer_is_lost_ends_with_the_password_the_sink_holds(request, api, connect, run_tasks):
    record(request, faults=1, outcome="survived")
    _, ref = _project(api)
    _clear_variables("fault_db_password", "fault_db_password_pending")
    connect(max_retries=0)
    api.inject_fault("PATCH", "/v1/projects/{ref}/database/password", "drop_after")

    result = run_tasks(
        f'RotateDatabasePasswordOperator(task_id="password", project_ref="{ref}", '
        'sinks=[VariableSink("fault_db_password")], retries=1, retry_delay=timedelta(0))',
        imports=ROTATION_IMPORT,
    )

    assert result.state == "success" and result.try_numbers["password"] == 2
    project = api.state_snapshot()["projects"][ref]
    assert project["password_changes"] == 2 and result.xcom("password")["step"] == "resumed"
    assert _variable("fault_db_password") == project["db_pass"] and _variable("fault_db_password_pending") is None


def test_preview_branch_create_and_merge_survive_lost_answers_and_503s(request, api, run_tasks):
    record(request, faults=4, outcome="survived")
    _, ref = _project(api)
    api.inject_fault("POST", "/v1/projects/{ref}/branches", "drop_after")
    api.inject_fault("GET", "/v1/projects/{ref}/actions", "status", status=503, times=2)
    api.inject_fault("POST", "/v1/branches/{branch_id_or_ref}/merge", "drop_after")

    tasks = f"""
create = CreateBranchOperator(task_id="create", project_ref="{ref}", branch_name="feature-login", poll_interval=0.1)
merge = MergeBranchOperator(
    task_id="merge", branch_id_or_ref="{{{{ ti.xcom_pull('create')['branch_id'] }}}}", poll_interval=0.1
)
create >> merge
"""
    imports = "from airflow_provider_supabase.operators.branches import CreateBranchOperator, MergeBranchOperator"
    result = run_tasks(tasks, imports=imports)

    assert result.state == "success", result.task_states
    assert names(api.state_snapshot(), "branches") == ["feature-login", "main"]
    [branch] = [b for b in api.state_snapshot()["branches"].values() if not b["is_default"]]
    assert [run["workflow"] for run in branch["runs"]] == ["create", "merge"]
    assert result.xcom("merge")["workflow_run_id"] == branch["runs"][-1]["id"]
    assert api.request_count("POST", "/v1/branches/{branch_id_or_ref}/merge") == 1
