"""The emulated rotation routes over raw HTTP: one API key (reveal, rename, compromised deletes), the signing-key
status rules and the legacy import, the password change, the admin control that ages keys, and faults on the new
routes."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from airflow_provider_supabase.emulator import Emulator

from .client import Api

KEYS = "/v1/projects/{ref}/config/auth/signing-keys"


def _signing(api: Api, ref: str) -> dict[str, str]:
    return {k["id"]: k["status"] for k in api.get(KEYS.format(ref=ref)).json()["keys"]}


def _create_signing(api: Api, ref: str, **body) -> dict:
    response = api.post(KEYS.format(ref=ref), json={"algorithm": "ES256", **body})
    assert response.status_code == 201, response.text
    return response.json()


def _patch(api: Api, ref: str, key_id: str, status: str) -> requests.Response:
    return api.patch(f"{KEYS.format(ref=ref)}/{key_id}", json={"status": status})


# ------------------------------------------------------------------------------------------------ API keys


def test_one_secret_key_is_hidden_unless_revealed(api: Api, emu: Emulator, ref: str) -> None:
    created = api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "ci_key"}).json()
    stored = next(k for k in emu.state_snapshot()["projects"][ref]["api_keys"] if k["name"] == "ci_key")

    hidden = api.get(f"/v1/projects/{ref}/api-keys/{created['id']}").json()
    shown = api.get(f"/v1/projects/{ref}/api-keys/{created['id']}", params={"reveal": "true"}).json()

    assert hidden["api_key"] != stored["api_key"] and shown["api_key"] == stored["api_key"]


def test_an_api_key_is_renamed_with_the_spec_pattern(api: Api, ref: str) -> None:
    created = api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "ci_key"}).json()
    path = f"/v1/projects/{ref}/api-keys/{created['id']}"

    refused = api.patch(path, json={"name": "Not Valid"})
    renamed = api.patch(path, json={"name": "ci_key_two"})

    assert refused.status_code == 400 and "name" in refused.json()["message"]
    assert renamed.status_code == 200 and renamed.json()["name"] == "ci_key_two"


def test_a_deleted_key_is_gone_and_its_compromise_recorded(api: Api, emu: Emulator, ref: str) -> None:
    created = api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "ci_key"}).json()
    path = f"/v1/projects/{ref}/api-keys/{created['id']}"

    deleted = api.delete(path, params={"was_compromised": "true", "reason": "leaked"})

    assert deleted.status_code == 200 and deleted.json()["name"] == "ci_key"
    assert api.get(path).status_code == 404
    assert emu.state_snapshot()["projects"][ref]["deleted_api_keys"][0]["was_compromised"] is True


def test_key_ids_must_be_uuids_and_legacy_keys_cannot_be_deleted(api: Api, ref: str) -> None:
    assert api.delete(f"/v1/projects/{ref}/api-keys/anon").status_code == 400
    assert [k["name"] for k in api.get(f"/v1/projects/{ref}/api-keys").json()].count("anon") == 1


def test_compromised_flag_must_be_a_boolean(api: Api, ref: str) -> None:
    created = api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "ci_key"}).json()
    response = api.delete(f"/v1/projects/{ref}/api-keys/{created['id']}", params={"was_compromised": "maybe"})
    assert response.status_code == 400 and "was_compromised" in response.json()["message"]


# ---------------------------------------------------------------------------------------------- signing keys


def test_a_new_project_has_no_signing_key_until_the_legacy_secret_is_imported(api: Api, ref: str) -> None:
    assert _signing(api, ref) == {}
    assert api.get(f"{KEYS.format(ref=ref)}/legacy").status_code == 404

    imported = api.post(f"{KEYS.format(ref=ref)}/legacy")

    assert imported.status_code == 201
    assert (imported.json()["algorithm"], imported.json()["status"]) == ("HS256", "in_use")
    assert api.get(f"{KEYS.format(ref=ref)}/legacy").json()["id"] == imported.json()["id"]
    again = api.post(f"{KEYS.format(ref=ref)}/legacy")
    assert again.status_code == 400 and "already imported" in again.json()["message"]


def test_promoting_a_standby_key_retires_the_key_in_use(api: Api, ref: str) -> None:
    old = _create_signing(api, ref, status="in_use")
    new = _create_signing(api, ref)

    promoted = _patch(api, ref, new["id"], "in_use")

    assert promoted.status_code == 200
    assert _signing(api, ref) == {old["id"]: "previously_used", new["id"]: "in_use"}


@pytest.mark.parametrize(
    ("start", "target"),
    [("in_use", "previously_used"), ("in_use", "revoked"), ("in_use", "standby"), ("standby", "revoked")],
)
def test_only_the_allowed_status_moves_are_accepted(api: Api, ref: str, start: str, target: str) -> None:
    key = _create_signing(api, ref, status=start)

    response = _patch(api, ref, key["id"], target)

    assert response.status_code == 400 and f"from {start} to {target}" in response.json()["message"]
    assert _signing(api, ref) == {key["id"]: start}


def test_a_repeated_status_change_is_a_no_op(api: Api, ref: str) -> None:
    key = _create_signing(api, ref)
    assert _patch(api, ref, key["id"], "in_use").status_code == 200
    assert _patch(api, ref, key["id"], "in_use").status_code == 200
    assert _signing(api, ref) == {key["id"]: "in_use"}


def test_only_revoked_keys_are_deleted_and_revoking_can_be_undone(api: Api, ref: str) -> None:
    old = _create_signing(api, ref, status="in_use")
    new = _create_signing(api, ref)
    _patch(api, ref, new["id"], "in_use")
    path = f"{KEYS.format(ref=ref)}/{old['id']}"

    assert api.delete(path).status_code == 400  # previously_used
    assert _patch(api, ref, old["id"], "revoked").status_code == 200
    assert _patch(api, ref, old["id"], "previously_used").status_code == 200
    assert _patch(api, ref, old["id"], "revoked").status_code == 200
    assert api.delete(path).status_code == 200

    assert _signing(api, ref) == {new["id"]: "in_use"}
    assert api.get(path).status_code == 404


def test_a_second_standby_key_is_refused(api: Api, ref: str) -> None:
    _create_signing(api, ref)
    response = api.post(KEYS.format(ref=ref), json={"algorithm": "RS256"})
    assert response.status_code == 400 and "standby" in response.json()["message"]


def test_signing_key_bodies_are_validated_against_the_spec(api: Api, ref: str) -> None:
    unknown = api.post(KEYS.format(ref=ref), json={"algorithm": "HS512"})
    mismatched = api.post(KEYS.format(ref=ref), json={"algorithm": "RS256", "private_jwk": {"kty": "EC"}})
    extra = api.post(KEYS.format(ref=ref), json={"algorithm": "ES256", "colour": "red"})

    assert [r.status_code for r in (unknown, mismatched, extra)] == [400, 400, 400]
    assert _signing(api, ref) == {}


def test_a_signing_key_never_answers_its_private_part(api: Api, emu: Emulator, ref: str) -> None:
    key = _create_signing(api, ref, private_jwk={"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "secret-d"})

    stored = emu.state_snapshot()["projects"][ref]["signing_keys"][0]
    assert stored["private_jwk"]["d"] == "secret-d"
    listed = api.get(KEYS.format(ref=ref)).text + api.get(f"{KEYS.format(ref=ref)}/{key['id']}").text
    assert "secret-d" not in listed and "private_jwk" not in listed


# ---------------------------------------------------------------------------------------------- password


def test_the_database_password_changes(api: Api, emu: Emulator, ref: str) -> None:
    response = api.patch(f"/v1/projects/{ref}/database/password", json={"password": "Tr0ub4dor-and-3-more"})

    assert response.status_code == 200 and response.json()["message"]
    project = emu.state_snapshot()["projects"][ref]
    assert (project["db_pass"], project["password_changes"]) == ("Tr0ub4dor-and-3-more", 1)


@pytest.mark.parametrize("password", ["abc", "short-Pw1", "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababab"])
def test_a_weak_password_is_refused(api: Api, emu: Emulator, ref: str, password: str) -> None:
    before = emu.state_snapshot()["projects"][ref]["db_pass"]

    response = api.patch(f"/v1/projects/{ref}/database/password", json={"password": password})

    assert response.status_code == 400 and password not in response.text
    assert emu.state_snapshot()["projects"][ref]["db_pass"] == before


# ------------------------------------------------------------------------------------- admin and faults


def test_the_admin_control_ages_a_key(api: Api, emu: Emulator, ref: str) -> None:
    key = _create_signing(api, ref)
    api_key = api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "ci_key"}).json()

    aged = requests.post(
        f"{emu.url}/_emulator/projects/{ref}/signing-keys/{key['id']}/age", json={"seconds": 86400}, timeout=5
    )
    emu.age_api_key(ref, api_key["id"], 3600)

    assert aged.status_code == 200
    shift = datetime.fromisoformat(key["created_at"]) - datetime.fromisoformat(aged.json()["created_at"])
    assert shift.total_seconds() == 86400
    listed = api.get(f"/v1/projects/{ref}/api-keys/{api_key['id']}").json()
    assert (
        datetime.fromisoformat(api_key["inserted_at"]) - datetime.fromisoformat(listed["inserted_at"])
    ).total_seconds() == 3600
    bad = requests.post(
        f"{emu.url}/_emulator/projects/{ref}/signing-keys/{key['id']}/age", json={"seconds": -1}, timeout=5
    )
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/v1/projects/{ref}/api-keys/{id}"),
        ("DELETE", "/v1/projects/{ref}/api-keys/{id}"),
        ("POST", "/v1/projects/{ref}/config/auth/signing-keys"),
        ("PATCH", "/v1/projects/{ref}/config/auth/signing-keys/{id}"),
        ("POST", "/v1/projects/{ref}/config/auth/signing-keys/legacy"),
        ("PATCH", "/v1/projects/{ref}/database/password"),
    ],
)
def test_faults_reach_the_new_routes(api: Api, emu: Emulator, ref: str, method: str, template: str) -> None:
    key = _create_signing(api, ref)
    api_key = api.post(f"/v1/projects/{ref}/api-keys", json={"type": "secret", "name": "ci_key"}).json()
    ids = {"/v1/projects/{ref}/api-keys/{id}": api_key["id"]}
    path = template.replace("{ref}", ref).replace("{id}", ids.get(template, key["id"]))
    bodies = {"POST": {"algorithm": "RS256", "status": "in_use"}, "PATCH": {"status": "in_use"}}
    if template.endswith("password"):
        bodies["PATCH"] = {"password": "Fault-Test-Password-1"}
    before = emu.state_snapshot()
    emu.inject_fault(method, template, kind="status", status=503)

    response = api.request(method, path, json=bodies.get(method))

    assert response.status_code == 503 and response.json()["message"]
    assert emu.state_snapshot() == before
