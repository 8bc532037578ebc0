"""Every SupabaseHook endpoint method against the emulator over real HTTP."""

from __future__ import annotations

import hashlib

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError


def test_list_and_create_organizations(hook, emulator):
    created = hook.create_organization("Initech")
    assert created["name"] == "Initech"
    assert [o["name"] for o in hook.list_organizations()] == ["Initech"]
    assert emulator.requests[0].token.startswith("sbp_")


def test_create_project_sends_seed_and_real_fields(hook, emulator, org):
    project = hook.create_project("web", org["id"], "s3cret-pass", "eu-west-1")
    assert len(project["ref"]) == 20
    body = emulator.requests[-1].json
    assert body["organization_id"] == org["id"] and body["organization_slug"] == org["id"]
    assert body["plan"] == "free" and body["region"] == "eu-west-1"
    assert [p["name"] for p in hook.list_projects()] == ["web"]


def test_create_project_accepts_real_api_fields(hook, emulator, org):
    project = hook.create_project(
        "api",
        organization_slug=org["slug"],
        db_pass="pw",
        plan=None,
        region_selection={"type": "smartGroup", "code": "emea"},
        desired_instance_size="micro",
    )
    assert project["region"] == "eu-central-1"
    body = emulator.requests[-1].json
    assert "organization_id" not in body and body["desired_instance_size"] == "micro"


def test_get_project_and_health(hook, project):
    assert hook.get_project(project["ref"])["name"] == "acme-prod"
    health = hook.get_project_health(project["ref"], ["auth", "db"])
    assert sorted(s["name"] for s in health) == ["auth", "db"]


def test_secrets_roundtrip_lists_digests(hook, emulator, project):
    ref = project["ref"]
    assert hook.create_secrets(ref, {"API_KEY": "v1", "OTHER": "v2"}) is None
    listed = {s["name"]: s["value"] for s in hook.list_secrets(ref)}
    assert listed == {
        "API_KEY": hashlib.sha256(b"v1").hexdigest(),
        "OTHER": hashlib.sha256(b"v2").hexdigest(),
    }
    hook.create_secrets(ref, [{"name": "API_KEY", "value": "v3"}])
    hook.delete_secrets(ref, ["OTHER"])
    state = emulator.state_snapshot()["secrets"][ref]
    assert set(state) == {"API_KEY"}


def test_generate_typescript_types_returns_text(hook, emulator, project):
    types = hook.generate_typescript_types(project["ref"], ["public", "auth"])
    assert isinstance(types, str) and "public" in types and "auth" in types
    assert emulator.requests[-1].query["included_schemas"] == ["public,auth"]


def test_function_lifecycle_over_json_endpoints(hook, emulator, project):
    ref = project["ref"]
    created = hook.create_function(ref, "hello", "Hello", "Deno.serve(() => new Response('hi'))", verify_jwt=False)
    assert created["version"] == 1 and created["verify_jwt"] is False
    assert [f["slug"] for f in hook.list_functions(ref)] == ["hello"]
    assert hook.get_function(ref, "hello")["name"] == "Hello"
    assert "Response('hi')" in hook.get_function_body(ref, "hello")
    hook.delete_function(ref, "hello")
    assert hook.list_functions(ref) == []


def test_update_function_keeps_verify_jwt_when_not_given(hook, project):
    ref = project["ref"]
    hook.create_function(ref, "hello", "Hello", "x", verify_jwt=False)
    updated = hook.update_function(ref, "hello", body="y")
    assert updated["verify_jwt"] is False and updated["version"] == 2


def test_update_function_sets_verify_jwt_when_given(hook, project):
    ref = project["ref"]
    hook.create_function(ref, "hello", "Hello", "x", verify_jwt=False)
    assert hook.update_function(ref, "hello", verify_jwt=True)["verify_jwt"] is True


def test_deploy_function_multipart_creates_then_versions(hook, emulator, project):
    ref = project["ref"]
    files = {"index.ts": "import { x } from './lib.ts'", "lib.ts": b"export const x = 1"}
    first = hook.deploy_function(ref, "api", files, entrypoint_path="index.ts", verify_jwt=False, name="API")
    second = hook.deploy_function(ref, "api", files)
    assert (first["version"], second["version"]) == (1, 2)
    stored = emulator.state_snapshot()["functions"][ref]["api"]
    assert stored["verify_jwt"] is True  # the second deploy sent verify_jwt=True explicitly
    assert sorted(stored["files"]) == ["index.ts", "lib.ts"]


def test_custom_hostname_flow(hook, project):
    ref = project["ref"]
    assert hook.get_custom_hostname(ref)["status"] == "1_not_started"
    init = hook.initialize_custom_hostname(ref, "API.Example.com")
    assert init["status"] == "2_initiated" and init["custom_hostname"] == "api.example.com"
    assert hook.reverify_custom_hostname(ref)["status"] == "3_challenge_verified"
    assert hook.reverify_custom_hostname(ref)["status"] == "4_origin_setup_completed"
    assert hook.activate_custom_hostname(ref)["status"] == "5_services_reconfigured"
    hook.delete_custom_hostname(ref)
    assert hook.get_custom_hostname(ref)["status"] == "1_not_started"


