"""supabase_rotate_secrets over two projects: the first run, a second run the same day (changes nothing), and
the next day's run (rotates the generated keys)."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pendulum
import pytest

from .conftest import SMTP_PASSWORD, STRIPE_SECRET_KEY

DAG_ID = "supabase_rotate_secrets"
ROOT_KEY_VARIABLE = "supabase_rotation_root_key"
PINNED_CRON_SECRET = "cron-secret-pinned-by-hand"


def _values(state, ref):
    return {name: secret["value"] for name, secret in state["secrets"][ref].items()}


def _stored_variable(key):
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        found = session.scalars(select(Variable).where(Variable.key == key)).first()
        return None if found is None else found.val


@pytest.fixture(scope="module")
def rotated(examples):
    from airflow.models.variable import Variable

    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    Variable.delete(ROOT_KEY_VARIABLE)
    emulator = examples.emulator
    org = emulator.seed_organization("Acme")
    refs = [emulator.seed_project(name, org["slug"])["ref"] for name in ("acme-eu", "acme-us")]
    hook = SupabaseHook()
    for ref in refs:
        hook.create_secrets(
            ref, {"LEGACY_TOKEN": "left-over-token", "OPENAI_API_KEY": "sk-by-hand", "SITE_URL": "https://acme.test"}
        )
    hook.close()
    examples.set_variable("supabase_rotation_projects", refs)
    examples.set_variable("supabase_secret_cron_secret", PINNED_CRON_SECRET)

    first = examples.run(DAG_ID)
    after_first = emulator.state_snapshot()
    mark = len(emulator.requests)
    second = examples.run(DAG_ID)
    second_requests = [(r.method, r.path) for r in emulator.requests[mark:]]
    after_second = emulator.state_snapshot()
    next_day = examples.run(DAG_ID, run_after=pendulum.now("UTC") + timedelta(days=1))
    return SimpleNamespace(
        refs=refs,
        first=first,
        second=second,
        next_day=next_day,
        state=after_first,
        second_requests=second_requests,
        after_second=after_second,
        after_next_day=emulator.state_snapshot(),
        root_key=_stored_variable(ROOT_KEY_VARIABLE),
    )


def test_every_task_succeeds_with_one_mapped_sync_per_project(rotated):
    assert rotated.first.state == "success"
    assert rotated.first.task_states == {
        "projects_to_rotate": "success",
        "ensure_root_key": "success",
        "sync_secrets[0]": "success",
        "sync_secrets[1]": "success",
        "report": "success",
    }


def test_secrets_come_from_a_variable_and_a_connection(rotated):
    for ref in rotated.refs:
        values = _values(rotated.state, ref)
        assert (values["STRIPE_SECRET_KEY"], values["SMTP_PASSWORD"]) == (STRIPE_SECRET_KEY, SMTP_PASSWORD)


def test_generated_keys_are_strong_and_differ_between_projects(rotated):
    keys = [_values(rotated.state, ref)["INTERNAL_API_KEY"] for ref in rotated.refs]
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)
    assert keys[0] != keys[1]


def test_a_variable_pins_a_rotating_key(rotated):
    assert [_values(rotated.state, ref)["CRON_SECRET"] for ref in rotated.refs] == [PINNED_CRON_SECRET] * 2


def test_prune_deletes_unlisted_secrets_but_spares_the_keep_list(rotated):
    for ref in rotated.refs:
        assert sorted(_values(rotated.state, ref)) == [
            "CRON_SECRET",
            "INTERNAL_API_KEY",
            "OPENAI_API_KEY",
            "SITE_URL",
            "SMTP_PASSWORD",
            "STRIPE_SECRET_KEY",
        ]


def test_the_report_names_what_changed_in_each_project(rotated):
    changed = {
        "created": ["CRON_SECRET", "INTERNAL_API_KEY", "SMTP_PASSWORD", "STRIPE_SECRET_KEY"],
        "deleted": ["LEGACY_TOKEN"],
    }
    assert rotated.first.xcom("report") == {ref: changed for ref in rotated.refs}


def test_the_root_key_is_generated_once_and_stored_as_a_variable(rotated):
    assert re.fullmatch(r"[0-9a-f]{64}", rotated.root_key)
    assert rotated.first.xcom("ensure_root_key") == "generated"
    assert rotated.second.xcom("ensure_root_key") == "existing"


def test_a_second_run_the_same_day_only_lists_the_secrets_of_each_project(rotated):
    assert rotated.second.state == "success"
    assert sorted(rotated.second_requests) == sorted(("GET", f"/v1/projects/{ref}/secrets") for ref in rotated.refs)
    assert rotated.after_second["secrets"] == rotated.state["secrets"]
    assert rotated.second.xcom("report") == {ref: {} for ref in rotated.refs}


def test_the_next_days_run_rotates_only_the_generated_key(rotated):
    assert rotated.next_day.state == "success"
    assert rotated.next_day.xcom("report") == {ref: {"updated": ["INTERNAL_API_KEY"]} for ref in rotated.refs}
    for ref in rotated.refs:
        before, after = _values(rotated.state, ref), _values(rotated.after_next_day, ref)
        assert after["INTERNAL_API_KEY"] != before["INTERNAL_API_KEY"]
        assert {k: v for k, v in after.items() if k != "INTERNAL_API_KEY"} == {
            k: v for k, v in before.items() if k != "INTERNAL_API_KEY"
        }
