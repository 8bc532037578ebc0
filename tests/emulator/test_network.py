"""pgsodium root key, network bans, network restrictions and TypeScript type generation."""

from __future__ import annotations

import re

from airflow_provider_supabase.emulator import Emulator

from .client import Api


def test_pgsodium_starts_with_a_random_root_key(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/pgsodium")
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{64}", response.json()["root_key"])


def test_pgsodium_update_returns_the_new_key(api: Api, ref: str) -> None:
    response = api.put(f"/v1/projects/{ref}/pgsodium", json={"root_key": "a" * 64})
    assert response.status_code == 200
    assert response.json() == {"root_key": "a" * 64}
    assert api.get(f"/v1/projects/{ref}/pgsodium").json() == {"root_key": "a" * 64}


def test_pgsodium_update_requires_root_key(api: Api, ref: str) -> None:
    response = api.put(f"/v1/projects/{ref}/pgsodium", json={"key": "x"})
    assert response.status_code == 400


def test_network_bans_are_listed_with_201(api: Api, emu: Emulator, ref: str) -> None:
    emu.add_network_bans(ref, ["1.2.3.4", "5.6.7.8"])
    response = api.post(f"/v1/projects/{ref}/network-bans/retrieve")
    assert response.status_code == 201
    assert response.json() == {"banned_ipv4_addresses": ["1.2.3.4", "5.6.7.8"]}


def test_delete_network_bans_removes_them(api: Api, emu: Emulator, ref: str) -> None:
    emu.add_network_bans(ref, ["1.2.3.4", "5.6.7.8"])
    response = api.delete(f"/v1/projects/{ref}/network-bans", json={"ipv4_addresses": ["1.2.3.4"]})
    assert response.status_code == 200
    assert response.content == b""
    assert emu.state_snapshot()["network_bans"][ref] == ["5.6.7.8"]


def test_delete_network_bans_rejects_a_non_ipv4_address(api: Api, ref: str) -> None:
    response = api.delete(f"/v1/projects/{ref}/network-bans", json={"ipv4_addresses": ["nope"]})
    assert response.status_code == 400
    assert "nope" in response.json()["message"]


def test_network_restrictions_default_allow_everything(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/network-restrictions")
    assert response.status_code == 200
    body = response.json()
    assert body["entitlement"] == "allowed"
    assert body["status"] == "applied"
    assert body["config"] == {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}
    assert body["updated_at"] and body["applied_at"]


def test_apply_network_restrictions_keeps_old_config(api: Api, ref: str) -> None:
    response = api.post(
        f"/v1/projects/{ref}/network-restrictions/apply",
        json={"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": ["2001:db8::/32"]},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["config"] == {"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": ["2001:db8::/32"]}
    assert body["old_config"] == {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}
    assert body["status"] == "applied"
    assert api.get(f"/v1/projects/{ref}/network-restrictions").json()["config"] == body["config"]


def test_apply_network_restrictions_rejects_invalid_cidr(api: Api, ref: str) -> None:
    body = {"dbAllowedCidrs": ["10.0.0.0/33"]}
    response = api.post(f"/v1/projects/{ref}/network-restrictions/apply", json=body)
    assert response.status_code == 400
    assert "10.0.0.0/33" in response.json()["message"]


def test_typescript_types_default_to_public(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/types/typescript")
    assert response.status_code == 200
    types = response.json()["types"]
    assert "export type Database = {" in types
    assert "  public: {" in types
    assert "  auth: {" not in types


def test_typescript_types_cover_included_schemas_deterministically(api: Api, ref: str) -> None:
    first = api.get(f"/v1/projects/{ref}/types/typescript", params={"included_schemas": "public,auth"})
    second = api.get(f"/v1/projects/{ref}/types/typescript", params={"included_schemas": "public,auth"})
    types = first.json()["types"]
    assert "  public: {" in types and "  auth: {" in types
    for section in ("Tables:", "Views:", "Functions:"):
        assert section in types
    assert first.json() == second.json()


def test_typescript_types_reject_bad_schema_names(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/types/typescript", params={"included_schemas": "public;drop"})
    assert response.status_code == 400
