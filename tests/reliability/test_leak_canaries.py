"""Leak canaries: run the example provisioning and rotation DAGs (and the operators no example uses) with unique
secret values, then search every place a secret could surface: the whole console of the run (task logs are not
masked there), log files, every XCom, the rendered fields as stored (raw and through ``redact``), exception texts
and tracebacks, and ``repr`` of the hook and the operators. Every search must come back empty."""

from __future__ import annotations

import json
import pickle
import secrets
import shutil
import traceback
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks.supabase import SupabaseHook
from tests.conftest import set_connection
from tests.reliability._support import canary_hits, record

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = REPO / "example_dags"


def _canary(label: str) -> str:
    return f"canary-{label}-{secrets.token_hex(8)}"


def _canary_token() -> str:
    return "sbp_" + secrets.token_hex(20)


def _canary_root_key() -> str:
    return secrets.token_hex(32)


def _places(result, airflow_home: Path) -> dict[str, Any]:
    """Everything a DAG run leaves behind that a person or a log shipper could read."""
    from airflow.sdk._shared.secrets_masker import redact

    places: dict[str, Any] = {"console of the run": result.log}
    for (task, map_index, key), value in result.xcoms.items():
        places[f"xcom {task}[{map_index}].{key}"] = value
    for (task, map_index), fields in result.rendered.items():
        places[f"rendered fields {task}[{map_index}] as stored"] = fields
        places[f"rendered fields {task}[{map_index}] redacted"] = redact(fields)
    for path in sorted((airflow_home / "logs").rglob("*")):
        if path.is_file():
            places[f"log file {path.relative_to(airflow_home)}"] = path.read_text("utf-8", "replace")
    return places


def _searched(places: dict[str, Any], *markers: str) -> dict[str, Any]:
    """The places, after checking that the search does find known non-secret text in them (a search that cannot
    see the task logs or the rendered fields would report 0 leaks for the wrong reason)."""
    for marker in markers:
        assert canary_hits([marker], places), f"{marker!r} not found: the search does not see what it should"
    return places


def _example_dag(airflow_home: Path, name: str) -> str:
    # The provisioning DAG deploys the function shipped beside it: put it beside the copy that runs.
    shutil.copytree(EXAMPLE_DAGS / "functions", airflow_home / "dags" / "functions", dirs_exist_ok=True)
    return (EXAMPLE_DAGS / f"{name}.py").read_text()


