"""Network operators in real DAG runs: restrictions applied only when different, bans lifted only when present."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.network import ApplyNetworkRestrictionsOperator

IMPORTS = """
from airflow_provider_supabase.operators.network import ApplyNetworkRestrictionsOperator, RemoveNetworkBansOperator
"""


def _apply(ref: str, **extra) -> str:
    return f"ApplyNetworkRestrictionsOperator(**{dict(task_id='apply', project_ref=ref, **extra)!r})"


def _unban(ref: str, addresses: list[str]) -> str:
    return f"RemoveNetworkBansOperator(task_id='unban', project_ref={ref!r}, ipv4_addresses={addresses!r})"


def test_applies_new_allowed_cidrs(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(
        _apply(ref, db_allowed_cidrs=["10.0.0.0/8", "203.0.113.0/24"], db_allowed_cidrs_v6=[]), imports=IMPORTS
    )

    config = emulator.state_snapshot()["network_restrictions"][ref]["config"]
    assert config == {"dbAllowedCidrs": ["10.0.0.0/8", "203.0.113.0/24"], "dbAllowedCidrsV6": []}
    assert result.xcom("apply") == {
        "applied": True,
        "db_allowed_cidrs": ["10.0.0.0/8", "203.0.113.0/24"],
        "db_allowed_cidrs_v6": [],
        "status": "applied",
    }


def test_matching_restrictions_in_another_order_send_no_post(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.apply_network_restrictions(ref, ["10.0.0.0/8", "192.168.0.0/16"], ["2001:db8::/32"])

    result = run_tasks(
        _apply(ref, db_allowed_cidrs=["192.168.0.0/16", "10.0.0.0/8"], db_allowed_cidrs_v6=["2001:db8::/32"]),
        imports=IMPORTS,
    )

    assert result.xcom("apply")["applied"] is False
    assert emulator.request_count("POST", f"/v1/projects/{ref}/network-restrictions/apply") == 1  # the setup's
    assert "already match" in result.log


def test_ipv6_left_out_keeps_the_current_ipv6_list(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(_apply(ref, db_allowed_cidrs=["10.0.0.0/8"]), imports=IMPORTS)

    assert result.xcom("apply")["applied"] is True
    assert emulator.state_snapshot()["network_restrictions"][ref]["config"]["dbAllowedCidrsV6"] == ["::/0"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"db_allowed_cidrs": ["2001:db8::/32"]}, "db_allowed_cidrs"),
        ({"db_allowed_cidrs": ["10.0.0.1/8"]}, "db_allowed_cidrs"),
        ({"db_allowed_cidrs": "10.0.0.0/8"}, "db_allowed_cidrs"),
        ({"db_allowed_cidrs": ["10.0.0.0/8"], "db_allowed_cidrs_v6": ["10.0.0.0/8"]}, "db_allowed_cidrs_v6"),
    ],
)
def test_bad_cidrs_are_refused_before_any_request(emulator, project, kwargs, field):
    op = ApplyNetworkRestrictionsOperator(task_id="apply", project_ref=project["ref"], **kwargs)

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_removes_only_the_addresses_that_are_banned(run_tasks, emulator, project):
    ref = project["ref"]
    emulator.add_network_bans(ref, ["203.0.113.7", "203.0.113.8"])

    result = run_tasks(_unban(ref, ["203.0.113.7", "198.51.100.1"]), imports=IMPORTS)

    assert result.xcom("unban") == {"removed": ["203.0.113.7"], "not_banned": ["198.51.100.1"]}
    assert emulator.state_snapshot()["network_bans"][ref] == ["203.0.113.8"]
    assert emulator.requests[-1].json == {"ipv4_addresses": ["203.0.113.7"]}


def test_no_delete_when_none_of_the_addresses_is_banned(run_tasks, emulator, project):
    result = run_tasks(_unban(project["ref"], ["198.51.100.1"]), imports=IMPORTS)

    assert result.xcom("unban") == {"removed": [], "not_banned": ["198.51.100.1"]}
    assert emulator.request_count("DELETE") == 0


def test_bad_address_is_refused_before_any_request(run_tasks, emulator, project):
    result = run_tasks(_unban(project["ref"], ["300.1.1.1"]), imports=IMPORTS)

    assert result.task_states["unban"] == "failed"
    assert "Invalid ipv4_addresses" in result.log
    assert emulator.request_count() == 0
