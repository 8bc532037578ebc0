"""Custom-hostname operators in real DAG runs: DNS records, idempotent initialize, guarded activate, delete."""

from __future__ import annotations

import pytest

IMPORTS = """
from airflow_provider_supabase.operators.custom_hostname import (
    ActivateCustomHostnameOperator,
    DeleteCustomHostnameOperator,
    InitializeCustomHostnameOperator,
    ReverifyCustomHostnameOperator,
)
"""


def _op(kind: str, ref: str, task_id: str, **extra) -> str:
    return f"{kind}CustomHostnameOperator(**{dict(task_id=task_id, project_ref=ref, **extra)!r})"


def _init(ref: str, task_id: str = "init", hostname: str = "API.Example.com") -> str:
    return _op("Initialize", ref, task_id, custom_hostname=hostname)


def _hostname(emulator, ref: str) -> dict:
    return emulator.state_snapshot()["hostnames"][ref]


def test_initialize_returns_and_logs_the_dns_records_to_create(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(_init(ref), imports=IMPORTS)

    stored = _hostname(emulator, ref)["data"]["result"]
    ownership, [ssl] = stored["ownership_verification"], stored["ssl"]["validation_records"]
    records = [
        {"type": "CNAME", "name": "api.example.com", "value": f"{ref}.supabase.co"},
        {"type": "TXT", "name": ownership["name"], "value": ownership["value"]},
        {"type": "TXT", "name": ssl["txt_name"], "value": ssl["txt_value"]},
    ]
    assert result.xcom("init") == {
        "custom_hostname": "api.example.com",
        "status": "2_initiated",
        "dns_records": records,
    }
    for record in records:
        assert record["name"] in result.log and record["value"] in result.log


def test_initializing_the_same_hostname_again_sends_nothing(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(f"{_init(ref, 'first')} >> {_init(ref, 'again', 'api.example.com')}", imports=IMPORTS)

    assert result.xcom("again") == result.xcom("first")
    assert emulator.request_count("POST", f"/v1/projects/{ref}/custom-hostname/initialize") == 1
    assert "already initialized" in result.log


def test_reverify_moves_the_hostname_one_step(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(f"{_init(ref)} >> {_op('Reverify', ref, 'reverify')}", imports=IMPORTS)

    assert result.xcom("reverify") == {
        "custom_hostname": "api.example.com",
        "status": "3_challenge_verified",
        "errors": [],
    }


def test_reverify_reports_ssl_validation_errors(run_tasks, emulator, project):
    ref = project["ref"]
    emulator.plan_hostname("api.example.com", ssl_error="CAA record prevents issuance")

    result = run_tasks(f"{_init(ref)} >> {_op('Reverify', ref, 'reverify')}", imports=IMPORTS)

    assert result.xcom("reverify")["status"] == "2_initiated"
    assert result.xcom("reverify")["errors"] == ["CAA record prevents issuance"]


def test_reverify_without_initialize_fails_with_a_clear_message(run_tasks, emulator, project):
    result = run_tasks(_op("Reverify", project["ref"], "reverify"), imports=IMPORTS)

    assert result.task_states["reverify"] == "failed"
    assert "run InitializeCustomHostnameOperator first" in result.log
    assert emulator.request_count("POST") == 0


def test_activate_refuses_before_origin_setup_is_completed(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(f"{_init(ref)} >> {_op('Activate', ref, 'activate')}", imports=IMPORTS)

    assert result.task_states["activate"] == "failed"
    assert "is 2_initiated; it can only be activated once it is 4_origin_setup_completed" in result.log
    assert emulator.request_count("POST", f"/v1/projects/{ref}/custom-hostname/activate") == 0


@pytest.mark.one_minor
def test_full_flow_activates_the_hostname(run_tasks, emulator, project):
    ref = project["ref"]
    steps = [_init(ref), _op("Reverify", ref, "r1"), _op("Reverify", ref, "r2"), _op("Activate", ref, "activate")]

    result = run_tasks(" >> ".join(steps), imports=IMPORTS)

    assert result.xcom("activate") == {
        "custom_hostname": "api.example.com",
        "status": "5_services_reconfigured",
        "activated": True,
    }
    assert _hostname(emulator, ref)["status"] == "5_services_reconfigured"


def test_activating_an_active_hostname_succeeds_without_a_call(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.initialize_custom_hostname(ref, "api.example.com")
    hook.reverify_custom_hostname(ref)
    hook.reverify_custom_hostname(ref)
    hook.activate_custom_hostname(ref)

    result = run_tasks(_op("Activate", ref, "activate"), imports=IMPORTS)

    assert result.xcom("activate")["activated"] is False
    assert emulator.request_count("POST", f"/v1/projects/{ref}/custom-hostname/activate") == 1  # the setup's


def test_delete_removes_the_configured_hostname(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.initialize_custom_hostname(ref, "api.example.com")

    result = run_tasks(_op("Delete", ref, "delete"), imports=IMPORTS)

    assert result.xcom("delete") == {"custom_hostname": "api.example.com", "deleted": True}
    assert _hostname(emulator, ref)["status"] == "1_not_started"


def test_delete_without_a_hostname_sends_nothing(run_tasks, emulator, project):
    result = run_tasks(_op("Delete", project["ref"], "delete"), imports=IMPORTS)

    assert result.xcom("delete") == {"custom_hostname": None, "deleted": False}
    assert emulator.request_count("DELETE") == 0


def test_bad_hostname_is_refused_before_any_request(run_tasks, emulator, project):
    result = run_tasks(_init(project["ref"], hostname="not a host"), imports=IMPORTS)

    assert result.task_states["init"] == "failed"
    assert "Invalid custom_hostname" in result.log
    assert emulator.request_count() == 0
