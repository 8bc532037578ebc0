"""Bad input is refused before any request, with a message naming the field."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError

REF = "abcdefghijklmnopqrst"

BAD_CALLS = {
    "short ref": (lambda h: h.get_project("abc"), "project_ref"),
    "uppercase ref": (lambda h: h.list_secrets("ABCDEFGHIJKLMNOPQRST"), "project_ref"),
    "ref with digits": (lambda h: h.list_functions("abcdefghij0123456789"), "project_ref"),
    "slug with space": (lambda h: h.get_function(REF, "my fn"), "slug"),
    "slug with slash": (lambda h: h.delete_function(REF, "a/b"), "slug"),
    "deploy slug starting with a digit": (lambda h: h.deploy_function(REF, "1fn", {"index.ts": "x"}), "slug"),
    "SUPABASE_ secret": (lambda h: h.create_secrets(REF, {"SUPABASE_URL": "x"}), "secrets name"),
    "empty secret name": (lambda h: h.create_secrets(REF, {"": "x"}), "secrets name"),
    "non-string secret value": (lambda h: h.create_secrets(REF, {"A": 1}), "secrets['A']"),
    "SUPABASE_ delete": (lambda h: h.delete_secrets(REF, ["SUPABASE_URL"]), "names"),
    "root key too short": (lambda h: h.update_pgsodium_config(REF, "abc"), "root_key"),
    "root key not hex": (lambda h: h.update_pgsodium_config(REF, "z" * 64), "root_key"),
    "bad v4 CIDR": (lambda h: h.apply_network_restrictions(REF, ["10.0.0.0/33"]), "db_allowed_cidrs"),
    "v6 in v4 list": (lambda h: h.apply_network_restrictions(REF, ["::/0"]), "db_allowed_cidrs"),
    "bad v6 CIDR": (lambda h: h.apply_network_restrictions(REF, [], ["2001:zz::/32"]), "db_allowed_cidrs_v6"),
    "bad region": (lambda h: h.create_project("p", "org", "pw", "mars-1"), "region"),
    "bad plan": (lambda h: h.create_project("p", "org", "pw", "us-east-1", plan="gold"), "plan"),
    "empty db_pass": (lambda h: h.create_project("p", "org", "", "us-east-1"), "db_pass"),
    "no organization": (lambda h: h.create_project("p", None, "pw", "us-east-1"), "organization"),
    "bad hostname": (lambda h: h.initialize_custom_hostname(REF, "not a host"), "custom_hostname"),
    # A template can render a list or a mapping where a string belongs: still a field-named refusal.
    "region rendered as a list": (lambda h: h.create_project("p", "org", "pw", ["us-east-1"]), "region"),
    "plan rendered as a list": (lambda h: h.create_project("p", "org", "pw", "us-east-1", plan=["free"]), "plan"),
    "size rendered as a mapping": (
        lambda h: h.create_project("p", "org", "pw", "us-east-1", desired_instance_size={"micro": 1}),
        "desired_instance_size",
    ),
    "smart group as a list": (
        lambda h: h.create_project("p", "org", "pw", region_selection={"type": "smartGroup", "code": ["emea"]}),
        "region_selection.code",
    ),
    "service rendered as a list": (lambda h: h.get_project_health(REF, [["db"]]), "services"),
    "bad ban address": (lambda h: h.remove_network_bans(REF, ["999.1.1.1"]), "ipv4_addresses"),
    "bad health service": (lambda h: h.get_project_health(REF, ["disk"]), "services"),
    "entrypoint missing": (lambda h: h.deploy_function(REF, "f", {"a.ts": "x"}, "index.ts"), "entrypoint_path"),
    "escaping file path": (lambda h: h.deploy_function(REF, "f", {"../x.ts": "x"}, "../x.ts"), "files"),
    "unknown update field": (lambda h: h.update_function(REF, "f", color="red"), "color"),
    "unknown project field": (lambda h: h.create_project("p", "o", "pw", "us-east-1", colour=1), "colour"),
    "unknown auth setting": (lambda h: h.update_auth_config(REF, {"site_ur1": "x"}), "auth.site_ur1"),
    "read-only postgrest setting": (lambda h: h.update_postgrest_config(REF, {"jwt_secret": "x"}), "jwt_secret"),
    "unknown postgres setting": (lambda h: h.update_postgres_config(REF, {"work_memory": "8MB"}), "work_memory"),
    "config rendered as a list": (lambda h: h.update_auth_config(REF, ["site_url"]), "auth"),
    "reveal rendered as text": (lambda h: h.list_api_keys(REF, reveal="yes"), "reveal"),
    "bad ref to delete": (lambda h: h.delete_project("abc"), "project_ref"),
    "bad ref to pause": (lambda h: h.pause_project("abc"), "project_ref"),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_is_refused_before_any_request(case, hook, emulator):
    call, field = BAD_CALLS[case]
    with pytest.raises(SupabaseInputError) as err:
        call(hook)
    assert field in str(err.value)
    assert emulator.request_count() == 0


def test_refusal_of_a_root_key_never_shows_the_key(hook, emulator):
    with pytest.raises(SupabaseInputError) as err:
        hook.update_pgsodium_config(REF, "secret-key-canary")
    assert "secret-key-canary" not in str(err.value)


def test_refusal_of_a_secret_value_never_shows_it(hook, emulator):
    with pytest.raises(SupabaseInputError) as err:
        hook.create_secrets(REF, {"A": "ok", "SUPABASE_B": "value-canary"})
    assert "value-canary" not in str(err.value)


def test_input_errors_fail_the_task_without_retry():
    from airflow_provider_supabase.compat import AirflowFailException

    assert issubclass(SupabaseInputError, AirflowFailException)
