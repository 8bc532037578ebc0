"""Retried creates: the API creates the organization, project or function and the response is lost. Whether the
hook's own retry or an Airflow task retry sends it again, the resource is adopted, never created twice."""

from __future__ import annotations

import contextlib

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.supabase import SupabaseHook
from tests.reliability._support import names, record, wait_for_in_flight

IMPORTS = """
from airflow_provider_supabase.operators.functions import DeployFunctionOperator
from airflow_provider_supabase.operators.organizations import CreateOrganizationOperator
from airflow_provider_supabase.operators.projects import CreateProjectOperator
"""

# resource -> (state table, the name it is created under, the create request, the operator line)
RESOURCES = {
    "organization": (
        "organizations",
        "Initech",
        "/v1/organizations",
        lambda c: 'CreateOrganizationOperator(task_id="create", name="Initech"{retry})',
    ),
    "project": (
        "projects",
        "web",
        "/v1/projects",
        lambda c: (
            'CreateProjectOperator(task_id="create", name="web", organization_slug="{org}", db_pass="pw-0123456789", '
            'region="eu-west-1", poll_interval=0.1, timeout=30{retry})'
        ).replace("{org}", c["org"]),
    ),
    "function": (
        "functions",
        "hello",
        "/v1/projects/{ref}/functions",
        lambda c: (
            'DeployFunctionOperator(task_id="create", project_ref="{ref}", slug="hello", body="Deno.serve(() => 1)"'
            "{retry})"
        ).replace("{ref}", c["ref"]),
    ),
}
# How the create is sent again: by the hook within the same try, or by Airflow in a second try (no hook retries).
MECHANISMS = {
    "hook retry": ({}, ""),
    "task retry": ({"max_retries": 0}, ", retries=1, retry_delay=timedelta(0)"),
}


def _seed(api) -> dict[str, str]:
    org = api.seed_organization("Acme")
    return {"org": org["slug"], "ref": api.seed_project("acme-prod", org["slug"])["ref"]}


@pytest.mark.parametrize("mechanism", sorted(MECHANISMS))
@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_create_whose_response_is_lost_is_adopted_not_duplicated(request, api, connect, run_tasks, resource, mechanism):
    record(request, resource=resource, mechanism=mechanism)
    table, name, path, operator = RESOURCES[resource]
    extra, retry = MECHANISMS[mechanism]
    connect(**extra)
    ctx = _seed(api)
    before = names(api.state_snapshot(), table)
    api.inject_fault("POST", path, "drop_after")

    result = run_tasks(operator(ctx).replace("{retry}", retry), imports=IMPORTS)

    assert result.state == "success", result.log[-3000:]
    assert names(api.state_snapshot(), table) == sorted([*before, name]), "not exactly one new resource"
    assert api.request_count("POST", path) == 1
    assert result.try_numbers["create"] == (2 if mechanism == "task retry" else 1)


def test_create_project_recovery_never_adopts_a_project_of_another_organization(api):
    # Organization A already has a project "web"; creating "web" in B meets a 503, so nothing was created in B.
    a, b = api.seed_organization("A"), api.seed_organization("B")
    api.seed_project("web", a["slug"])
    api.inject_fault("POST", "/v1/projects", "status", status=503)

    project = SupabaseHook().create_project(
        "web", organization_slug=b["slug"], db_pass="pw-0123456789", region="eu-west-1"
    )

    assert project["organization_slug"] == b["slug"]
    assert sorted(p["organization_slug"] for p in api.state_snapshot()["projects"].values()) == sorted(
        [a["slug"], b["slug"]]
    )


def test_create_organization_recovery_never_adopts_one_that_existed_before_the_call(api):
    # Names are not unique: an explicit create of a second "Initech" meets a 503 (nothing created) and is retried.
    existing = api.seed_organization("Initech")
    api.inject_fault("POST", "/v1/organizations", "status", status=503)

    created = SupabaseHook().create_organization("Initech")

    assert created["slug"] != existing["slug"]
    assert len(api.state_snapshot()["organizations"]) == 2


def test_create_finished_by_a_slow_server_after_the_recovery_lookup_is_not_duplicated(api, connect):
    # The client gives up after 0.3 s and looks 0.3 s later; the server only finishes the create at 0.9 s.
    connect(timeout=0.3)
    org = api.seed_organization("Acme")
    api.inject_fault("POST", "/v1/projects", "delay", delay=0.9)

    with contextlib.suppress(SupabaseApiError):  # failing clearly is acceptable; a second project is not
        SupabaseHook().create_project("web", organization_slug=org["slug"], db_pass="pw-0123456789", region="eu-west-1")
    wait_for_in_flight(api)

    assert names(api.state_snapshot(), "projects") == ["web"]
