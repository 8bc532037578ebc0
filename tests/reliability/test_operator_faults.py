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
