"""supabase_provision_full, run end to end twice against the emulator and its real PostgreSQL: what the first run
builds (schema, ledger, auth config, keys, secrets, functions, domain), and that the second changes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from airflow_provider_supabase.hooks.supabase import SupabaseHook

from .conftest import EXAMPLE_DAGS, SMTP_LOGIN, SMTP_PASSWORD, STRIPE_SECRET_KEY

DAG_ID = "supabase_provision_full"
MIGRATIONS = sorted(p.name for p in (EXAMPLE_DAGS / "supabase" / "migrations").glob("*.sql"))
VERSIONS = [name.split("_", 1)[0] for name in MIGRATIONS]
CONF = {
    "organization_name": "Globex",
    "project_name": "globex-app",
    "region": "eu-central-1",
    "site_url": "https://app.globex.example",
    "custom_hostname": "api.globex.example",
}


@pytest.fixture(scope="module")
def provisioned(examples):
    first = examples.run(DAG_ID, run_conf=CONF)
    after_first = examples.emulator.state_snapshot()
    ref = first.xcom("create_project")["ref"]
    mark = len(examples.emulator.requests)
    second = examples.run(DAG_ID, run_conf=CONF)
    second_mutations = examples.mutations_since(mark)
    hook = SupabaseHook()
    try:
        ledger = hook.run_query(
            ref, "select version, name from supabase_migrations.schema_migrations order by 1", read_only=True
        )
    finally:
        hook.close()
    return SimpleNamespace(
        first=first,
        second=second,
        state=after_first,
        again=examples.emulator.state_snapshot(),
        second_mutations=second_mutations,
        ref=ref,
        ledger=ledger,
    )


def test_every_task_succeeds(provisioned):
    assert provisioned.first.state == "success"
    assert provisioned.first.task_states == dict.fromkeys(
        [
            "create_organization",
            "create_project",
            "wait_for_project",
            "apply_migrations",
            "read_back_tables",
            "configure_project",
            "export_api_keys",
            "sync_secrets",
            "deploy_functions[0]",
            "deploy_functions[1]",
            "initialize_custom_hostname",
            "wait_for_custom_hostname",
            "activate_custom_hostname",
        ],
        "success",
    )


def test_every_migration_file_is_applied_and_recorded_in_the_cli_ledger(provisioned):
    assert provisioned.first.xcom("apply_migrations") == {"applied": VERSIONS, "pending": [], "skipped": []}
    assert provisioned.ledger == [
        {"version": name.split("_", 1)[0], "name": name.split("_", 1)[1].removesuffix(".sql")} for name in MIGRATIONS
    ]


def test_the_tables_the_migrations_made_are_read_back(provisioned):
    assert provisioned.first.xcom("read_back_tables") == [
        {
            "table_name": "profiles",
            "columns": "id uuid, username text, updated_at timestamp with time zone, avatar_url text",
        }
    ]


def test_auth_is_configured_as_code_with_the_smtp_server_of_the_connection(provisioned):
    project = provisioned.state["projects"][provisioned.ref]
    auth = project["auth_config"]
    assert {k: auth[k] for k in ("site_url", "uri_allow_list", "disable_signup", "mailer_autoconfirm")} == {
        "site_url": "https://app.globex.example",
        "uri_allow_list": "https://app.globex.example/**",
        "disable_signup": False,
        "mailer_autoconfirm": False,
    }
    assert (auth["smtp_host"], auth["smtp_port"], auth["smtp_user"], auth["smtp_pass"]) == (
        "smtp.example.com",
        "587",
        SMTP_LOGIN,
        SMTP_PASSWORD,
    )
    assert project["postgrest_config"]["max_rows"] == 1000
    changed = provisioned.first.xcom("configure_project")
    assert "smtp_pass" in changed["auth"] and changed["restarts_database"] is False


def test_publishable_keys_go_to_xcom_and_secret_keys_only_to_variables(provisioned):
    from airflow.models.variable import Variable

    keys = {(k["type"], k["name"]): k["api_key"] for k in provisioned.state["projects"][provisioned.ref]["api_keys"]}
    exported = provisioned.first.xcom("export_api_keys")
    assert exported["publishable"] == {"default": keys["publishable", "default"], "anon": keys["legacy", "anon"]}
    prefix = f"supabase_{provisioned.ref}"
    assert exported["variables"] == [f"{prefix}_default", f"{prefix}_service_role"]
    assert Variable.get(f"{prefix}_default") == keys["secret", "default"]
    assert Variable.get(f"{prefix}_service_role") == keys["legacy", "service_role"]


def test_functions_get_their_secrets_and_are_deployed(provisioned):
    secrets = provisioned.state["secrets"][provisioned.ref]
    assert {name: s["value"] for name, s in secrets.items()} == {
        "SITE_URL": "https://app.globex.example",
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "SMTP_PASSWORD": SMTP_PASSWORD,
    }
    functions = provisioned.state["functions"][provisioned.ref]
    assert {slug: (f["version"], f["verify_jwt"]) for slug, f in functions.items()} == {
        "hello-world": (1, True),
        "send-welcome-email": (1, True),
    }
    assert functions["send-welcome-email"]["files"].keys() == {"index.ts", "template.ts"}


def test_the_custom_hostname_ends_active(provisioned):
    hostname = provisioned.state["hostnames"][provisioned.ref]
    assert (hostname["custom_hostname"], hostname["status"]) == ("api.globex.example", "5_services_reconfigured")


def test_a_second_run_only_reads(provisioned):
    assert provisioned.second.state == "success"
    assert provisioned.second.xcom("create_project")["created"] is False
    assert provisioned.second.xcom("apply_migrations") == {"applied": [], "pending": [], "skipped": VERSIONS}
    assert provisioned.second.xcom("configure_project") == {
        "auth": [],
        "postgrest": [],
        "postgres": [],
        "restarts_database": False,
    }
    assert [d["deployed"] for d in provisioned.second.mapped_xcoms("deploy_functions")] == [False, False]
    assert provisioned.second.xcom("read_back_tables") == provisioned.first.xcom("read_back_tables")
    # The only POSTs are SQL that reads: the ledger (one request, nothing pending) and the tables.
    base = f"/v1/projects/{provisioned.ref}/database"
    assert sorted(provisioned.second_mutations) == [("POST", f"{base}/query"), ("POST", f"{base}/query/read-only")]
    # The SMTP password was compared by its digest (the API answers no password), not resent.
    assert (
        provisioned.again["projects"][provisioned.ref]["auth_config"]
        == provisioned.state["projects"][provisioned.ref]["auth_config"]
    )
    assert provisioned.again["secrets"] == provisioned.state["secrets"]
    assert provisioned.again["functions"] == provisioned.state["functions"]
