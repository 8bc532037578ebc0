"""Project secrets: bulk upsert, digest listing, all-or-nothing refusals and bulk delete."""

from __future__ import annotations

import hashlib

from airflow_provider_supabase.emulator import Emulator

from .client import Api


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_create_secrets_returns_201_with_empty_body(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "API_KEY", "value": "s3cret"}])
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["Content-Length"] == "0"


def test_list_secrets_shows_sorted_digests_not_values(api: Api, ref: str) -> None:
    api.post(
        f"/v1/projects/{ref}/secrets",
        json=[{"name": "ZED", "value": "last"}, {"name": "ALPHA", "value": "first"}],
    )
    response = api.get(f"/v1/projects/{ref}/secrets")
    assert response.status_code == 200
    listed = response.json()
    assert [(s["name"], s["value"]) for s in listed] == [("ALPHA", _sha("first")), ("ZED", _sha("last"))]
    assert all(s["updated_at"] for s in listed)
    assert "first" not in response.text


def test_create_secrets_upserts(api: Api, emu: Emulator, ref: str) -> None:
    api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "API_KEY", "value": "old"}])
    api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "API_KEY", "value": "new"}])
    secret = emu.state_snapshot()["secrets"][ref]["API_KEY"]
    assert secret["value"] == "new"
    assert secret["digest"] == _sha("new")


def test_supabase_prefixed_secret_is_refused_and_nothing_applied(api: Api, emu: Emulator, ref: str) -> None:
    response = api.post(
        f"/v1/projects/{ref}/secrets",
        json=[{"name": "GOOD", "value": "v1"}, {"name": "SUPABASE_URL", "value": "v2"}],
    )
    assert response.status_code == 400
    assert "SUPABASE_URL" in response.json()["message"]
    assert emu.state_snapshot()["secrets"][ref] == {}


def test_empty_secret_name_is_refused(api: Api, emu: Emulator, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "", "value": "v"}])
    assert response.status_code == 400
    assert emu.state_snapshot()["secrets"][ref] == {}


def test_secret_schema_error_names_the_secret_but_not_its_value(api: Api, emu: Emulator, ref: str) -> None:
    response = api.post(
        f"/v1/projects/{ref}/secrets",
        json=[{"name": "OK", "value": "fine"}, {"name": "TOO_LONG", "value": "x" * 30000}],
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("Invalid request body: $[1].value:")
    assert "TOO_LONG" in message
    assert "xxxx" not in message
    assert emu.state_snapshot()["secrets"][ref] == {}


def test_create_secrets_requires_an_array(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/secrets", json={"name": "A", "value": "b"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body: $: expected array"


def test_delete_secrets_returns_empty_object_and_ignores_missing(api: Api, emu: Emulator, ref: str) -> None:
    api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    response = api.delete(f"/v1/projects/{ref}/secrets", json=["A", "NEVER_SET"])
    assert response.status_code == 200
    assert response.json() == {}
    assert list(emu.state_snapshot()["secrets"][ref]) == ["B"]


def test_secrets_of_unknown_project_is_404(api: Api) -> None:
    response = api.get("/v1/projects/abcdefghijklmnopqrst/secrets")
    assert response.status_code == 404
    assert response.json() == {"message": "Project not found"}


def test_seeded_reserved_secrets_are_listed_but_cannot_be_set_through_the_api(
    api: Api, emu: Emulator, ref: str
) -> None:
    emu.seed_secrets(ref, {"SUPABASE_URL": "https://example.supabase.co"})
    listed = api.get(f"/v1/projects/{ref}/secrets").json()
    assert [(s["name"], s["value"]) for s in listed] == [("SUPABASE_URL", _sha("https://example.supabase.co"))]
    refused = api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "SUPABASE_URL", "value": "other"}])
    assert refused.status_code == 400