def test_pgsodium_get_and_update(hook, project):
    key = "ab" * 32
    assert len(hook.get_pgsodium_config(project["ref"])["root_key"]) == 64
    assert hook.update_pgsodium_config(project["ref"], key) == {"root_key": key}


def test_network_bans_retrieve_and_remove(hook, emulator, project):
    ref = project["ref"]
    emulator.add_network_bans(ref, ["203.0.113.7", "203.0.113.8"])
    assert sorted(hook.get_network_bans(ref)["banned_ipv4_addresses"]) == ["203.0.113.7", "203.0.113.8"]
    hook.remove_network_bans(ref, ["203.0.113.7"])
    assert hook.get_network_bans(ref)["banned_ipv4_addresses"] == ["203.0.113.8"]


def test_network_restrictions_apply(hook, project):
    ref = project["ref"]
    applied = hook.apply_network_restrictions(ref, ["10.0.0.0/8"], ["2001:db8::/32"])
    assert applied["config"] == {"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": ["2001:db8::/32"]}
    assert hook.get_network_restrictions(ref)["config"]["dbAllowedCidrs"] == ["10.0.0.0/8"]


def test_unknown_project_raises_api_error_with_message(hook, emulator):
    with pytest.raises(SupabaseApiError) as err:
        hook.get_project("abcdefghijklmnopqrst")
    assert err.value.status_code == 404
    assert err.value.method == "GET" and err.value.path == "/v1/projects/abcdefghijklmnopqrst"
    assert "Project not found" in str(err.value)
    assert emulator.request_count() == 1  # 404 is never retried


def test_api_error_never_contains_token_or_body(hook, emulator, project):
    with pytest.raises(SupabaseApiError) as err:
        hook.create_function(project["ref"], "hello", "Hello", "super-secret-source")
        hook.create_function(project["ref"], "hello", "Hello", "super-secret-source")
    text = str(err.value) + repr(err.value)
    assert "super-secret-source" not in text and emulator.requests[-1].token not in text


def test_test_connection_reports_success_and_failure(emulator, monkeypatch):
    from airflow_provider_supabase.hooks.supabase import SupabaseHook
    from tests.conftest import set_connection

    ok, message = SupabaseHook().test_connection()
    assert ok and "organization" in message
    set_connection(monkeypatch, emulator.url, token="not-a-valid-token")
    ok, message = SupabaseHook().test_connection()
    assert not ok and message == "Unauthorized"


def test_session_is_reused_across_calls(hook, project):
    hook.get_project(project["ref"])
    session = hook.get_conn()
    hook.list_projects()
    assert hook.get_conn() is session


def test_user_agent_names_provider_and_airflow(hook, emulator, project):
    from airflow import __version__ as airflow_version

    hook.list_projects()
    ua = hook.get_conn().headers["User-Agent"]
    assert ua.startswith("airflow-provider-supabase/") and f"apache-airflow/{airflow_version}" in ua


def test_auth_config_is_read_and_patched(hook, emulator, project):
    ref = project["ref"]
    hook.update_auth_config(ref, {"site_url": "https://app.example.com", "jwt_exp": 7200})

    config = hook.get_auth_config(ref)

    assert (config["site_url"], config["jwt_exp"]) == ("https://app.example.com", 7200)
    assert emulator.requests[-2].method == "PATCH"


def test_postgrest_config_is_read_and_patched(hook, project):
    ref = project["ref"]
    hook.update_postgrest_config(ref, {"db_schema": "public,api"})

    assert hook.get_postgrest_config(ref)["db_schema"] == "public,api"


def test_postgres_config_is_put_with_the_restart_choice(hook, emulator, project):
    ref = project["ref"]
    hook.update_postgres_config(ref, {"statement_timeout": "60s"}, restart_database=False)

    assert emulator.requests[-1].json == {"statement_timeout": "60s", "restart_database": False}
    assert hook.get_postgres_config(ref) == {"statement_timeout": "60s"}


def test_api_keys_are_revealed_only_when_asked(hook, emulator, project):
    ref = project["ref"]
    hidden = {k["name"]: k["api_key"] for k in hook.list_api_keys(ref) if k["type"] == "secret"}
    revealed = {k["name"]: k["api_key"] for k in hook.list_api_keys(ref, reveal=True) if k["type"] == "secret"}

    assert revealed["default"].startswith("sb_secret_") and hidden["default"] != revealed["default"]
    assert [r.query["reveal"] for r in emulator.requests] == [["false"], ["true"]]


def test_delete_project_answers_the_deleted_ref(hook, emulator, project):
    deleted = hook.delete_project(project["ref"])

    assert deleted["ref"] == project["ref"]
    assert emulator.state_snapshot()["projects"] == {}


def test_a_delete_whose_answer_was_lost_counts_as_done(hook, emulator, project):
    emulator.inject_fault("DELETE", "/v1/projects/{ref}", "drop_after")

    hook.delete_project(project["ref"])

    assert emulator.state_snapshot()["projects"] == {}
    assert emulator.request_count("DELETE") == 2


def test_pause_then_restore_moves_the_project_status(hook, emulator, project):
    ref = project["ref"]
    emulator.configure(project_ready_seconds=0)
    hook.pause_project(ref)
    assert hook.get_project(ref)["status"] == "INACTIVE"

    hook.restore_project(ref)

    assert hook.get_project(ref)["status"] == "ACTIVE_HEALTHY"
