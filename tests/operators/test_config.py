"""UpdateProjectConfigOperator in real DAG runs: only differences are sent, secrets by digest and masked."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.config import UpdateProjectConfigOperator
from tests.operators.masking import assert_never_leaked

IMPORTS = "from airflow_provider_supabase.operators.config import UpdateProjectConfigOperator"
SMTP_CANARY = "smtp-canary-7c1e5a90"


def _update(ref: str, **sections) -> str:
    args = {"task_id": "config", "project_ref": ref, **sections}
    return f"UpdateProjectConfigOperator(**{args!r})"


def _writes(emulator) -> list:
    return [r for r in emulator.requests if r.method in ("PATCH", "PUT")]


def test_only_the_settings_that_differ_are_sent(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.update_auth_config(ref, {"site_url": "https://app.example.com"})
    before = len(emulator.requests)

    result = run_tasks(_update(ref, auth={"site_url": "https://app.example.com", "jwt_exp": 7200}), imports=IMPORTS)

    assert result.xcom("config") == {"auth": ["jwt_exp"], "postgrest": [], "postgres": [], "restarts_database": False}
    assert [(r.method, r.json) for r in emulator.requests[before:] if r.method != "GET"] == [
        ("PATCH", {"jwt_exp": 7200})
    ]
    assert hook.get_auth_config(ref)["jwt_exp"] == 7200


def test_an_unchanged_config_costs_one_read_per_section_and_no_write(run_tasks, emulator, hook, project):
    ref = project["ref"]
    sections = {
        "auth": {"site_url": "https://app.example.com"},
        "postgrest": {"max_rows": 500},
        "postgres": {"statement_timeout": "60s"},
    }
    run_tasks(_update(ref, **sections), imports=IMPORTS)
    before = len(emulator.requests)

    result = run_tasks(_update(ref, **sections), imports=IMPORTS)

    assert result.xcom("config") == {"auth": [], "postgrest": [], "postgres": [], "restarts_database": False}
    assert sorted(r.template for r in emulator.requests[before:]) == sorted(
        [
            "/v1/projects/{ref}/config/auth",
            "/v1/projects/{ref}/postgrest",
            "/v1/projects/{ref}/config/database/postgres",
        ]
    )
    assert "nothing to change" in result.log


def test_a_secret_setting_already_set_is_recognised_by_its_digest_and_not_resent(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.update_auth_config(ref, {"smtp_pass": SMTP_CANARY})
    before = len(_writes(emulator))

    result = run_tasks(_update(ref, auth={"smtp_pass": SMTP_CANARY}), imports=IMPORTS)

    assert result.xcom("config")["auth"] == []
    assert len(_writes(emulator)) == before


def test_a_changed_secret_setting_is_sent_and_never_shown(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(_update(ref, auth={"smtp_pass": SMTP_CANARY, "smtp_user": "mailer"}), imports=IMPORTS)

    assert result.xcom("config")["auth"] == ["smtp_pass", "smtp_user"]
    assert emulator.state_snapshot()["projects"][ref]["auth_config"]["smtp_pass"] == SMTP_CANARY
    assert "auth.smtp_pass: (secret) set" in result.log
    assert "auth.smtp_user: None -> 'mailer'" in result.log
    assert_never_leaked(result, SMTP_CANARY)


def test_a_postgres_change_that_restarts_the_database_is_warned_about(run_tasks, emulator, project):
    result = run_tasks(_update(project["ref"], postgres={"max_connections": 200, "work_mem": "8MB"}), imports=IMPORTS)

    assert result.xcom("config") == {
        "auth": [],
        "postgrest": [],
        "postgres": ["max_connections", "work_mem"],
        "restarts_database": True,
    }
    assert "Changing max_connections restarts the project's database" in result.log


def test_a_dry_run_reports_the_changes_and_sends_nothing(run_tasks, emulator, project):
    result = run_tasks(_update(project["ref"], postgrest={"max_rows": 10}, dry_run=True), imports=IMPORTS)

    assert result.xcom("config")["postgrest"] == ["max_rows"]
    assert _writes(emulator) == []
    assert "dry run: nothing sent" in result.log


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ({"auth": {"site_ur1": "https://x.example.com"}}, "auth.site_ur1"),
        ({"postgrest": {"jwt_secret": "x"}}, "postgrest.jwt_secret"),
        ({"postgres": {"max_rows": 10}}, "postgres.max_rows"),
        ({"auth": ["site_url"]}, "auth"),
    ],
)
def test_an_unknown_setting_is_refused_by_name_before_any_request(emulator, project, sections, field):
    op = UpdateProjectConfigOperator(task_id="config", project_ref=project["ref"], **sections)

    with pytest.raises(SupabaseInputError, match=rf"Invalid {field}\b"):
        op.execute({})

    assert emulator.request_count() == 0
