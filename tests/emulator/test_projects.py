"""Organizations, projects, status progression and service health."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from airflow_provider_supabase.emulator import Emulator

from .client import Api

PROJECT_BODY = {"name": "acme-prod", "db_pass": "hunter2-secret-pass", "region": "us-east-1"}


def _create(api: Api, org: dict[str, Any], **overrides: Any) -> Any:
    return api.post("/v1/projects", json={**PROJECT_BODY, "organization_slug": org["slug"], **overrides})


def test_create_organization_returns_201_with_slug_as_id(api: Api) -> None:
    response = api.post("/v1/organizations", json={"name": "Acme"})
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"[a-z]{20}", body["slug"])
    assert body == {"id": body["slug"], "slug": body["slug"], "name": "Acme"}


def test_list_organizations_allows_duplicate_names(api: Api) -> None:
    api.post("/v1/organizations", json={"name": "Acme"})
    api.post("/v1/organizations", json={"name": "Acme"})
    response = api.get("/v1/organizations")
    assert response.status_code == 200
    assert [o["name"] for o in response.json()] == ["Acme", "Acme"]


def test_create_organization_rejects_unknown_fields(api: Api) -> None:
    response = api.post("/v1/organizations", json={"name": "Acme", "tier": "gold"})
    assert response.status_code == 400
    assert "'tier' was unexpected" in response.json()["message"]


def test_create_project_with_current_shape(api: Api, org: dict[str, Any]) -> None:
    response = api.post(
        "/v1/projects",
        json={
            "name": "acme-prod",
            "db_pass": "pw",
            "organization_slug": org["slug"],
            "region_selection": {"type": "specific", "code": "eu-west-2"},
            "desired_instance_size": "micro",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"[a-z]{20}", body["ref"])
    assert body["id"] == body["ref"]
    assert body["organization_id"] == body["organization_slug"] == org["slug"]
    assert body["region"] == "eu-west-2"
    assert body["status"] == "ACTIVE_HEALTHY"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["created_at"])


def test_create_project_with_seed_shape(api: Api, org: dict[str, Any]) -> None:
    response = api.post(
        "/v1/projects",
        json={
            "name": "legacy",
            "db_pass": "pw",
            "organization_id": org["slug"],
            "plan": "free",
            "region": "ap-south-1",
            "kps_enabled": False,
        },
    )
    assert response.status_code == 201
    assert response.json()["region"] == "ap-south-1"


def test_create_project_smart_group_maps_to_a_region(api: Api, org: dict[str, Any]) -> None:
    body = {"name": "x", "db_pass": "pw", "organization_slug": org["slug"]}
    expected = {"americas": "us-east-1", "emea": "eu-central-1", "apac": "ap-southeast-1"}
    for group, region in expected.items():
        selection = {"type": "smartGroup", "code": group}
        response = api.post("/v1/projects", json={**body, "region_selection": selection})
        assert response.json()["region"] == region


def test_create_project_requires_a_region(api: Api, org: dict[str, Any]) -> None:
    response = api.post("/v1/projects", json={"name": "x", "db_pass": "pw", "organization_slug": org["slug"]})
    assert response.status_code == 400
    assert "region" in response.json()["message"]


def test_create_project_rejects_region_and_region_selection_together(api: Api, org: dict[str, Any]) -> None:
    response = _create(api, org, region_selection={"type": "specific", "code": "us-east-1"})
    assert response.status_code == 400


def test_create_project_requires_an_organization(api: Api) -> None:
    response = api.post("/v1/projects", json=PROJECT_BODY)
    assert response.status_code == 400
    assert "organization_slug" in response.json()["message"]


def test_create_project_in_unknown_organization_is_404(api: Api) -> None:
    response = api.post("/v1/projects", json={**PROJECT_BODY, "organization_slug": "nosuchorg"})
    assert response.status_code == 404
    assert "nosuchorg" in response.json()["message"]


def test_create_project_schema_error_names_the_path(api: Api, org: dict[str, Any]) -> None:
    response = _create(api, org, region="mars-1")
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Invalid request body: $.region: must be one of")
    assert "mars-1" not in message


def test_create_project_missing_db_pass_is_400(api: Api, org: dict[str, Any]) -> None:
    body = {"name": "x", "organization_slug": org["slug"], "region": "us-east-1"}
    response = api.post("/v1/projects", json=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body: $: 'db_pass' is a required property"


def test_invalid_json_body_is_400(api: Api) -> None:
    response = api.post("/v1/projects", data=b'{"name": "x",', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid request body: malformed JSON")


def test_db_pass_is_stored_but_never_returned(api: Api, emu: Emulator, org: dict[str, Any]) -> None:
    created = _create(api, org)
    ref = created.json()["ref"]
    texts = [created.text, api.get("/v1/projects").text, api.get(f"/v1/projects/{ref}").text]
    assert all(PROJECT_BODY["db_pass"] not in text for text in texts)
    assert emu.state_snapshot()["projects"][ref]["db_pass"] == PROJECT_BODY["db_pass"]


def test_db_pass_is_not_echoed_in_validation_errors(api: Api, org: dict[str, Any]) -> None:
    response = _create(api, org, db_pass=["hunter2-secret-pass"])
    assert response.status_code == 400
    assert "hunter2" not in response.text


def test_get_project_includes_database(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}")
    assert response.status_code == 200
    assert response.json()["database"] == {
        "host": f"db.{ref}.supabase.co",
        "version": response.json()["database"]["version"],
        "postgres_engine": "17",
        "release_channel": "ga",
    }


def test_list_projects_returns_every_project(api: Api, emu: Emulator, org: dict[str, Any]) -> None:
    first = emu.seed_project("one", org["slug"])
    second = emu.seed_project("two", org["slug"], region="eu-west-1")
    response = api.get("/v1/projects")
    assert response.status_code == 200
    assert [(p["ref"], p["region"]) for p in response.json()] == [
        (first["ref"], "us-east-1"),
        (second["ref"], "eu-west-1"),
    ]
    assert all("database" in p for p in response.json())


def test_unknown_project_is_404(api: Api) -> None:
    response = api.get("/v1/projects/abcdefghijklmnopqrst")
    assert response.status_code == 404
    assert response.json() == {"message": "Project not found"}


def test_malformed_project_ref_is_400_naming_it(api: Api) -> None:
    response = api.get("/v1/projects/Not-A-Ref")
    assert response.status_code == 400
    assert "Not-A-Ref" in response.json()["message"]


def test_project_status_progresses_with_time(api: Api, emu: Emulator, org: dict[str, Any]) -> None:
    emu.configure(project_ready_seconds=0.6)
    ref = _create(api, org).json()["ref"]
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "UNKNOWN"
    time.sleep(0.3)
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "COMING_UP"
    time.sleep(0.35)
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "ACTIVE_HEALTHY"


def test_planned_project_ends_in_planned_status(api: Api, emu: Emulator, org: dict[str, Any]) -> None:
    emu.plan_project("doomed", final_status="INIT_FAILED")
    ref = _create(api, org, name="doomed").json()["ref"]
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "INIT_FAILED"


def test_set_project_status_sticks(api: Api, emu: Emulator, ref: str) -> None:
    emu.set_project_status(ref, "PAUSING")
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "PAUSING"
    assert emu.state_snapshot()["projects"][ref]["status"] == "PAUSING"


def test_health_reports_each_requested_service(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/health", params={"services": ["auth", "db"]})
    assert response.status_code == 200
    assert response.json() == [
        {"name": "auth", "healthy": True, "status": "ACTIVE_HEALTHY"},
        {"name": "db", "healthy": True, "status": "ACTIVE_HEALTHY"},
    ]


def test_health_accepts_comma_separated_services(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/health?services=auth,rest")
    assert [s["name"] for s in response.json()] == ["auth", "rest"]


def test_health_mirrors_a_project_coming_up(api: Api, emu: Emulator, ref: str) -> None:
    emu.set_project_status(ref, "COMING_UP")
    response = api.get(f"/v1/projects/{ref}/health", params={"services": "db"})
    assert response.json() == [{"name": "db", "healthy": False, "status": "COMING_UP"}]


def test_health_requires_services(api: Api, ref: str) -> None:
    assert api.get(f"/v1/projects/{ref}/health").status_code == 400
    assert api.get(f"/v1/projects/{ref}/health", params={"services": "dns"}).status_code == 400


def test_health_accepts_a_timeout_within_the_spec_range(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/health", params={"services": "db", "timeout_ms": 10000})
    assert response.status_code == 200


@pytest.mark.parametrize("timeout_ms", ["-680", "10001", "1.5", "soon", "\u00b2"])
def test_health_with_a_timeout_outside_the_spec_is_400(api: Api, ref: str, timeout_ms: str) -> None:
    response = api.get(f"/v1/projects/{ref}/health", params={"services": "db", "timeout_ms": timeout_ms})
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid query parameter timeout_ms: expected an integer from 0 to 10000"}


def test_seed_project_is_visible_through_the_api(api: Api, emu: Emulator, org: dict[str, Any]) -> None:
    seeded = emu.seed_project("seeded", org["slug"], region="sa-east-1", status="COMING_UP")
    fetched = api.get(f"/v1/projects/{seeded['ref']}").json()
    assert fetched == seeded
    assert fetched["status"] == "COMING_UP"
