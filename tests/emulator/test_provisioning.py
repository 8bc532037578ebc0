"""Auth, PostgREST and Postgres config, API keys, and delete / pause / restore of a project."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from airflow_provider_supabase.emulator import Emulator
from tests.spec import SPEC_PATH

from .client import Api

ROOT = Path(__file__).resolve().parents[2]


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _status(api: Api, ref: str) -> str:
    return str(api.get(f"/v1/projects/{ref}").json()["status"])


def test_the_config_schemas_are_generated_from_the_current_spec() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_emulator_config

    generated = gen_emulator_config.render(json.loads(SPEC_PATH.read_text()))
    assert gen_emulator_config.OUT.read_text() == generated, "run: python scripts/gen_emulator_config.py"


def test_auth_config_answers_every_setting_of_the_spec(api: Api, ref: str) -> None:
    from airflow_provider_supabase.emulator.config_schemas import AUTH_CONFIG_DEFAULTS

    config = api.get(f"/v1/projects/{ref}/config/auth").json()

    assert set(config) == set(AUTH_CONFIG_DEFAULTS)
    assert config["jwt_exp"] == 3600


def test_auth_update_changes_only_the_given_settings(api: Api, ref: str) -> None:
    before = api.get(f"/v1/projects/{ref}/config/auth").json()

    response = api.patch(f"/v1/projects/{ref}/config/auth", json={"site_url": "https://app.example.com"})

    assert response.status_code == 200
    after = api.get(f"/v1/projects/{ref}/config/auth").json()
    assert {k for k in after if after[k] != before[k]} == {"site_url"}
    assert after["site_url"] == "https://app.example.com"


def test_auth_secrets_are_answered_as_digests_never_in_clear(api: Api, emu: Emulator, ref: str) -> None:
    response = api.patch(f"/v1/projects/{ref}/config/auth", json={"smtp_pass": "smtp-canary-value"})

    assert response.json()["smtp_pass"] == _sha("smtp-canary-value")
    read = api.get(f"/v1/projects/{ref}/config/auth")
    assert read.json()["smtp_pass"] == _sha("smtp-canary-value")
    assert "smtp-canary-value" not in read.text
    assert emu.state_snapshot()["projects"][ref]["auth_config"]["smtp_pass"] == "smtp-canary-value"


def test_an_unknown_auth_setting_is_ignored_as_the_spec_allows(api: Api, ref: str) -> None:
    response = api.patch(f"/v1/projects/{ref}/config/auth", json={"site_ur1": "https://x.example.com"})

    assert response.status_code == 200
    assert "site_ur1" not in api.get(f"/v1/projects/{ref}/config/auth").json()


def test_an_auth_setting_of_the_wrong_type_is_refused(api: Api, ref: str) -> None:
    response = api.patch(f"/v1/projects/{ref}/config/auth", json={"jwt_exp": "an hour"})

    assert response.status_code == 400
    assert "$.jwt_exp" in response.json()["message"]


def test_postgrest_update_is_answered_without_the_jwt_secret(api: Api, ref: str) -> None:
    response = api.patch(f"/v1/projects/{ref}/postgrest", json={"max_rows": 500})

    assert response.status_code == 200
    assert response.json()["max_rows"] == 500
    assert "jwt_secret" not in response.json()
    assert api.get(f"/v1/projects/{ref}/postgrest").json()["jwt_secret"]


def test_postgrest_refuses_a_max_rows_beyond_the_spec(api: Api, ref: str) -> None:
    response = api.patch(f"/v1/projects/{ref}/postgrest", json={"max_rows": 2_000_000})

    assert response.status_code == 400
    assert "$.max_rows" in response.json()["message"]


def test_postgres_config_lists_only_what_was_set(api: Api, ref: str) -> None:
    assert api.get(f"/v1/projects/{ref}/config/database/postgres").json() == {}

    api.put(f"/v1/projects/{ref}/config/database/postgres", json={"work_mem": "8MB"})

    assert api.get(f"/v1/projects/{ref}/config/database/postgres").json() == {"work_mem": "8MB"}


def test_a_postgres_setting_read_at_start_restarts_the_database(api: Api, emu: Emulator, ref: str) -> None:
    emu.configure(project_ready_seconds=60)

    api.put(f"/v1/projects/{ref}/config/database/postgres", json={"max_connections": 200})

    assert _status(api, ref) == "RESTARTING"


def test_a_postgres_setting_read_at_runtime_does_not_restart(api: Api, emu: Emulator, ref: str) -> None:
    emu.configure(project_ready_seconds=60)

    api.put(f"/v1/projects/{ref}/config/database/postgres", json={"work_mem": "8MB"})

    assert _status(api, ref) == "ACTIVE_HEALTHY"


def test_api_keys_hide_secret_keys_unless_revealed(api: Api, emu: Emulator, ref: str) -> None:
    stored = {(k["type"], k["name"]): k["api_key"] for k in emu.state_snapshot()["projects"][ref]["api_keys"]}
    secret = stored[("secret", "default")]

    hidden = api.get(f"/v1/projects/{ref}/api-keys", params={"reveal": "false"})
    revealed = api.get(f"/v1/projects/{ref}/api-keys", params={"reveal": "true"})

    assert secret not in hidden.text
    assert {(k["type"], k["name"]): k["api_key"] for k in revealed.json()} == stored


def test_api_keys_include_the_legacy_and_the_new_keys(api: Api, ref: str) -> None:
    keys = api.get(f"/v1/projects/{ref}/api-keys").json()

    assert sorted((k["type"], k["name"]) for k in keys) == [
        ("legacy", "anon"),
        ("legacy", "service_role"),
        ("publishable", "default"),
        ("secret", "default"),
    ]


def test_delete_removes_the_project_and_answers_its_ref(api: Api, emu: Emulator, ref: str) -> None:
    response = api.delete(f"/v1/projects/{ref}")

    assert response.status_code == 200
    assert response.json()["ref"] == ref and response.json()["name"] == "acme-prod"
    assert ref not in emu.state_snapshot()["projects"]
    assert api.get(f"/v1/projects/{ref}").status_code == 404


def test_pause_goes_through_pausing_to_inactive(api: Api, emu: Emulator, ref: str) -> None:
    emu.configure(project_ready_seconds=60)
    api.post(f"/v1/projects/{ref}/pause")
    assert _status(api, ref) == "PAUSING"

    emu.configure(project_ready_seconds=0)
    assert _status(api, ref) == "INACTIVE"


def test_restore_goes_through_restoring_to_active_healthy(api: Api, emu: Emulator, ref: str) -> None:
    emu.set_project_status(ref, "INACTIVE")
    emu.configure(project_ready_seconds=60)
    api.post(f"/v1/projects/{ref}/restore")
    assert _status(api, ref) == "RESTORING"

    emu.configure(project_ready_seconds=0)
    assert _status(api, ref) == "ACTIVE_HEALTHY"


@pytest.mark.parametrize("outcome", ["RESTORE_FAILED", "INACTIVE"])
def test_a_planned_restore_ends_badly(api: Api, emu: Emulator, ref: str, outcome: str) -> None:
    emu.set_project_status(ref, "INACTIVE")
    emu.plan_restore(ref, outcome)

    assert api.post(f"/v1/projects/{ref}/restore").status_code == 200
    assert _status(api, ref) == outcome


def test_a_planned_pause_fails(api: Api, emu: Emulator, ref: str) -> None:
    emu.plan_pause(ref)

    api.post(f"/v1/projects/{ref}/pause")

    assert _status(api, ref) == "PAUSE_FAILED"


def test_pausing_a_paused_project_is_refused(api: Api, emu: Emulator, ref: str) -> None:
    emu.set_project_status(ref, "INACTIVE")

    response = api.post(f"/v1/projects/{ref}/pause")

    assert response.status_code == 400
    assert "INACTIVE" in response.json()["message"]


def test_restoring_an_active_project_is_refused(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/restore")

    assert response.status_code == 400
    assert "ACTIVE_HEALTHY" in response.json()["message"]


def test_restore_outcomes_can_be_planned_over_the_control_api(api: Api, emu: Emulator, ref: str) -> None:
    response = api.post("/_emulator/plans/restore", json={"ref": ref, "final_status": "INACTIVE"})

    assert response.status_code == 201
    assert emu.state_snapshot()["plans"]["restore"] == {ref: "INACTIVE"}


def test_an_unknown_planned_outcome_is_refused(emu: Emulator, ref: str) -> None:
    with pytest.raises(ValueError, match="ACTIVE_HEALTHY"):
        emu.plan_pause(ref, "ACTIVE_HEALTHY")
