"""The rotation endpoints of SupabaseHook (API keys, JWT signing keys, the database password) against the emulator
over real HTTP: results, what reached the wire, lost creates recognised, bad input refused before any request."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook
from tests.conftest import set_connection

KEY_ID = "22222222-2222-4222-8222-222222222222"


def _stored_keys(emulator, ref):
    return emulator.state_snapshot()["projects"][ref]["api_keys"]


def test_create_api_key_reveals_the_new_secret_key_only_when_asked(hook, emulator, project):
    ref = project["ref"]

    hidden = hook.create_api_key(ref, "secret", "ci_deploy", description="CI")
    shown = hook.create_api_key(ref, "secret", "ci_deploy_two", reveal=True)

    stored = {k["name"]: k["api_key"] for k in _stored_keys(emulator, ref)}
    assert hidden["api_key"] != stored["ci_deploy"] and hidden["api_key"].startswith(hidden["prefix"])
    assert shown["api_key"] == stored["ci_deploy_two"]
    assert emulator.requests[-1].json == {"type": "secret", "name": "ci_deploy_two"}
    assert emulator.requests[-1].query["reveal"] == ["true"]


def test_get_update_and_delete_one_api_key(hook, emulator, project):
    ref = project["ref"]
    key = hook.create_api_key(ref, "publishable", "web_app")

    assert hook.get_api_key(ref, key["id"])["name"] == "web_app"
    renamed = hook.update_api_key(ref, key["id"], {"name": "web_app_v2", "description": "the web app"})
    assert (renamed["name"], renamed["description"]) == ("web_app_v2", "the web app")
    hook.delete_api_key(ref, key["id"])

    assert "web_app_v2" not in [k["name"] for k in hook.list_api_keys(ref)]
    with pytest.raises(SupabaseApiError) as raised:
        hook.get_api_key(ref, key["id"])
    assert raised.value.status_code == 404


def test_delete_api_key_tells_the_platform_it_was_compromised(hook, emulator, project):
    ref = project["ref"]
    key = hook.create_api_key(ref, "secret", "leaked_key")

    hook.delete_api_key(ref, key["id"], was_compromised=True, reason="found in a public repo")

    assert emulator.requests[-1].query == {"was_compromised": ["true"], "reason": ["found in a public repo"]}
    [deleted] = emulator.state_snapshot()["projects"][ref]["deleted_api_keys"]
    assert deleted == {
        "id": key["id"],
        "name": "leaked_key",
        "was_compromised": True,
        "reason": "found in a public repo",
    }


def test_a_lost_api_key_create_is_recognised_not_repeated(hook, emulator, project):
    ref = project["ref"]
    emulator.inject_fault("POST", "/v1/projects/{ref}/api-keys", kind="drop_after")

    created = hook.create_api_key(ref, "secret", "rotated_key", reveal=True)

    named = [k for k in _stored_keys(emulator, ref) if k["name"] == "rotated_key"]
    assert len(named) == 1 and created["id"] == named[0]["id"] and created["api_key"] == named[0]["api_key"]


def test_a_same_named_key_made_before_the_call_is_not_taken_for_the_lost_one(hook, emulator, project):
    ref = project["ref"]
    before = hook.create_api_key(ref, "secret", "rotated_key")
    emulator.inject_fault("POST", "/v1/projects/{ref}/api-keys", kind="drop_after")

    created = hook.create_api_key(ref, "secret", "rotated_key")

    assert created["id"] != before["id"]
    assert [k["name"] for k in _stored_keys(emulator, ref)].count("rotated_key") == 2


def test_signing_key_cycle_through_the_hook(hook, emulator, project):
    ref = project["ref"]
    legacy = hook.create_legacy_signing_key(ref)
    assert (legacy["algorithm"], legacy["status"]) == ("HS256", "in_use")
    assert hook.get_legacy_signing_key(ref)["id"] == legacy["id"]

    standby = hook.create_signing_key(ref, "ES256")
    assert standby["status"] == "standby" and standby["public_jwk"]["kty"] == "EC"
    promoted = hook.update_signing_key(ref, standby["id"], "in_use")
    assert promoted["status"] == "in_use"
    assert hook.get_signing_key(ref, legacy["id"])["status"] == "previously_used"
    hook.update_signing_key(ref, legacy["id"], "revoked")
    hook.delete_signing_key(ref, legacy["id"])

    assert [(k["id"], k["status"]) for k in hook.list_signing_keys(ref)] == [(standby["id"], "in_use")]


def test_the_key_in_use_cannot_be_deleted(hook, emulator, project):
    ref = project["ref"]
    key = hook.create_signing_key(ref, "EdDSA", status="in_use")

    with pytest.raises(SupabaseApiError) as raised:
        hook.delete_signing_key(ref, key["id"])

    assert raised.value.status_code == 400 and "Only revoked" in raised.value.api_message
    assert hook.list_signing_keys(ref)[0]["status"] == "in_use"


def test_an_imported_private_jwk_is_sent_but_never_answered(hook, emulator, project):
    ref = project["ref"]
    jwk = {"kty": "EC", "crv": "P-256", "x": "xx", "y": "yy", "d": "private-part-canary"}

    key = hook.create_signing_key(ref, "ES256", private_jwk=jwk)

    assert "private-part-canary" not in repr(key) and "private-part-canary" not in repr(hook.list_signing_keys(ref))
    [post] = [r for r in emulator.requests if r.method == "POST"]
    assert post.json["private_jwk"] == jwk


def test_a_lost_signing_key_create_is_recognised_not_repeated(hook, emulator, project):
    ref = project["ref"]
    emulator.inject_fault("POST", "/v1/projects/{ref}/config/auth/signing-keys", kind="drop_after")

    created = hook.create_signing_key(ref, "RS256")

    assert [k["id"] for k in hook.list_signing_keys(ref)] == [created["id"]]


def test_update_database_password_changes_it(hook, emulator, project):
    ref = project["ref"]

    answer = hook.update_database_password(ref, "Correct-Horse-Battery-Staple-42")

    assert answer["message"]
    assert emulator.state_snapshot()["projects"][ref]["db_pass"] == "Correct-Horse-Battery-Staple-42"


def test_a_weak_password_is_refused_by_the_api_without_echoing_it(hook, emulator, project):
    with pytest.raises(SupabaseApiError) as raised:
        hook.update_database_password(project["ref"], "aaaaaaaaaaaaaaaaaaaa")

    assert raised.value.status_code == 400 and "too weak" in str(raised.value)
    assert "aaaaaaaaaaaaaaaaaaaa" not in str(raised.value)


def test_the_async_hook_runs_the_same_endpoints(emulator, project, monkeypatch):
    set_connection(monkeypatch, emulator.url)
    ref = project["ref"]

    async def main():
        async with SupabaseAsyncHook() as hook:
            key = await hook.create_api_key(ref, "secret", "async_key", reveal=True)
            standby = await hook.create_signing_key(ref, "ES256")
            return key, standby, await hook.list_signing_keys(ref)

    key, standby, listed = asyncio.run(main())
    assert key["name"] == "async_key" and [k["id"] for k in listed] == [standby["id"]]


BAD_CALLS = {
    "key name too short": (lambda h, r: h.create_api_key(r, "secret", "abc"), "name"),
    "key name with capitals": (lambda h, r: h.create_api_key(r, "secret", "CiKey"), "name"),
    "key name starting with a digit": (lambda h, r: h.create_api_key(r, "secret", "1key"), "name"),
    "key name too long": (lambda h, r: h.create_api_key(r, "secret", "k" * 65), "name"),
    "unknown key type": (lambda h, r: h.create_api_key(r, "legacy", "my_key"), "type"),
    "template not a mapping": (
        lambda h, r: h.create_api_key(r, "secret", "my_key", secret_jwt_template="x"),
        "secret_jwt_template",
    ),
    "key id not a uuid": (lambda h, r: h.get_api_key(r, "anon"), "key_id"),
    "unknown key field": (lambda h, r: h.update_api_key(r, KEY_ID, {"type": "secret"}), "type"),
    "compromised as text": (lambda h, r: h.delete_api_key(r, KEY_ID, was_compromised="yes"), "was_compromised"),
    "empty reason": (lambda h, r: h.delete_api_key(r, KEY_ID, reason=" "), "reason"),
    "unknown algorithm": (lambda h, r: h.create_signing_key(r, "HS512"), "algorithm"),
    "create as revoked": (lambda h, r: h.create_signing_key(r, "ES256", status="revoked"), "status"),
    "jwk without kty": (lambda h, r: h.create_signing_key(r, "ES256", private_jwk={"d": "x"}), "private_jwk"),
    "unknown signing status": (lambda h, r: h.update_signing_key(r, KEY_ID, "retired"), "status"),
    "signing key id not a uuid": (lambda h, r: h.delete_signing_key(r, "legacy"), "key_id"),
    "password too short": (lambda h, r: h.update_database_password(r, "abc"), "password"),
    "password not text": (lambda h, r: h.update_database_password(r, 12345678), "password"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_is_refused_before_any_request(case, hook, emulator, project):
    call, field = BAD_CALLS[case]

    with pytest.raises(SupabaseInputError) as raised:
        call(hook, project["ref"])

    assert raised.value.field == field
    assert emulator.requests == []


def test_refusing_a_short_password_never_shows_it(hook, emulator, project):
    with pytest.raises(SupabaseInputError) as raised:
        hook.update_database_password(project["ref"], "pw1")
    assert "pw1" not in str(raised.value)
