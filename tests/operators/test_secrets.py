"""SyncSecretsOperator in real DAG runs: minimal requests, pruning, dry runs, masking, mapping."""

from __future__ import annotations

import uuid

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.secrets import SyncSecretsOperator
from tests.operators.masking import assert_never_leaked

IMPORTS = "from airflow_provider_supabase.operators.secrets import SyncSecretsOperator"


def _sync(ref: str, secrets: dict | str, **extra) -> str:
    args = {"task_id": "sync", "project_ref": ref, **extra}
    shown = secrets if isinstance(secrets, str) else repr(secrets)
    return f"SyncSecretsOperator(secrets={shown}, **{args!r})"


def _stored(emulator, ref: str) -> dict[str, str]:
    return {name: s["value"] for name, s in emulator.state_snapshot()["secrets"][ref].items()}


def test_creates_new_updates_changed_and_leaves_unchanged(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_secrets(ref, {"SAME": "same-value", "ROTATED": "old-value"})
    before = emulator.request_count()

    result = run_tasks(
        _sync(ref, {"SAME": "same-value", "ROTATED": "new-value", "ADDED": "added-value"}), imports=IMPORTS
    )

    assert result.xcom("sync") == {"created": ["ADDED"], "updated": ["ROTATED"], "deleted": [], "unchanged": ["SAME"]}
    assert _stored(emulator, ref) == {"SAME": "same-value", "ROTATED": "new-value", "ADDED": "added-value"}
    posted = emulator.requests[-1]
    assert (posted.method, sorted(s["name"] for s in posted.json)) == ("POST", ["ADDED", "ROTATED"])
    assert emulator.request_count() - before == 2


def test_nothing_changed_costs_a_single_request(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_secrets(ref, {"A_KEY": "value-a", "B_KEY": "value-b"})
    before = emulator.request_count()

    result = run_tasks(_sync(ref, {"A_KEY": "value-a", "B_KEY": "value-b"}), imports=IMPORTS)

    assert result.xcom("sync") == {"created": [], "updated": [], "deleted": [], "unchanged": ["A_KEY", "B_KEY"]}
    assert emulator.request_count() - before == 1


def test_prune_deletes_unlisted_secrets_except_kept_ones_in_one_request(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_secrets(ref, {"OLD": "old-value", "MANUAL": "manual-value", "A_KEY": "value-a"})
    before = emulator.request_count()

    result = run_tasks(
        _sync(ref, {"A_KEY": "value-a2", "NEW": "new-value"}, prune=True, keep=["MANUAL"]), imports=IMPORTS
    )

    assert result.xcom("sync") == {"created": ["NEW"], "updated": ["A_KEY"], "deleted": ["OLD"], "unchanged": []}
    assert set(_stored(emulator, ref)) == {"A_KEY", "NEW", "MANUAL"}
    assert emulator.request_count() - before == 3
    assert emulator.request_count("DELETE") == 1


def test_without_prune_unlisted_secrets_stay(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_secrets(ref, {"OLD": "old-value"})

    result = run_tasks(_sync(ref, {"NEW": "new-value"}), imports=IMPORTS)

    assert result.xcom("sync")["deleted"] == []
    assert set(_stored(emulator, ref)) == {"OLD", "NEW"}


def test_summary_table_lists_names_and_actions(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_secrets(ref, {"KEEP_AS_IS": "value-1"})

    result = run_tasks(_sync(ref, {"KEEP_AS_IS": "value-1", "BRAND_NEW": "value-2"}), imports=IMPORTS)

    assert "BRAND_NEW   created" in result.log
    assert "KEEP_AS_IS  unchanged" in result.log


def test_dry_run_reports_the_plan_and_changes_nothing(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_secrets(ref, {"OLD": "old-value"})

    result = run_tasks(_sync(ref, {"NEW": "new-value"}, prune=True, dry_run=True), imports=IMPORTS)

    assert result.xcom("sync") == {"created": ["NEW"], "updated": [], "deleted": ["OLD"], "unchanged": []}
    assert _stored(emulator, ref) == {"OLD": "old-value"}
    assert emulator.request_count("POST") == 1 and emulator.request_count("DELETE") == 0  # the setup's POST
    assert "dry run" in result.log


def test_values_from_variables_are_masked_in_rendered_fields_logs_and_xcom(run_tasks, emulator, project, monkeypatch):
    # Names that do not look sensitive: masking must not depend on the secret's name.
    canary_a, canary_b = (f"canary-{uuid.uuid4().hex}" for _ in range(2))
    monkeypatch.setenv("AIRFLOW_VAR_WEBHOOK_URL", canary_a)
    monkeypatch.setenv("AIRFLOW_VAR_REGION_NAME", canary_b)
    secrets = '{"WEBHOOK_URL": "{{ var.value.webhook_url }}", "REGION_NAME": "{{ var.value.region_name }}"}'

    result = run_tasks(_sync(project["ref"], secrets), imports=IMPORTS)

    assert result.state == "success"
    assert _stored(emulator, project["ref"]) == {"WEBHOOK_URL": canary_a, "REGION_NAME": canary_b}
    assert result.rendered[("sync", -1)]["secrets"] == {"REGION_NAME": "***", "WEBHOOK_URL": "***"}
    assert_never_leaked(result, canary_a, canary_b)


def test_values_given_as_a_list_of_name_value_pairs_are_masked(run_tasks, emulator, project):
    canary = f"literal-{uuid.uuid4().hex}"

    result = run_tasks(_sync(project["ref"], [{"name": "PLAIN", "value": canary}]), imports=IMPORTS)

    assert result.xcom("sync")["created"] == ["PLAIN"]
    assert_never_leaked(result, canary)


def test_mapped_over_two_projects_syncs_each_and_masks_each(run_tasks, emulator, org, project):
    other = emulator.seed_project("acme-staging", org["slug"])
    canary = f"mapped-{uuid.uuid4().hex}"
    tasks = f"""
    SyncSecretsOperator.partial(task_id="sync", secrets={{"API_KEY": {canary!r}}}).expand(
        project_ref=[{project["ref"]!r}, {other["ref"]!r}]
    )
    """

    result = run_tasks(tasks, imports=IMPORTS)

    assert result.mapped_xcoms("sync") == [{"created": ["API_KEY"], "updated": [], "deleted": [], "unchanged": []}] * 2
    assert _stored(emulator, project["ref"]) == _stored(emulator, other["ref"]) == {"API_KEY": canary}
    assert result.rendered[("sync", 0)]["secrets"] == result.rendered[("sync", 1)]["secrets"] == {"API_KEY": "***"}
    assert_never_leaked(result, canary)


def test_dropped_bulk_post_is_retried_to_the_same_state(run_tasks, emulator, project):
    emulator.inject_fault("POST", "/v1/projects/{ref}/secrets", "drop_after")

    result = run_tasks(_sync(project["ref"], {"API_KEY": "value-123456"}), imports=IMPORTS)

    assert result.state == "success"
    assert _stored(emulator, project["ref"]) == {"API_KEY": "value-123456"}


def test_reserved_secrets_are_never_pruned(run_tasks, emulator, project):
    # The real API lists its own SUPABASE_* secrets; pruning must not try to delete them.
    emulator.seed_secrets(project["ref"], {"SUPABASE_URL": "https://x.supabase.co", "OLD": "old-value"})

    result = run_tasks(_sync(project["ref"], {}, prune=True), imports=IMPORTS)

    assert result.xcom("sync")["deleted"] == ["OLD"]
    assert set(_stored(emulator, project["ref"])) == {"SUPABASE_URL"}


@pytest.mark.parametrize(
    ("secrets", "field"),
    [
        ({"SUPABASE_URL": "value-123"}, "secrets name"),
        ({"": "value-123"}, "secrets name"),
        ({"API_KEY": 12345}, "secrets['API_KEY']"),
        ("API_KEY=value", "secrets"),
    ],
)
def test_bad_secrets_are_refused_before_any_request(emulator, project, secrets, field):
    op = SyncSecretsOperator(task_id="sync", project_ref=project["ref"], secrets=secrets)

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert "value-123" not in str(err.value) and "12345" not in str(err.value)
    assert emulator.request_count() == 0


def test_refused_secret_fails_the_task_before_any_request(run_tasks, emulator, project):
    result = run_tasks(_sync(project["ref"], {"SUPABASE_ANON_KEY": "value-123456"}), imports=IMPORTS)

    assert result.task_states["sync"] == "failed"
    assert "starts with SUPABASE_" in result.log
    assert emulator.request_count() == 0
