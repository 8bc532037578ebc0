"""supabase_rotate_credentials on one project: the first run (key rotated, legacy secret imported, password
changed), a second run the same day (key kept, next signing step, no password change), and a run a week later
(key rotated again, standby promoted); no key in use is ever deleted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from airflow_provider_supabase.hooks.supabase import SupabaseHook

DAG_ID = "supabase_rotate_credentials"
WEEK = 7 * 86400


def _stored_variable(key):
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        found = session.scalars(select(Variable).where(Variable.key == key)).first()
        return None if found is None else found.val


def _keys(state, ref):
    return {k["name"]: k for k in state["projects"][ref]["api_keys"] if k["name"].startswith("airflow_backend_")}


def _signing(state, ref):
    return {k["id"]: k["status"] for k in state["projects"][ref]["signing_keys"]}


@pytest.fixture(scope="module")
def rotated(examples):
    emulator = examples.emulator
    # The password sink writes this Variable: one defined in the environment could not be overwritten.
    examples.monkeypatch.delenv("AIRFLOW_VAR_SUPABASE_DB_PASSWORD", raising=False)
    org = emulator.seed_organization("Acme")
    ref = emulator.seed_project("acme-credentials", org["slug"])["ref"]
    examples.set_variable("supabase_credentials_project", ref)

    first = examples.run(DAG_ID, run_conf={"database_password": "now"})
    after_first = emulator.state_snapshot()
    second = examples.run(DAG_ID, run_conf={"database_password": "skip"})
    after_second = emulator.state_snapshot()
    project = after_second["projects"][ref]
    hook = SupabaseHook()
    for key in project["api_keys"]:
        if key["name"].startswith("airflow_backend_"):
            # A key made a week ago: its name carries that week's stamp too.
            stamp = (datetime.now(timezone.utc) - timedelta(seconds=WEEK)).strftime("%Y%m%d%H%M")
            hook.update_api_key(ref, key["id"], {"name": f"airflow_backend_{stamp}"})
            emulator.age_api_key(ref, key["id"], WEEK)
    hook.close()
    for key in project["signing_keys"]:
        emulator.age_signing_key(ref, key["id"], WEEK)
    week_later = examples.run(DAG_ID, run_conf={"database_password": "skip"})
    return SimpleNamespace(
        ref=ref,
        first=first,
        second=second,
        week_later=week_later,
        after_first=after_first,
        after_second=after_second,
        after_week=emulator.state_snapshot(),
    )


def test_every_run_succeeds(rotated):
    assert rotated.first.task_states == {
        "rotate_api_key": "success",
        "signing_key_step": "success",
        "password_due": "success",
        "rotate_database_password": "success",
    }
    assert rotated.second.state == "success" and rotated.second.task_states["rotate_database_password"] == "skipped"
    assert rotated.week_later.state == "success"


def test_the_first_run_rotates_the_key_into_the_function_secret_and_the_variable(rotated):
    [key] = _keys(rotated.after_first, rotated.ref).values()
    assert rotated.first.xcom("rotate_api_key")["step"] == "rotated"
    assert rotated.after_first["secrets"][rotated.ref]["BACKEND_SECRET_KEY"]["value"] == key["api_key"]
    assert _stored_variable("supabase_backend_secret_key") is not None


def test_the_first_run_imports_the_legacy_secret_and_changes_the_password(rotated):
    assert rotated.first.xcom("signing_key_step")["step"] == "import_legacy"
    project = rotated.after_first["projects"][rotated.ref]
    assert project["password_changes"] == 1 and len(project["db_pass"]) == 32
    assert rotated.first.xcom("rotate_database_password")["step"] == "rotated"


def test_a_second_run_the_same_day_takes_a_different_step_and_rotates_nothing_twice(rotated):
    assert rotated.second.xcom("rotate_api_key")["step"] == "kept"
    assert rotated.second.xcom("signing_key_step")["step"] == "create_standby"
    assert _keys(rotated.after_second, rotated.ref).keys() == _keys(rotated.after_first, rotated.ref).keys()
    assert rotated.after_second["projects"][rotated.ref]["password_changes"] == 1


def test_a_week_later_the_key_is_rotated_and_the_standby_promoted(rotated):
    assert rotated.week_later.xcom("rotate_api_key")["step"] == "rotated"
    assert rotated.week_later.xcom("signing_key_step")["step"] == "promote"
    new_key = rotated.week_later.xcom("rotate_api_key")["key"]
    assert (
        rotated.after_week["secrets"][rotated.ref]["BACKEND_SECRET_KEY"]["value"]
        == (_keys(rotated.after_week, rotated.ref)[new_key]["api_key"])
    )


def test_no_key_in_use_was_ever_deleted(rotated):
    # The first key is still there a week later: its two-day grace starts when the new key is made.
    first_ids = {k["id"] for k in _keys(rotated.after_first, rotated.ref).values()}
    assert first_ids <= {k["id"] for k in _keys(rotated.after_week, rotated.ref).values()}
    assert rotated.after_week["projects"][rotated.ref]["deleted_api_keys"] == []
    before, after = _signing(rotated.after_second, rotated.ref), _signing(rotated.after_week, rotated.ref)
    assert set(before) == set(after) and "in_use" in after.values()


def test_the_schedule_is_weekly_without_catchup(rotated):
    from airflow.dag_processing.dagbag import DagBag

    from .conftest import EXAMPLE_DAGS

    dag = DagBag(str(EXAMPLE_DAGS / f"{DAG_ID}.py")).get_dag(DAG_ID)
    assert (dag.schedule, dag.catchup) == ("@weekly", False)
