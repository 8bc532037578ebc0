"""UpdatePgsodiumRootKeyOperator in real DAG runs: acknowledgement required, key masked, no-op when equal."""

from __future__ import annotations

import secrets

from tests.operators.masking import assert_never_leaked

IMPORTS = "from airflow_provider_supabase.operators.pgsodium import UpdatePgsodiumRootKeyOperator"


def _update(ref: str, **extra) -> str:
    return f"UpdatePgsodiumRootKeyOperator(**{dict(task_id='rotate', project_ref=ref, **extra)!r})"


def _root_key(emulator, ref: str) -> str:
    return emulator.state_snapshot()["pgsodium"][ref]["root_key"]


def test_refuses_without_the_data_loss_acknowledgement(run_tasks, emulator, project):
    before = _root_key(emulator, project["ref"])

    result = run_tasks(_update(project["ref"], root_key=secrets.token_hex(32), retries=1), imports=IMPORTS)

    assert result.task_states["rotate"] == "failed"
    assert result.try_numbers["rotate"] == 1
    assert "i_understand_data_loss=True" in result.log
    assert emulator.request_count() == 0 and _root_key(emulator, project["ref"]) == before


def test_updates_the_key_from_a_variable_and_never_shows_it(run_tasks, emulator, project, monkeypatch):
    key = secrets.token_hex(32)
    monkeypatch.setenv("AIRFLOW_VAR_PGSODIUM_ROOT_KEY", key)

    result = run_tasks(
        _update(project["ref"], root_key="{{ var.value.pgsodium_root_key }}", i_understand_data_loss=True),
        imports=IMPORTS,
    )

    assert _root_key(emulator, project["ref"]) == key
    assert result.xcom("rotate") == {"updated": True}
    assert result.rendered[("rotate", -1)]["root_key"] == "***"
    assert_never_leaked(result, key)


def test_same_key_sends_no_update(run_tasks, emulator, project):
    current = _root_key(emulator, project["ref"])

    result = run_tasks(_update(project["ref"], root_key=current.upper(), i_understand_data_loss=True), imports=IMPORTS)

    assert result.xcom("rotate") == {"updated": False}
    assert emulator.request_count("PUT") == 0
    assert_never_leaked(result, current)


def test_malformed_key_is_refused_without_showing_it(run_tasks, emulator, project):
    bad = "not-hex-" + secrets.token_hex(20)

    result = run_tasks(_update(project["ref"], root_key=bad, i_understand_data_loss=True), imports=IMPORTS)

    assert result.task_states["rotate"] == "failed"
    assert "Invalid root_key: must be 64 hexadecimal characters" in result.log
    assert emulator.request_count() == 0
    assert_never_leaked(result, bad)
