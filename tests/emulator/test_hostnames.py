"""Custom hostname lifecycle: initialize, step-wise reverify, activation only from step 4, SSL errors."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_supabase.emulator import Emulator

from .client import Api

HOST = "api.example.com"


def _initialize(api: Api, ref: str, host: str = HOST) -> Any:
    return api.post(f"/v1/projects/{ref}/custom-hostname/initialize", json={"custom_hostname": host})


def _reverify(api: Api, ref: str) -> Any:
    return api.post(f"/v1/projects/{ref}/custom-hostname/reverify")


def test_hostname_not_started_by_default(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/custom-hostname")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["custom_hostname"]) == ("1_not_started", "")
    assert set(body["data"]) == {"success", "errors", "messages", "result"}


def test_initialize_returns_201_with_dns_records(api: Api, ref: str) -> None:
    response = _initialize(api, ref)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["custom_hostname"]) == ("2_initiated", HOST)
    result = body["data"]["result"]
    assert result["hostname"] == HOST
    assert result["custom_origin_server"] == f"{ref}.supabase.co"
    assert result["ssl"]["status"] == "pending_validation"
    assert result["ssl"]["validation_records"][0]["txt_name"] == f"_acme-challenge.{HOST}"
    assert result["ssl"]["validation_records"][0]["txt_value"]
    assert result["ownership_verification"]["name"] == f"_cf-custom-hostname.{HOST}"
    assert result["ownership_verification"]["type"] == "txt"
    assert body["data"]["success"] is True


def test_initialize_rejects_an_invalid_hostname(api: Api, ref: str) -> None:
    response = _initialize(api, ref, "not a host")
    assert response.status_code == 400
    assert "not a host" in response.json()["message"]


def test_hostname_advances_only_on_reverify(api: Api, ref: str) -> None:
    _initialize(api, ref)
    assert api.get(f"/v1/projects/{ref}/custom-hostname").json()["status"] == "2_initiated"
    steps = [_reverify(api, ref) for _ in range(3)]
    assert [r.status_code for r in steps] == [201, 201, 201]
    assert [r.json()["status"] for r in steps] == [
        "3_challenge_verified",
        "4_origin_setup_completed",
        "4_origin_setup_completed",
    ]
    assert steps[1].json()["data"]["result"]["ssl"]["status"] == "active"
    assert api.get(f"/v1/projects/{ref}/custom-hostname").json()["status"] == "4_origin_setup_completed"


def test_reverify_before_initialize_is_400(api: Api, ref: str) -> None:
    response = _reverify(api, ref)
    assert response.status_code == 400
    assert "1_not_started" in response.json()["message"]


def test_activate_before_step_4_is_400_naming_the_status(api: Api, ref: str) -> None:
    _initialize(api, ref)
    _reverify(api, ref)
    response = api.post(f"/v1/projects/{ref}/custom-hostname/activate")
    assert response.status_code == 400
    assert "3_challenge_verified" in response.json()["message"]


def test_activate_from_step_4_completes(api: Api, ref: str) -> None:
    _initialize(api, ref)
    _reverify(api, ref)
    _reverify(api, ref)
    response = api.post(f"/v1/projects/{ref}/custom-hostname/activate")
    assert response.status_code == 201
    assert response.json()["status"] == "5_services_reconfigured"


def test_planned_ssl_error_keeps_hostname_initiated(api: Api, emu: Emulator, ref: str) -> None:
    emu.plan_hostname(HOST, ssl_error="CAA record for example.com prevents issuance")
    _initialize(api, ref)
    body = _reverify(api, ref).json()
    assert body["status"] == "2_initiated"
    assert body["data"]["result"]["ssl"]["status"] == "validation_timed_out"
    assert body["data"]["result"]["ssl"]["validation_errors"] == [
        {"message": "CAA record for example.com prevents issuance"}
    ]


def test_delete_hostname_returns_to_not_started(api: Api, ref: str) -> None:
    _initialize(api, ref)
    response = api.delete(f"/v1/projects/{ref}/custom-hostname")
    assert response.status_code == 200
    assert response.content == b""
    assert api.get(f"/v1/projects/{ref}/custom-hostname").json()["status"] == "1_not_started"


@pytest.mark.parametrize("flag", ["true", "false"])
def test_delete_hostname_accepts_remove_addon(api: Api, ref: str, flag: str) -> None:
    assert api.delete(f"/v1/projects/{ref}/custom-hostname", params={"remove_addon": flag}).status_code == 200


def test_delete_hostname_with_a_non_boolean_remove_addon_is_400_and_keeps_it(api: Api, ref: str) -> None:
    _initialize(api, ref)
    response = api.delete(f"/v1/projects/{ref}/custom-hostname", params={"remove_addon": "null"})
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid query parameter remove_addon: expected true or false"}
    assert api.get(f"/v1/projects/{ref}/custom-hostname").json()["status"] == "2_initiated"