def test_provisioning_dag_leaks_no_token_db_pass_or_secret(request, api, monkeypatch, run_dag, airflow_db, tmp_path):
    token, db_pass, stripe = _canary_token(), _canary("db-pass"), _canary("stripe")
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_SUPABASE_DB_PASSWORD", db_pass)
    monkeypatch.setenv("AIRFLOW_VAR_STRIPE_SECRET_KEY", stripe)

    result = run_dag(
        _example_dag(airflow_db, "supabase_provision_project"),
        "supabase_provision_project",
        run_conf={"types_output_path": str(tmp_path / "database.types.ts"), "custom_hostname": "api.canary.example"},
    )

    assert result.state == "success", result.task_states
    state = api.state_snapshot()
    [project] = state["projects"].values()
    # The canaries really went through the DAG to the API; otherwise finding none of them would prove nothing.
    assert project["db_pass"] == db_pass
    assert state["secrets"][project["ref"]]["STRIPE_SECRET_KEY"]["value"] == stripe
    assert {r.token for r in api.requests} == {token}
    places = _searched(_places(result, airflow_db), project["ref"], "STRIPE_SECRET_KEY", "***", "api.canary.example")
    hits = canary_hits([token, db_pass, stripe], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


def test_rotation_dag_leaks_no_token_root_key_or_secret_value(request, api, monkeypatch, run_dag, airflow_db):
    org = api.seed_organization("Acme")
    refs = [api.seed_project(name, org["slug"])["ref"] for name in ("acme-prod", "acme-staging")]
    token, root, stripe, smtp = _canary_token(), _canary("rotation-root"), _canary("stripe"), _canary("smtp")
    # Values only the API holds: kept (OPENAI_API_KEY) and pruned (LEGACY_TOKEN) by the sync.
    openai, legacy = _canary("openai"), _canary("legacy")
    hook = SupabaseHook()
    for ref in refs:
        hook.create_secrets(ref, {"OPENAI_API_KEY": openai, "LEGACY_TOKEN": legacy})
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_SUPABASE_ROTATION_PROJECTS", json.dumps(refs))
    monkeypatch.setenv("AIRFLOW_VAR_SUPABASE_ROTATION_ROOT_KEY", root)
    monkeypatch.setenv("AIRFLOW_VAR_STRIPE_SECRET_KEY", stripe)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({"conn_type": "smtp", "password": smtp}))

    result = run_dag(_example_dag(airflow_db, "supabase_rotate_secrets"), "supabase_rotate_secrets")

    assert result.state == "success", result.task_states
    state = api.state_snapshot()["secrets"]
    for ref in refs:
        assert state[ref]["STRIPE_SECRET_KEY"]["value"] == stripe and state[ref]["SMTP_PASSWORD"]["value"] == smtp
        assert "LEGACY_TOKEN" not in state[ref] and state[ref]["OPENAI_API_KEY"]["value"] == openai
    # The generated keys (HMAC of the root key) are secrets too: take them from what the API stored.
    generated = [state[ref][name]["value"] for ref in refs for name in ("INTERNAL_API_KEY", "CRON_SECRET")]
    places = _searched(_places(result, airflow_db), refs[0], refs[1], "INTERNAL_API_KEY", "***")
    hits = canary_hits([token, root, stripe, smtp, openai, legacy, *generated], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


def test_credentials_rotation_dag_leaks_no_api_key_private_jwk_or_password(
    request, api, monkeypatch, run_dag, airflow_db
):
    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    before = api.state_snapshot()["projects"][ref]
    # Values the operators read (revealed keys listed beside the rotated one) or make the API make.
    listed = [k["api_key"] for k in before["api_keys"] if k["type"] != "publishable" and k["name"] != "anon"]
    jwt_secret, old_password = before["postgrest_config"]["jwt_secret"], before["db_pass"]
    token = _canary_token()
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_SUPABASE_CREDENTIALS_PROJECT", ref)
    monkeypatch.delenv("AIRFLOW_VAR_SUPABASE_DB_PASSWORD", raising=False)
    source = _example_dag(airflow_db, "supabase_rotate_credentials")

    first = run_dag(source, "supabase_rotate_credentials", run_conf={"database_password": "now"})
    second = run_dag(source, "supabase_rotate_credentials", run_conf={"database_password": "skip"})

    assert (first.state, second.state) == ("success", "success"), (first.task_states, second.task_states)
    after = api.state_snapshot()["projects"][ref]
    [rotated] = [k["api_key"] for k in after["api_keys"] if k["name"].startswith("airflow_backend_")]
    private_parts = [
        value for key in after["signing_keys"] for name, value in key["private_jwk"].items() if name in ("d", "k")
    ]
    # Both runs really made secrets: the legacy import, then a standby key with its own private part.
    assert len(private_parts) == 2 and after["password_changes"] == 1
    places = {
        **{f"first run: {k}": v for k, v in _places(first, airflow_db).items()},
        **{f"second run: {k}": v for k, v in _places(second, airflow_db).items()},
    }
    _searched(places, ref, "airflow_backend_", "import_legacy", "create_standby")
    canaries = [token, rotated, after["db_pass"], old_password, jwt_secret, *private_parts, *listed]
    hits = canary_hits(canaries, places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


PASSWORD_DAG = """
from airflow_provider_supabase.operators.rotation import RotateDatabasePasswordOperator, VariableSink

RotateDatabasePasswordOperator(task_id="password", project_ref="{ref}", sinks=[VariableSink("canary_db_password")])
"""


def test_a_password_change_that_fails_half_way_leaks_the_pending_password_nowhere(
    request, api, monkeypatch, run_tasks, airflow_db
):
    from airflow.models import Variable

    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    token = _canary_token()
    set_connection(monkeypatch, api.url, token=token, max_retries=1)
    api.inject_fault("PATCH", "/v1/projects/{ref}/database/password", "status", status=500, times=10, message="boom")

    result = run_tasks(PASSWORD_DAG.format(ref=ref))

    assert result.task_states == {"password": "failed"}
    pending = Variable.get("canary_db_password_pending", default_var=None)
    assert pending and api.state_snapshot()["projects"][ref]["password_changes"] == 0
    places = _searched(_places(result, airflow_db), "Traceback", "boom", ref)
    hits = canary_hits([token, pending], places)
    record(request, leaks=len(hits), places=len(places))
    Variable.delete("canary_db_password_pending")
    assert hits == []


PGSODIUM_DAG = """
from airflow_provider_supabase.operators.pgsodium import UpdatePgsodiumRootKeyOperator

UpdatePgsodiumRootKeyOperator(
    task_id="rotate_root_key",
    project_ref="{ref}",
    root_key="{{{{ var.value.pgsodium_root_key }}}}",
    i_understand_data_loss=True,
)
"""


def test_pgsodium_root_key_change_leaks_neither_the_new_nor_the_old_key(
    request, api, monkeypatch, run_tasks, airflow_db
):
    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    old_key = api.state_snapshot()["pgsodium"][ref]["root_key"]
    token, new_key = _canary_token(), _canary_root_key()
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_PGSODIUM_ROOT_KEY", new_key)

    result = run_tasks(PGSODIUM_DAG.format(ref=ref))

    assert result.state == "success"
    assert api.state_snapshot()["pgsodium"][ref]["root_key"] == new_key
    places = _searched(_places(result, airflow_db), ref, "Updated the pgsodium root key", "***")
    hits = canary_hits([token, new_key, old_key], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


CONFIG_AND_KEYS_DAG = """
from airflow_provider_supabase.operators.api_keys import ExportApiKeysOperator
from airflow_provider_supabase.operators.config import UpdateProjectConfigOperator

UpdateProjectConfigOperator(
    task_id="config",
    project_ref="{ref}",
    auth={{"smtp_pass": "{{{{ var.value.smtp_pass }}}}", "external_github_secret": "{{{{ var.value.gh }}}}"}},
)
ExportApiKeysOperator(task_id="keys", project_ref="{ref}", variable_prefix="acme")
"""


def test_config_secrets_and_secret_api_keys_leak_nowhere(request, api, monkeypatch, run_tasks, airflow_db):
    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    secret_keys = [k["api_key"] for k in api.state_snapshot()["projects"][ref]["api_keys"] if k["name"] != "anon"]
    secret_keys = [k for k in secret_keys if not k.startswith("sb_publishable_")]
    token, smtp_pass, github_secret = _canary_token(), _canary("smtp-pass"), _canary("github-secret")
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_SMTP_PASS", smtp_pass)
    monkeypatch.setenv("AIRFLOW_VAR_GH", github_secret)

    result = run_tasks(CONFIG_AND_KEYS_DAG.format(ref=ref))

    assert result.state == "success"
    assert api.state_snapshot()["projects"][ref]["auth_config"]["smtp_pass"] == smtp_pass
    assert len(secret_keys) == 2 and result.xcom("keys")["variables"] == ["acme_default", "acme_service_role"]
    places = _searched(_places(result, airflow_db), ref, "auth.smtp_pass: (secret) set", "***")
    hits = canary_hits([token, smtp_pass, github_secret, *secret_keys], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


BRANCH_DAG = """
from airflow.sdk import XComArg, task

from airflow_provider_supabase.operators.branches import CreateBranchOperator, MergeBranchOperator, ResetBranchOperator

create = CreateBranchOperator(
    task_id="create",
    project_ref="{ref}",
    branch_name="feature-login",
    secrets={{"STRIPE_SECRET_KEY": "{{{{ var.value.stripe }}}}"}},
    poll_interval=0.1,
    deferrable=True,
)


@task
def connect(branch):
    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    detail = SupabaseHook().get_branch_config(branch["branch_id"])
    return {{"host": detail["db_host"], "port": detail["db_port"]}}


merge = MergeBranchOperator(task_id="merge", branch_id_or_ref="{{{{ ti.xcom_pull('create')['branch_id'] }}}}",
                            poll_interval=0.1, deferrable=True)
reset = ResetBranchOperator(task_id="reset", branch_id_or_ref="{{{{ ti.xcom_pull('create')['project_ref'] }}}}",
                            poll_interval=0.1)
connect(XComArg(create)) >> merge >> reset
"""


def test_branch_operators_leak_no_token_branch_secret_or_database_credentials(
    request, api, monkeypatch, run_tasks, airflow_db
):
    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    token, stripe = _canary_token(), _canary("branch-stripe")
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_STRIPE", stripe)

    result = run_tasks(BRANCH_DAG.format(ref=ref))

    assert result.state == "success", result.task_states
    state = api.state_snapshot()
    [branch] = [b for b in state["branches"].values() if not b["is_default"]]
    branch_ref = branch["project_ref"]
    # The canaries are real: the secret reached the branch, and its database credentials exist to be leaked.
    assert state["secrets"][branch_ref]["STRIPE_SECRET_KEY"]["value"] == stripe
    db_pass = state["projects"][branch_ref]["db_pass"]
    jwt_secret = state["projects"][branch_ref]["postgrest_config"]["jwt_secret"]
    places = _searched(_places(result, airflow_db), branch_ref, "feature-login", "***")
    hits = canary_hits([token, stripe, db_pass, jwt_secret], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


FAILING_DAG = """
from airflow_provider_supabase.operators.pgsodium import UpdatePgsodiumRootKeyOperator
from airflow_provider_supabase.operators.projects import CreateProjectOperator
from airflow_provider_supabase.operators.secrets import SyncSecretsOperator

SyncSecretsOperator(task_id="sync", project_ref="{ref}", secrets={{"API_KEY": "{{{{ var.value.api_key }}}}"}})
UpdatePgsodiumRootKeyOperator(
    task_id="root_key", project_ref="{ref}", root_key="{{{{ var.value.root_key }}}}", i_understand_data_loss=True
)
CreateProjectOperator(
    task_id="create", name="web", organization_slug="{org}", db_pass="{{{{ var.value.db_pass }}}}",
    region="eu-west-1",
)
"""


def test_failed_tasks_leak_nothing_in_their_errors_and_tracebacks(request, api, monkeypatch, run_tasks, airflow_db):
    org = api.seed_organization("Acme")["slug"]
    ref = api.seed_project("acme-prod", org)["ref"]
    token, api_key, root_key, db_pass = _canary_token(), _canary("api-key"), _canary_root_key(), _canary("db-pass")
    set_connection(monkeypatch, api.url, token=token, max_retries=1)
    for name, value in (("API_KEY", api_key), ("ROOT_KEY", root_key), ("DB_PASS", db_pass)):
        monkeypatch.setenv(f"AIRFLOW_VAR_{name}", value)
    for method, path in (
        ("POST", "/v1/projects/{ref}/secrets"),
        ("PUT", "/v1/projects/{ref}/pgsodium"),
        ("POST", "/v1/projects"),
    ):
        api.inject_fault(method, path, "status", status=500, times=10, message="internal error")

    result = run_tasks(FAILING_DAG.format(ref=ref, org=org))

    assert result.task_states == {"sync": "failed", "root_key": "failed", "create": "failed"}
    assert result.log.count("SupabaseApiError") >= 3  # the tracebacks are there to be searched
    places = _searched(_places(result, airflow_db), "Traceback", "internal error", "***")
    hits = canary_hits([token, api_key, root_key, db_pass], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


def _error_texts(err: BaseException) -> dict[str, Any]:
    return {
        "str": str(err),
        "repr": repr(err),
        "args": err.args,
        "traceback": "".join(traceback.format_exception(err)),
        "pickled and restored": str(pickle.loads(pickle.dumps(err))),
        "retry log reason": getattr(err, "retry_reason", ""),
    }


SECRET = _canary("value")
TOKEN = _canary_token()
ROOT_KEY = _canary_root_key()

# case -> (the call, given a hook; how the emulator misbehaves first (None: a bad input refused locally))
FAILING_CALLS: dict[str, tuple[Any, Any]] = {
    "secrets upsert, API outage": (lambda h, c: h.create_secrets(c["ref"], {"API_KEY": SECRET}), {"status": 503}),
    "secrets upsert, dropped connections": (lambda h, c: h.create_secrets(c["ref"], {"API_KEY": SECRET}), "drop"),
    "secrets upsert, reserved name beside a secret": (
        lambda h, c: h.create_secrets(c["ref"], {"API_KEY": SECRET, "SUPABASE_URL": SECRET}),
        None,
    ),
    "secrets upsert, non-string value beside a secret": (
        lambda h, c: h.create_secrets(c["ref"], {"API_KEY": SECRET, "PORT": 1}),
        None,
    ),
    "project create, API outage": (
        lambda h, c: h.create_project("web", organization_slug=c["org"], db_pass=SECRET, region="eu-west-1"),
        {"status": 500},
    ),
    "project create, bad region": (
        lambda h, c: h.create_project("web", organization_slug=c["org"], db_pass=SECRET, region="mars-1"),
        None,
    ),
    "root key update, API outage": (lambda h, c: h.update_pgsodium_config(c["ref"], ROOT_KEY), {"status": 502}),
    "root key update, secret that is not a key": (lambda h, c: h.update_pgsodium_config(c["ref"], SECRET), None),
    "any call, token refused": (lambda h, c: h.list_projects(), {"status": 401}),
    "password change, API outage": (lambda h, c: h.update_database_password(c["ref"], SECRET), {"status": 503}),
    "password change, password too short": (lambda h, c: h.update_database_password(c["ref"], SECRET[:3]), None),
    "signing key import, API outage": (
        lambda h, c: h.create_signing_key(c["ref"], "ES256", private_jwk={"kty": "EC", "d": SECRET}),
        {"status": 500},
    ),
    "signing key import, JWK without a key type": (
        lambda h, c: h.create_signing_key(c["ref"], "ES256", private_jwk={"d": SECRET}),
        None,
    ),
}


@pytest.mark.parametrize("case", list(FAILING_CALLS))
def test_errors_carry_no_secret_value_or_token(request, api, monkeypatch, case):
    call, fault = FAILING_CALLS[case]
    org = api.seed_organization("Acme")["slug"]
    ctx = {"org": org, "ref": api.seed_project("acme-prod", org)["ref"]}
    set_connection(monkeypatch, api.url, token=TOKEN, max_retries=1)
    if fault == "drop":
        api.inject_fault("*", "*", "drop", times=10)
    elif fault is not None:
        api.inject_fault("*", "*", "status", times=10, **fault)

    with pytest.raises((SupabaseApiError, SupabaseInputError)) as raised:
        call(SupabaseHook(), ctx)

    hits = canary_hits([SECRET, TOKEN, ROOT_KEY], _error_texts(raised.value))
    record(request, leaks=len(hits))
    assert hits == []


def test_repr_of_hook_and_operators_holding_secrets_shows_none(request, api, monkeypatch):
    from airflow_provider_supabase.operators.pgsodium import UpdatePgsodiumRootKeyOperator
    from airflow_provider_supabase.operators.projects import CreateProjectOperator
    from airflow_provider_supabase.operators.secrets import SyncSecretsOperator

    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    set_connection(monkeypatch, api.url, token=TOKEN)
    hook = SupabaseHook()
    hook.list_secrets(ref)  # connected: settings (with the token) and session exist
    operators = [
        SyncSecretsOperator(task_id="sync", project_ref=ref, secrets={"API_KEY": SECRET}),
        UpdatePgsodiumRootKeyOperator(task_id="key", project_ref=ref, root_key=ROOT_KEY, i_understand_data_loss=True),
        CreateProjectOperator(
            task_id="create", name="web", organization_slug="acme", db_pass=SECRET, region="eu-west-1"
        ),
    ]
    for operator in operators:
        operator.hook.list_secrets(ref)
    places = {
        "repr(hook)": repr(hook),
        "str(hook)": str(hook),
        "repr(hook.settings)": repr(hook.settings),
        **{f"repr({op.task_id})": repr(op) for op in operators},
        **{f"str({op.task_id})": str(op) for op in operators},
        **{f"repr({op.task_id}.hook)": repr(op.hook) for op in operators},
    }

    hits = canary_hits([SECRET, TOKEN, ROOT_KEY], places)
    record(request, leaks=len(hits))
    assert hits == []


def test_full_provisioning_dag_leaks_no_token_smtp_password_or_secret_api_key(
    request, api, monkeypatch, run_dag, airflow_db
):
    token, db_pass, stripe, smtp = _canary_token(), _canary("db-pass"), _canary("stripe"), _canary("smtp-pass")
    set_connection(monkeypatch, api.url, token=token)
    monkeypatch.setenv("AIRFLOW_VAR_SUPABASE_DB_PASSWORD", db_pass)
    monkeypatch.setenv("AIRFLOW_VAR_STRIPE_SECRET_KEY", stripe)
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps({"conn_type": "smtp", "host": "smtp.example.com", "login": "postmaster", "password": smtp}),
    )
    shutil.copytree(EXAMPLE_DAGS / "supabase", airflow_db / "dags" / "supabase", dirs_exist_ok=True)

    result = run_dag(_example_dag(airflow_db, "supabase_provision_full"), "supabase_provision_full")

    assert result.state == "success", result.task_states
    [project] = api.state_snapshot()["projects"].values()
    ref = project["ref"]
    # The canaries really reached the API, and the secret API keys really went to Variables.
    assert project["db_pass"] == db_pass and project["auth_config"]["smtp_pass"] == smtp
    assert api.state_snapshot()["secrets"][ref]["SMTP_PASSWORD"]["value"] == smtp
    secret_keys = [k["api_key"] for k in project["api_keys"] if k["type"] == "secret" or k["name"] == "service_role"]
    assert len(secret_keys) == 2 and len(result.xcom("export_api_keys")["variables"]) == 2
    places = _searched(_places(result, airflow_db), ref, "auth.smtp_pass: (secret) set", "profiles", "***")
    hits = canary_hits([token, db_pass, stripe, smtp, *secret_keys], places)
    record(request, leaks=len(hits), places=len(places))
    assert hits == []


QUERY_DAG = """
from airflow_provider_supabase.operators.database import RunQueryOperator

RunQueryOperator(task_id="to_xcom", project_ref="{ref}", sql="select owner, token from public.vault")
RunQueryOperator(
    task_id="to_file", project_ref="{ref}", sql="select owner, token from public.vault", output_path="{path}"
)
RunQueryOperator(
    task_id="too_many_rows", project_ref="{ref}", sql="select owner, token from public.vault", max_rows=0
)
RunQueryOperator(
    task_id="too_big_for_xcom", project_ref="{ref}", sql="select owner, token from public.vault", max_xcom_bytes=8
)
RunQueryOperator(
    task_id="refused_by_the_database", project_ref="{ref}", sql="insert into public.vault select * from public.vault"
)
"""


def test_query_results_reach_only_the_xcom_or_file_they_were_asked_for(
    request, api, monkeypatch, run_tasks, airflow_db, tmp_path
):
    """Rows are data the user asked for: a RunQueryOperator without ``output_path`` returns them as its XCom (that
    is its contract; a demanding user who selects secrets writes them to ``output_path`` or selects less), and
    with ``output_path`` only the file holds them. Beyond that, a value from the database must surface nowhere:
    not in a log line, not in a rendered field, not in the error of a task that refused the rows (too many, too
    large for XCom) or whose SQL the database refused, although PostgreSQL's DETAIL quotes the row it rejects."""
    ref = api.seed_project("acme-prod", api.seed_organization("Acme")["slug"])["ref"]
    token, secret = _canary_token(), _canary("db-row")
    hook = SupabaseHook()
    hook.run_query(ref, "create table public.vault (owner text, token text unique)")
    hook.run_query(ref, "insert into public.vault values ('ops', $1)", parameters=[secret])
    hook.close()
    set_connection(monkeypatch, api.url, token=token)
    path = tmp_path / "vault.jsonl"

    result = run_tasks(QUERY_DAG.format(ref=ref, path=path))

    assert result.task_states == {
        "to_xcom": "success",
        "to_file": "success",
        "too_many_rows": "failed",
        "too_big_for_xcom": "failed",
        "refused_by_the_database": "failed",
    }
    assert result.xcom("to_xcom") == [{"owner": "ops", "token": secret}]
    assert json.loads(path.read_text()) == {"owner": "ops", "token": secret}
    places = _searched(_places(result, airflow_db), ref, "returned 1 rows", "duplicate key value", "Traceback")
    hits = canary_hits([token, secret], places)
    record(request, leaks=len([h for h in hits if h[0] != "xcom to_xcom[-1].return_value"]), places=len(places))
    assert hits == [("xcom to_xcom[-1].return_value", secret[:6] + "...")]
